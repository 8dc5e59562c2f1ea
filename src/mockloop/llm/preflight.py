"""Checks before the first question that a configured model can work at all.

A missing key or a server that is not listening should fail in a second with one line, not
after a minute of retries. Nothing here imports litellm (that alone can take seconds) or sends
a model request: the key check reads the environment, the server check is one GET of /models
with a short timeout, never retried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, build_opener

from mockloop.errors import MockloopError
from mockloop.llm.errors import key_env, provider_of

CONNECT_TIMEOUT_S = 2.0

# Providers that run on the user's machine, and where they listen unless --api-base says.
LOCAL_SERVERS = {
    "ollama": "http://localhost:11434",
    "ollama_chat": "http://localhost:11434",
    "lm_studio": "http://localhost:1234/v1",
    "llamafile": "http://127.0.0.1:8080/v1",
    "hosted_vllm": "http://localhost:8000/v1",
}
# Providers whose key lives in one environment variable. Others (bedrock, vertex_ai, azure AD,
# sagemaker...) authenticate in ways this check cannot see, so they are not checked.
KEY_PROVIDERS = {
    "openai",
    "anthropic",
    "gemini",
    "mistral",
    "groq",
    "cohere",
    "deepseek",
    "openrouter",
    "xai",
    "together_ai",
    "fireworks_ai",
    "perplexity",
    "azure",
}


class PreflightError(MockloopError):
    """A configured model cannot work: no key, or its server does not answer."""


def check_model(
    model: str,
    *,
    flag: str,
    api_base: str | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Raise PreflightError (one line naming the variable or URL, and the offline way)."""
    env = os.environ if environ is None else environ
    provider = provider_of(model)
    offline = f"or run offline with {flag} offline."
    base = api_base or LOCAL_SERVERS.get(provider)
    if base is not None:
        _check_answers(base, model, offline)
    # litellm wants the provider's key even for a server of your own (`openai/...` on vLLM).
    if provider in KEY_PROVIDERS and not api_key:
        variable = key_env(provider)
        if not env.get(variable):
            raise PreflightError(
                f"no API key for {model}: set {variable} (or api_key in config.toml), {offline}"
            )


def _check_answers(base: str, model: str, offline: str) -> None:
    """One GET of the server's /models; any HTTP reply will do. A refusal is not retried."""
    url = (base if "://" in base else f"http://{base}").rstrip("/") + "/models"
    host = urlsplit(url).hostname or ""
    # A local server is reached directly, never through a proxy from the environment.
    handlers = [ProxyHandler({})] if host in ("localhost", "127.0.0.1", "::1") else []
    try:
        with build_opener(*handlers).open(url, timeout=CONNECT_TIMEOUT_S):
            return
    except HTTPError:
        return  # 401, 404...: something answers; the model call will say what it thinks
    except TimeoutError:
        reason = f"no answer within {CONNECT_TIMEOUT_S:g} s"
    except URLError as exc:
        refused = isinstance(exc.reason, ConnectionRefusedError)
        reason = "connection refused (is the server running?)" if refused else str(exc.reason)
    except (OSError, ValueError) as exc:
        reason = str(exc)
    raise PreflightError(f"{model}: cannot reach {base}: {reason}; start it, {offline}")
