"""The one gateway to model providers: streaming, retries, a cost cap, JSON output, replay.

Nothing else in mockloop imports litellm (llm.tokens holds the lazy import). Importing this
module is cheap: litellm loads on the first live call, after the environment is made safe for
offline machines.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

from mockloop.llm.errors import (
    JSON_FEEDBACK,
    JSON_INSTRUCTION,
    RETRY_AFTER_LIMIT_S,
    LLMError,
    RetryNotice,
    backoff_delay,
    classify,
    describe_problem,
    parse_json_object,
    retry_after,
)
from mockloop.llm.replay import Replayer, recorder_from_env, replayer_from_env
from mockloop.llm.router import routed_call
from mockloop.llm.structured import (
    REJECTED_FORM_KINDS,
    BadOutput,
    json_forms,
    json_schema_of,
)
from mockloop.llm.tokens import (
    DEFAULT_OUTPUT,
    CostCheck,
    CostMeter,
    Usage,
    configure_offline_environment,
    count_message_tokens,
    count_tokens,
    fit_to_budget,
    input_window,
    litellm_module,
    litellm_price,
)
from mockloop.ports import Messages
from mockloop.routerconfig import RouterConfig

__all__ = [
    "BadOutput",
    "Completion",
    "CostCheck",
    "CostMeter",
    "Gateway",
    "LLMError",
    "LLMSettings",
    "RetryNotice",
    "Usage",
    "configure_offline_environment",
    "count_message_tokens",
    "count_tokens",
    "fit_to_budget",
    "input_window",
    "litellm_module",
    "litellm_price",
    "parse_json_object",
]

JSON_ATTEMPTS = 3  # one call plus at most two repairs
T = TypeVar("T", bound=BaseModel)


# -- settings and replies ----------------------------------------------------------------------


class LLMSettings(BaseModel):
    """How to reach a model; the key is a SecretStr so it never shows in a repr or a dump."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    api_base: str | None = None
    api_key: SecretStr | None = None
    api_version: str | None = None  # Azure OpenAI's api-version query parameter
    timeout_s: float = 60
    max_retries: int = 4
    temperature: float = 0.0
    seed: int | None = 7
    max_tokens: int | None = None
    context_tokens: int | None = None  # input budget per call; None: the model's own window
    router: RouterConfig | None = None  # deployments litellm's Router spreads this model over


class Completion(BaseModel):
    """A model's reply: the full text, its usage, the model that answered and why it stopped."""

    model_config = ConfigDict(frozen=True)

    text: str
    usage: Usage
    model: str
    finish_reason: str | None = None
    replayed: bool = False


# -- the gateway ------------------------------------------------------------------------------


class _Stream:
    """What a streamed call has produced so far."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.refusal: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Any = None

    def take(self, chunk: Any, on_delta: Callable[[str], None]) -> None:
        """Fold one chunk in; text deltas go to on_delta as they arrive."""
        if getattr(chunk, "usage", None):
            self.usage = chunk.usage
        for choice in getattr(chunk, "choices", None) or []:
            delta = getattr(choice, "delta", None)
            piece = getattr(delta, "content", None)
            if piece:
                self.parts.append(piece)
                on_delta(piece)
            if refusal := _refusal(delta):
                self.refusal.append(refusal)
            self.finish_reason = getattr(choice, "finish_reason", None) or self.finish_reason


def _refusal(message: Any) -> str | None:
    extra = getattr(message, "provider_specific_fields", None) or {}
    found = getattr(message, "refusal", None) or extra.get("refusal")
    return str(found) if found else None


def _pieces(text: str) -> list[str]:
    # Replayed replies still stream, word by word, so the terminal path is the same.
    return re.findall(r"\S+\s*|\s+", text)


class Gateway:
    """Model calls with streaming, retries, a cost cap, a context budget and record/replay."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        meter: CostMeter | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.settings = settings
        self.meter = meter or CostMeter()
        self.on_retry = on_retry  # used when a call passes none, e.g. the terminal's notices
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._secret = settings.api_key.get_secret_value() if settings.api_key else None
        self._replayer: Replayer | None = replayer_from_env()
        secrets = [self._secret] if self._secret else []
        self._recorder = None if self._replayer else recorder_from_env(secrets)
        self._json_form: str | None = None  # the structured-output form that last worked

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        on_delta: Callable[[str], None] | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        seed: int | None = None,
    ) -> Completion:
        """One reply; with on_delta the reply streams and each text delta is passed on."""
        params = self._params(max_tokens, temperature, seed)
        return self._call([dict(m) for m in messages], params, on_delta, on_retry)

    def complete_json(
        self,
        messages: Sequence[Mapping[str, Any]],
        schema: type[T],
        *,
        on_retry: Callable[[RetryNotice], None] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        seed: int | None = None,
        attempts: int = JSON_ATTEMPTS,
    ) -> tuple[T, Completion]:
        """A reply parsed into `schema`; bad output is fed back to the model (attempts - 1 times).

        The schema is always in the prompt; the provider's structured-output forms are tried
        from the strictest down (json_schema, Ollama's `format`, json_object, none), and a form
        the server rejects is dropped for the rest of this gateway's life.
        """
        shape = json.dumps(json_schema_of(schema), separators=(",", ":"))
        base = [*(dict(m) for m in messages)]
        base.append({"role": "system", "content": JSON_INSTRUCTION.format(schema=shape)})
        params = self._params(max_tokens, temperature, seed)
        conversation, problem, payload = base, "", None
        for _ in range(max(1, attempts)):
            completion = self._call_json(conversation, params, schema, on_retry)
            try:
                payload = parse_json_object(completion.text)
                return schema.model_validate(payload), completion
            except ValueError as exc:  # JSON and pydantic validation errors are ValueErrors
                problem = describe_problem(exc, completion.finish_reason)
            if completion.finish_reason == "length" and "max_tokens" in params:
                params = {**params, "max_tokens": params["max_tokens"] * 2}  # room to finish
            conversation = [
                *base,
                {"role": "assistant", "content": completion.text},
                {"role": "user", "content": JSON_FEEDBACK.format(problem=problem)},
            ]
        raise BadOutput(
            f"{self.settings.model} did not return a usable {schema.__name__} JSON object "
            f"after {max(1, attempts)} attempts: {problem}",
            payload,
        )

    @property
    def json_form(self) -> str:
        """The structured-output form JSON calls use now (it moves down when one is rejected)."""
        return self._json_form or "not chosen yet"

    def _call_json(
        self,
        messages: Messages,
        params: dict[str, Any],
        schema: type[BaseModel],
        on_retry: Callable[[RetryNotice], None] | None,
    ) -> Completion:
        """One JSON call, stepping down the structured-output forms the server rejects."""
        forms = [("replay", {})] if self._replayer else json_forms(self.settings.model, schema)
        start = next((i for i, (name, _) in enumerate(forms) if name == self._json_form), 0)
        for index in range(start, len(forms)):
            name, extra = forms[index]
            last = index == len(forms) - 1
            try:
                # A form that is not the last gets one try: a server that rejects it (llama.cpp
                # answers 500 to json_schema) would fail every retry the same way.
                completion = self._call(
                    messages, {**params, **extra}, None, on_retry, attempts=None if last else 1
                )
            except LLMError as exc:
                if last or exc.kind not in REJECTED_FORM_KINDS:
                    raise
                continue
            self._json_form = name
            return completion
        raise AssertionError("unreachable: the last form returns or raises")

    def json_request(
        self,
        messages: Sequence[Mapping[str, Any]],
        schema: type[BaseModel],
        *,
        temperature: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """The body of complete_json's first request, for a provider batch to send instead."""
        shape = json.dumps(json_schema_of(schema), separators=(",", ":"))
        sent = [*(dict(m) for m in messages)]
        sent.append({"role": "system", "content": JSON_INSTRUCTION.format(schema=shape)})
        # A batch cannot step down forms mid-flight: it sends the strictest form the model takes.
        _name, form = json_forms(self.settings.model, schema)[0]
        params = {**self._params(None, temperature, seed), **form}
        return {"messages": sent, **params}

    def _params(
        self, max_tokens: int | None, temperature: float | None, seed: int | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "temperature": self.settings.temperature if temperature is None else temperature
        }
        if (chosen_seed := self.settings.seed if seed is None else seed) is not None:
            params["seed"] = chosen_seed
        if (limit := max_tokens or self.settings.max_tokens) is not None:
            params["max_tokens"] = limit
        return params

    def _call(
        self,
        messages: Messages,
        params: dict[str, Any],
        on_delta: Callable[[str], None] | None,
        on_retry: Callable[[RetryNotice], None] | None,
        *,
        attempts: int | None = None,
    ) -> Completion:
        if self._replayer is not None:
            return self._replay(self._replayer, messages, on_delta)
        reserve = params.get("max_tokens") or DEFAULT_OUTPUT
        budget = self.settings.context_tokens
        window = budget + reserve if budget else None  # the budget is for input tokens only
        sent = fit_to_budget(messages, self.settings.model, reserve, window=window)
        self._check_cost(sent, params.get("max_tokens"))
        completion = self._with_retries(sent, params, on_delta, on_retry, attempts)
        self.meter.add(completion.usage)
        if self._recorder is not None:
            reply = completion.model_dump(include={"text", "usage", "finish_reason"})
            self._recorder.write(self.settings.model, messages, params, reply)
        return completion

    def _replay(
        self, replayer: Replayer, messages: Messages, on_delta: Callable[[str], None] | None
    ) -> Completion:
        entry = replayer.next(self.settings.model, messages)
        text = str(entry.get("text") or "")
        if on_delta is not None:
            for piece in _pieces(text):
                on_delta(piece)
        usage = Usage.model_validate(entry.get("usage") or {})
        self.meter.add(usage)
        return Completion(
            text=text,
            usage=usage,
            model=str(entry.get("model") or self.settings.model),
            finish_reason=entry.get("finish_reason"),
            replayed=True,
        )

    def _check_cost(self, messages: Messages, max_tokens: int | None) -> None:
        if self.meter.max_cost is None:
            return
        check = self.meter.check(
            self.settings.model, count_message_tokens(messages, self.settings.model), max_tokens
        )
        if check.would_exceed and check.estimate_usd is not None:
            raise LLMError(
                f"The next call (up to ${check.estimate_usd:.4f}) would exceed the cost cap of "
                f"${self.meter.max_cost:.2f} (${self.meter.spent_usd:.4f} spent so far)",
                "budget",
            )

    def _with_retries(
        self,
        messages: Messages,
        params: dict[str, Any],
        on_delta: Callable[[str], None] | None,
        on_retry: Callable[[RetryNotice], None] | None,
        attempts: int | None = None,
    ) -> Completion:
        attempts = attempts or max(0, self.settings.max_retries) + 1
        for attempt in range(1, attempts + 1):
            stream = _Stream()
            try:
                return self._once(messages, params, on_delta, stream)
            except LLMError:
                raise  # already decided (a refusal): not a provider failure
            except Exception as exc:  # every provider failure; classify() names it
                error = self._classify(exc)
                delay = self._delay(error, exc, attempt, attempts)
                notice = RetryNotice(
                    attempt + 1, attempts, delay, error.summary, error.kind, bool(stream.parts)
                )
                if (callback := on_retry or self.on_retry) is not None:
                    callback(notice)
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _delay(self, error: LLMError, exc: Exception, attempt: int, attempts: int) -> float:
        """Seconds to wait before the next attempt; raises when there is to be none."""
        if not error.retryable or attempt == attempts:
            suffix = f"; gave up after {attempt} attempts" if attempt > 1 else ""
            raise LLMError(
                error.message + suffix, error.kind, error.retryable, error.summary + suffix
            ) from exc
        wait = retry_after(exc)
        if wait is None:
            return backoff_delay(attempt - 1, self._rng)
        if wait > RETRY_AFTER_LIMIT_S:
            message = f"{error.message}; the provider asks to wait {wait:.0f} s: try again later"
            raise LLMError(message, error.kind, error.retryable) from exc
        return wait

    def _classify(self, exc: BaseException) -> LLMError:
        return classify(
            exc,
            model=self.settings.model,
            timeout_s=self.settings.timeout_s,
            api_base=self.settings.api_base,
            secret=self._secret,
        )

    def _once(
        self,
        messages: Messages,
        params: dict[str, Any],
        on_delta: Callable[[str], None] | None,
        stream: _Stream,
    ) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "api_base": self.settings.api_base,
            "api_key": self._secret,
            "timeout": self.settings.timeout_s,
            "num_retries": 0,  # only our loop retries: one policy, one notice per retry
            "max_retries": 0,
            **params,
        }
        if self.settings.api_version is not None:
            kwargs["api_version"] = self.settings.api_version
        if on_delta is None:
            response = routed_call(self.settings.router, self.settings.model, kwargs)
            choice = response.choices[0]
            text, refusal = choice.message.content or "", _refusal(choice.message)
            finish, raw_usage = choice.finish_reason, getattr(response, "usage", None)
        else:
            streamed = {**kwargs, "stream": True, "stream_options": {"include_usage": True}}
            chunks = routed_call(self.settings.router, self.settings.model, streamed)
            for chunk in chunks:
                stream.take(chunk, on_delta)
            text, refusal = "".join(stream.parts), "".join(stream.refusal) or None
            finish, raw_usage = stream.finish_reason, stream.usage
        if refusal and not text:
            raise LLMError(f"{self.settings.model} refused: {refusal}", "refusal")
        return Completion(
            text=text,
            usage=self._usage(messages, text, raw_usage),
            model=self.settings.model,
            finish_reason=finish,
        )

    def _usage(self, messages: Messages, text: str, raw: Any) -> Usage:
        model = self.settings.model
        prompt = int(getattr(raw, "prompt_tokens", None) or 0)
        completion = int(getattr(raw, "completion_tokens", None) or 0)
        # litellm reports zeros, not None, when the provider sent no usage.
        estimated = not prompt or (not completion and bool(text))
        if not prompt:
            prompt = count_message_tokens(messages, model)
        if not completion and text:
            completion = count_tokens(text, model)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=self.meter.price(model, prompt, completion),
            estimated=estimated,
        )
