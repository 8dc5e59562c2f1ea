"""Failures as one-line human messages: provider errors (with retry and backoff) and bad JSON.

The table is keyed by exception class *name* so that this module never imports litellm; a
failure is matched by walking its class's MRO, most specific class first, among classes that
come from litellm or openai (whose exception names litellm reuses).
"""

from __future__ import annotations

import json
import random
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from pydantic import ValidationError

from mockloop.errors import MockloopError
from mockloop.redact import redact_url

BACKOFF_BASE_S = 1.0
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 30.0
# A Retry-After longer than this is not worth waiting for in an interactive session.
RETRY_AFTER_LIMIT_S = 60.0


class LLMError(MockloopError):
    """A model call that failed for good: a one-line message, a kind, and if it was retryable."""

    def __init__(
        self, message: str, kind: str = "unknown", retryable: bool = False, summary: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable
        self.summary = summary or message  # the message without the provider's details


class ErrorRule(NamedTuple):
    """How one exception class is reported: kind, whether to retry, and the message template."""

    kind: str
    retryable: bool
    message: str  # may use {model}, {provider}, {env}, {timeout}, {where}


_BAD_REQUEST = ErrorRule("bad_request", False, "The provider rejected the request to {model}")
_GUARDRAIL = ErrorRule("guardrail", False, "A litellm guardrail blocked the request")

# The exception classes of litellm.exceptions and openai's base classes. A class litellm adds
# later is still matched through its MRO by its nearest known base (a test checks that every
# class maps to some rule); name it here when it deserves a message of its own.
ERROR_TABLE: dict[str, ErrorRule] = {
    "ContextWindowExceededError": ErrorRule(
        "context_window", False, "The prompt is longer than {model}'s context window"
    ),
    "ContentPolicyViolationError": ErrorRule(
        "content_policy", False, "The provider's content filter blocked the request"
    ),
    "RejectedRequestError": ErrorRule("content_policy", False, "The provider refused the request"),
    "PaymentRequiredError": ErrorRule(
        "payment", False, "The {provider} account needs credit or a payment method"
    ),
    "UnsupportedParamsError": ErrorRule(
        "bad_request", False, "{model} does not accept a parameter mockloop sent"
    ),
    "LiteLLMUnknownProvider": ErrorRule(
        "config", False, "Unknown provider in {model!r}: write provider/model, e.g. openai/gpt-4o"
    ),
    "ImageFetchError": _BAD_REQUEST,
    "VectorStoreSearchError": _BAD_REQUEST,
    "InvalidRequestError": _BAD_REQUEST,
    "BadRequestError": _BAD_REQUEST,
    "UnprocessableEntityError": _BAD_REQUEST,
    "CallerCredentialAuthenticationError": ErrorRule(
        "auth", False, "The API key passed for {provider} was rejected: check {env}"
    ),
    "CallerCredentialRateLimitError": ErrorRule(
        "rate_limit", True, "The provider rate-limited requests made with this API key"
    ),
    "MalformedRequestFieldError": _BAD_REQUEST,
    "UnsupportedEndpointError": ErrorRule(
        "bad_request", False, "{model} does not support the endpoint mockloop called"
    ),
    "EndpointNotSupportedByModelError": ErrorRule(
        "bad_request", False, "{model} does not support the endpoint mockloop called"
    ),
    "AuthenticationError": ErrorRule(
        "auth",
        False,
        "The API key for {provider} was rejected: check {env} or api_key in config.toml",
    ),
    "PermissionDeniedError": ErrorRule(
        "permission", False, "The API key for {provider} has no access to {model}"
    ),
    "NotFoundError": ErrorRule(
        "not_found", False, "{model} was not found at the provider: check the model name{where}"
    ),
    "RateLimitError": ErrorRule("rate_limit", True, "The provider rate-limited the request"),
    "Timeout": ErrorRule("timeout", True, "The provider did not answer within {timeout} s"),
    "APITimeoutError": ErrorRule("timeout", True, "The provider did not answer within {timeout} s"),
    "APIConnectionError": ErrorRule("connection", True, "Cannot reach the provider{where}"),
    "MidStreamFallbackError": ErrorRule("server", True, "The provider's stream broke off"),
    "ServiceUnavailableError": ErrorRule(
        "unavailable", True, "The provider is temporarily unavailable"
    ),
    "BadGatewayError": ErrorRule("unavailable", True, "The provider's gateway failed"),
    "InternalServerError": ErrorRule("server", True, "The provider had an internal error"),
    "JSONSchemaValidationError": ErrorRule(
        "bad_output", False, "The reply did not match the requested JSON schema"
    ),
    "APIResponseValidationError": ErrorRule(
        "bad_output", True, "The provider sent a malformed response"
    ),
    "APIStatusError": ErrorRule("provider", True, "The provider returned an error"),
    "APIError": ErrorRule("provider", True, "The provider returned an error"),
    "MockException": ErrorRule("provider", False, "litellm's mock provider raised an error"),
    "OpenAIError": ErrorRule("provider", False, "The provider client failed"),
    "ModelNotMappedError": ErrorRule("config", False, "litellm does not know the model {model}"),
    "BudgetExceededError": ErrorRule("budget", False, "litellm's budget for this key is spent"),
    "GuardrailRaisedException": _GUARDRAIL,
    "BlockedPiiEntityError": _GUARDRAIL,
    "ModifyResponseException": _GUARDRAIL,
    "SensitiveDataRouteException": _GUARDRAIL,
}

UNKNOWN = ErrorRule("unknown", False, "The model call failed")

# litellm reports some failures under a generic class; the text says what really happened.
_TEXT_RULES: list[tuple[re.Pattern[str], ErrorRule]] = [
    (
        re.compile(r"missing credentials|api_key client option|provide an api key", re.I),
        ErrorRule("auth", False, "No API key for {provider}: set {env} or api_key in config.toml"),
    ),
    (
        re.compile(r"\bconnection error\b|connection refused|name or service not known", re.I),
        ErrorRule("connection", True, "Cannot reach the provider{where}"),
    ),
]
# Nothing listens there, or the name does not resolve: retrying in a second will not change
# that, so the call fails at once and the caller can say so (and fall back) without a wait.
UNREACHABLE = ErrorRule(
    "connection", False, "Cannot reach the provider{where}: nothing answers there"
)
_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+:\s*)?(?:\w+Exception\s*-\s*)?")
_OWNERS = ("litellm", "openai")


def rule_for_class(cls: type[BaseException]) -> ErrorRule | None:
    """The table entry of the most specific litellm/openai class in `cls`'s MRO."""
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] in _OWNERS and klass.__name__ in ERROR_TABLE:
            return ERROR_TABLE[klass.__name__]
    return None


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` was caused by a refused connection or a name that does not resolve."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, ConnectionRefusedError | socket.gaierror):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def provider_of(model: str) -> str:
    """The provider litellm will route to, guessed from the model name."""
    if "/" in model:
        return model.split("/", 1)[0]
    for prefix, provider in (("claude", "anthropic"), ("gemini", "gemini"), ("mistral", "mistral")):
        if model.startswith(prefix):
            return provider
    return "openai"


def key_env(provider: str) -> str:
    """The environment variable litellm reads the provider's key from."""
    return {"azure": "AZURE_API_KEY", "vertex_ai": "GOOGLE_APPLICATION_CREDENTIALS"}.get(
        provider, f"{provider.upper().replace('-', '_')}_API_KEY"
    )


def detail_of(exc: BaseException, secret: str | None = None) -> str:
    """The provider's own words, one line, without litellm's prefixes or the API key."""
    text = str(getattr(exc, "message", None) or exc).strip()
    text = _PREFIX.sub("", text.splitlines()[0] if text else "").strip()
    if secret:
        text = text.replace(secret, "***")
    return text[:200]


def classify(
    exc: BaseException,
    *,
    model: str,
    timeout_s: float,
    api_base: str | None = None,
    secret: str | None = None,
) -> LLMError:
    """Turn any exception from a model call into an LLMError with a human message."""
    detail = detail_of(exc, secret)
    rule = rule_for_class(type(exc)) or UNKNOWN
    for pattern, refined in _TEXT_RULES:
        if pattern.search(detail) and rule.kind in ("server", "provider", "unknown", "auth"):
            rule = refined
            break
    if rule.kind in ("connection", "server", "provider", "unknown") and unreachable(exc):
        rule = UNREACHABLE
    provider = provider_of(model)
    summary = rule.message.format(
        model=model,
        provider=provider,
        env=key_env(provider),
        timeout=f"{timeout_s:g}",
        where=f" at {redact_url(api_base)}" if api_base else "",
    )
    status = getattr(exc, "status_code", None)
    extra = f"HTTP {status}: {detail}" if isinstance(status, int) and status >= 400 else detail
    # The key and timeout messages say everything; the provider's words would only repeat them.
    message = summary if not extra or rule.kind in ("auth", "timeout") else f"{summary} ({extra})"
    return LLMError(message, rule.kind, rule.retryable, summary)


def _headers(exc: BaseException) -> Any:
    for holder in (exc, getattr(exc, "response", None)):
        for name in ("litellm_response_headers", "headers"):
            headers = getattr(holder, name, None)
            if headers is not None and hasattr(headers, "get"):
                return headers
    return None


def retry_after(exc: BaseException, now: datetime | None = None) -> float | None:
    """Seconds the provider asked us to wait (Retry-After or retry-after-ms), if it said."""
    headers = _headers(exc)
    if headers is None:
        return None
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = parsedate_to_datetime(str(value))
            return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError):
        return None  # an unparseable header is treated as absent


def backoff_delay(retry_index: int, rng: random.Random) -> float:
    """Exponential backoff with equal jitter: between half and all of min(cap, base*2^i)."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * BACKOFF_FACTOR**retry_index)
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class RetryNotice:
    """One retry about to happen: which attempt is next, after how long, and why."""

    attempt: int  # the attempt about to be made, 2..attempts
    attempts: int  # total attempts allowed (max_retries + 1)
    delay_s: float
    reason: str  # human, e.g. "The provider rate-limited the request"
    kind: str
    restarted: bool = False  # streamed text was already shown; the reply starts over

    def __str__(self) -> str:
        delay = f"{self.delay_s:.0f}" if self.delay_s >= 1 else f"{self.delay_s:.1f}"
        return f"{self.reason}; retrying in {delay} s ({self.attempt}/{self.attempts})"


def debug_enabled() -> bool:
    """The `debug` setting (MOCKLOOP_DEBUG) lets litellm's own logging through."""
    from mockloop.config import current

    return current().debug


# -- bad output: tolerant JSON parsing, and what to tell the model when it fails ----------

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)(?:```|\Z)", re.S)


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a reply: fences stripped, prose before and after ignored."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    decoder = json.JSONDecoder()
    first_error: json.JSONDecodeError | None = None
    start = body.find("{")
    for _ in range(50):  # bounded: a long truncated reply has many braces
        if start == -1:
            break
        try:
            value, _end = decoder.raw_decode(body, start)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
        else:
            if isinstance(value, dict):
                return value
        start = body.find("{", start + 1)
    if first_error is not None:
        raise first_error
    raise ValueError("it contains no JSON object")


def describe_problem(exc: ValueError, finish_reason: str | None) -> str:
    """Why a reply could not be used, in words the model can act on."""
    if isinstance(exc, ValidationError):
        errors = [
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors()[:6]
        ]
        return "it does not match the schema: " + "; ".join(errors)
    if finish_reason == "length":
        return "the reply was cut off at the token limit before the JSON object was complete"
    if isinstance(exc, json.JSONDecodeError):
        return f"it is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    return str(exc)


JSON_INSTRUCTION = (
    "Reply with a single JSON object and nothing else (no prose, no code fences). "
    "It must match this JSON schema:\n{schema}"
)
JSON_FEEDBACK = (
    "Your previous reply could not be used: {problem}. "
    "Reply again with only the corrected JSON object."
)
