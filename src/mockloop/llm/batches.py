"""Provider batch APIs through litellm's files and batches calls, in OpenAI's batch format.

A batch is one uploaded JSONL file of chat requests, each with a `custom_id`; the provider answers
within its window (24 h) at about half the price. This module only talks to the provider:
batchjobs.py owns what is stored, resumed and scored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from mockloop.errors import UserError
from mockloop.llm.errors import LLMError, classify
from mockloop.llm.gateway import LLMSettings
from mockloop.llm.tokens import configure_offline_environment, litellm_module

# What litellm's create_batch accepts (litellm/batches/main.py, 1.110).
BATCH_PROVIDERS = (
    "openai",
    "azure",
    "vertex_ai",
    "bedrock",
    "hosted_vllm",
    "litellm_proxy",
    "mistral",
    "xai",
)
# Providers whose batches litellm can list (litellm/types/utils.py, 1.110): how a create whose
# answer was lost is found again instead of paid for twice.
LISTED = ("openai", "azure", "hosted_vllm", "litellm_proxy", "vertex_ai", "xai")
LIST_PAGES, LIST_PAGE_SIZE = 10, 100  # the newest thousand batches: a lost create is recent
STREAMED_CONTENT = ("openai", "hosted_vllm", "litellm_proxy", "vertex_ai")
FINISHED = ("completed", "expired", "failed", "cancelled")
ENDPOINT = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # providers' batch price when litellm's cost map has none of its own


@dataclass(frozen=True)
class BatchState:
    """Where a provider batch stands: its status, request counts and result files."""

    status: str
    total: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None

    @property
    def finished(self) -> bool:
        """The provider will do no more work on it (completed, expired, failed or cancelled)."""
        return self.status in FINISHED


@dataclass(frozen=True)
class LineResult:
    """One request's answer from a result file: the reply text, or why there is none."""

    custom_id: str
    text: str | None
    error: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None


def parse_line(raw: bytes | str) -> LineResult:
    """Read one line of a batch's output or error file."""
    record = json.loads(raw)
    custom_id = str(record.get("custom_id"))
    response = record.get("response") or {}
    body = response.get("body") or {}
    status = int(response.get("status_code") or 0)
    if record.get("error") or status != 200:
        error = record.get("error") or body.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else str(error)
        return LineResult(custom_id, None, f"HTTP {status}: {message or 'no detail'}")
    choice = (body.get("choices") or [{}])[0]
    usage = body.get("usage") or {}
    return LineResult(
        custom_id,
        (choice.get("message") or {}).get("content") or "",
        None,
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        choice.get("finish_reason"),
    )


def deployment_settings(settings: LLMSettings) -> LLMSettings:
    """A Router name's first deployment: a batch, and the file it reads, live in one place."""
    router = settings.router
    if router is None or settings.model not in router.names:
        return settings
    chosen = next(d for d in router.deployments if d.name == settings.model)
    return settings.model_copy(
        update={
            "model": chosen.model,
            "api_base": chosen.api_base or settings.api_base,
            "api_key": SecretStr(chosen.api_key) if chosen.api_key else settings.api_key,
            "api_version": chosen.api_version or settings.api_version,
            "router": None,
        }
    )


class BatchClient:
    """Upload, create, poll and download provider batches for one model."""

    def __init__(self, settings: LLMSettings) -> None:
        settings = deployment_settings(settings)
        self.settings = settings
        configure_offline_environment()
        litellm = litellm_module()
        try:
            name, provider, _, _ = litellm.get_llm_provider(model=settings.model)
        except Exception as exc:
            raise UserError(f"{settings.model}: unknown model provider ({exc})") from None
        if provider not in BATCH_PROVIDERS:
            raise UserError(
                f"{settings.model}: the {provider} provider has no batch API in litellm; "
                "score with --concurrency N instead"
            )
        self.provider: str = provider
        self.body_model: str = name  # the model as the provider names it, inside each line
        self._secret = settings.api_key.get_secret_value() if settings.api_key else None

    def line(self, custom_id: str, body: dict[str, Any]) -> bytes:
        """One request of the input file."""
        request = {
            "custom_id": custom_id,
            "method": "POST",
            "url": ENDPOINT,
            "body": {"model": self.body_model, **body},
        }
        return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()

    def upload(self, data: bytes) -> str:
        """Upload an input file; its id."""
        made = self._call(
            litellm_module().create_file,
            file=("mockloop-batch.jsonl", data, "application/jsonl"),
            purpose="batch",
        )
        return str(made.id)

    def create(self, input_file_id: str, metadata: dict[str, str]) -> str:
        """Start a batch over an uploaded file; its id."""
        made = self._call(
            litellm_module().create_batch,
            completion_window="24h",
            endpoint=ENDPOINT,
            input_file_id=input_file_id,
            metadata=metadata,
        )
        return str(made.id)

    def find(self, input_file_id: str, key: str) -> str | None:
        """The batch already created over this input file or with this key, if one is listed.

        None when the provider has none, or cannot list batches (then a create is the only way
        on; the README says so).
        """
        if self.provider not in LISTED:
            return None
        after: str | None = None
        for _ in range(LIST_PAGES):
            page = self._call(litellm_module().list_batches, after=after, limit=LIST_PAGE_SIZE)
            batches = list(getattr(page, "data", None) or [])
            for batch in batches:
                metadata = getattr(batch, "metadata", None) or {}
                if getattr(batch, "input_file_id", None) == input_file_id or (
                    metadata.get("mockloop_key") == key
                ):
                    return str(batch.id)
            if not batches or not getattr(page, "has_more", False):
                return None
            after = str(batches[-1].id)
        return None

    def state(self, batch_id: str) -> BatchState:
        """Ask the provider where a batch stands."""
        batch = self._call(litellm_module().retrieve_batch, batch_id=batch_id)
        counts = getattr(batch, "request_counts", None)
        return BatchState(
            status=str(batch.status),
            total=int(getattr(counts, "total", 0) or 0),
            completed=int(getattr(counts, "completed", 0) or 0),
            failed=int(getattr(counts, "failed", 0) or 0),
            output_file_id=getattr(batch, "output_file_id", None),
            error_file_id=getattr(batch, "error_file_id", None),
        )

    def results(self, file_id: str) -> Iterator[LineResult]:
        """The lines of a result file, read as they stream in where the provider allows."""
        stream = self.provider in STREAMED_CONTENT
        content = self._call(litellm_module().file_content, file_id=file_id, stream=stream)
        pending = b""
        # A stream comes as (stream_iterator, headers); a whole file as one response body.
        chunks = iter(content.stream_iterator) if stream else iter([content.content])
        for chunk in chunks:
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                if raw.strip():
                    yield parse_line(raw)
        if pending.strip():
            yield parse_line(pending)

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Dollar cost at the batch price: litellm's batch rates, else half the live price."""
        litellm = litellm_module()
        info = litellm.model_cost.get(self.settings.model) or litellm.model_cost.get(
            self.body_model
        )
        if info and info.get("input_cost_per_token_batches") is not None:
            return float(
                prompt_tokens * info["input_cost_per_token_batches"]
                + completion_tokens * (info.get("output_cost_per_token_batches") or 0.0)
            )
        try:
            live = litellm.cost_per_token(
                model=self.settings.model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        except Exception:  # not in litellm's cost map: the cost is unknown, not zero
            return None
        return (float(live[0]) + float(live[1])) * BATCH_DISCOUNT

    def _call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        if self.settings.api_version is not None:  # Azure: ?api-version= on every request
            kwargs["api_version"] = self.settings.api_version
        try:
            return function(
                custom_llm_provider=self.provider,
                api_base=self.settings.api_base,
                api_key=self._secret,
                timeout=self.settings.timeout_s,
                **kwargs,
            )
        except Exception as exc:  # every provider failure, named by classify()
            raise self._classify(exc) from exc

    def _classify(self, exc: BaseException) -> LLMError:
        return classify(
            exc,
            model=self.settings.model,
            timeout_s=self.settings.timeout_s,
            api_base=self.settings.api_base,
            secret=self._secret,
        )
