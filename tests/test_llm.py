"""The LLM gateway, through litellm's real request path against a local fake OpenAI server."""

from __future__ import annotations

import inspect
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mockloop.llm.errors import ERROR_TABLE, backoff_delay, retry_after, rule_for_class
from mockloop.llm.gateway import (
    CostMeter,
    Gateway,
    LLMError,
    LLMSettings,
    RetryNotice,
    configure_offline_environment,
    count_message_tokens,
    count_tokens,
    fit_to_budget,
    input_window,
    litellm_module,
    parse_json_object,
)
from mockloop.llm.tokens import DEFAULT_OUTPUT

from fake_openai import EMPTY_QUEUE, FakeOpenAI, serve

# litellm's own types trip pydantic deprecation warnings; they are not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning"),
]
SRC = Path(__file__).resolve().parents[1] / "src"
QUESTION = {"role": "user", "content": "Explain retrieval-augmented generation."}


class Decision(BaseModel):
    """A small schema like the interviewer's."""

    action: str
    message: str = ""


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A fake provider for one test."""
    yield from serve()


class Harness:
    """A gateway on the fake server that records its sleeps and retry notices."""

    def __init__(self, fake: FakeOpenAI, **overrides: Any) -> None:
        self.sleeps: list[float] = []
        self.notices: list[RetryNotice] = []
        meter = overrides.pop("meter", None)
        values: dict[str, Any] = {
            "model": "openai/fake-model",
            "api_base": fake.base_url,
            "api_key": "sk-test",
            "timeout_s": 5,
            **overrides,
        }
        self.settings = LLMSettings(**values)
        self.gateway = Gateway(
            self.settings, sleep=self.sleeps.append, rng=random.Random(1), meter=meter
        )

    def complete(self, *messages: dict[str, str], **kwargs: Any) -> Any:
        """complete() with the notices collected."""
        return self.gateway.complete(
            list(messages) or [QUESTION], on_retry=self.notices.append, **kwargs
        )


@pytest.fixture
def harness(fake: FakeOpenAI) -> Callable[..., Harness]:
    """Build a Harness on the test's fake server."""
    return lambda **overrides: Harness(fake, **overrides)


# -- calls -------------------------------------------------------------------------------------


def test_plain_completion_sends_the_messages_and_no_key(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply("RAG retrieves documents first.")
    answer = "<candidate_answer>It looks things up</candidate_answer>"
    result = harness().complete({"role": "user", "content": answer})
    assert result.text == "RAG retrieves documents first."
    assert result.finish_reason == "stop"
    body = fake.requests[0]
    assert body["messages"][-1]["content"] == answer
    assert body["temperature"] == 0 and body["seed"] == 7 and body["model"] == "fake-model"
    assert "sk-test" not in json.dumps(body)
    assert fake.headers[0]["authorization"] == "Bearer sk-test"


def test_streaming_deltas_arrive_in_order(fake: FakeOpenAI, harness: Any) -> None:
    text = "Retrieval-augmented generation grounds the answer in retrieved passages."
    fake.reply(text)
    deltas: list[str] = []
    result = harness().complete(on_delta=deltas.append)
    assert len(deltas) > 3 and "".join(deltas) == text == result.text
    assert fake.requests[0]["stream"] is True
    assert fake.requests[0]["stream_options"] == {"include_usage": True}
    assert result.usage.completion_tokens == len(text.split()) and not result.usage.estimated


def test_usage_is_recorded_per_call_and_per_session(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply("one two three", usage={"prompt_tokens": 11, "completion_tokens": 3})
    fake.reply("four five")
    h = harness()
    first = h.complete()
    h.complete(on_delta=lambda _: None)
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (11, 3)
    assert first.usage.cost_usd is None  # fake-model is not in litellm's cost map
    total = h.gateway.meter.total
    assert total.completion_tokens == 5 and len(h.gateway.meter.calls) == 2
    assert h.gateway.meter.unpriced_calls == 2 and total.cost_usd is None


@pytest.mark.parametrize("stream", [False, True])
def test_missing_usage_is_estimated_with_tiktoken(
    fake: FakeOpenAI, harness: Any, stream: bool
) -> None:
    fake.reply("hello world", send_usage=False)
    result = harness().complete(on_delta=(lambda _: None) if stream else None)
    # A stream without usage gets litellm's own tiktoken count, which cannot be told apart.
    assert result.usage.estimated is not stream
    assert result.usage.completion_tokens == count_tokens("hello world")
    assert result.usage.prompt_tokens == count_message_tokens([QUESTION])


def test_refusal_is_an_error_not_an_empty_reply(fake: FakeOpenAI, harness: Any) -> None:
    fake.refuse("I can't help with that.")
    with pytest.raises(LLMError) as caught:
        harness().complete()
    assert caught.value.kind == "refusal" and "I can't help with that." in str(caught.value)


# -- failures and retries ----------------------------------------------------------------------


def test_rate_limit_honours_retry_after_once(fake: FakeOpenAI, harness: Any) -> None:
    fake.rate_limit(retry_after=3).reply("ok")
    h = harness()
    assert h.complete().text == "ok"
    assert h.sleeps == [3.0]
    [notice] = h.notices
    assert (notice.attempt, notice.attempts, notice.kind) == (2, 5, "rate_limit")
    assert str(notice) == "The provider rate-limited the request; retrying in 3 s (2/5)"


def test_the_gateway_wide_retry_callback(fake: FakeOpenAI) -> None:
    fake.server_error().reply("ok")
    notices: list[RetryNotice] = []
    settings = LLMSettings(model="openai/fake-model", api_base=fake.base_url, api_key="sk-test")
    gateway = Gateway(settings, sleep=lambda _: None, on_retry=notices.append)
    assert gateway.complete([QUESTION]).text == "ok"
    assert [n.kind for n in notices] == ["server"] and not notices[0].restarted


def test_server_errors_exhaust_the_retries(fake: FakeOpenAI, harness: Any) -> None:
    fake.server_error(times=3)
    h = harness(max_retries=2)
    with pytest.raises(LLMError) as caught:
        h.complete()
    error = caught.value
    assert error.kind == "server" and error.retryable
    assert str(error).startswith("The provider had an internal error (HTTP 500: The server had")
    assert str(error).endswith("gave up after 3 attempts") and "\n" not in str(error)
    assert len(fake.requests) == 3 and [n.attempt for n in h.notices] == [2, 3]
    assert 0.5 <= h.sleeps[0] <= 1 and 1 <= h.sleeps[1] <= 2  # backoff with jitter


def test_a_hung_provider_times_out_with_a_human_message(fake: FakeOpenAI, harness: Any) -> None:
    fake.hang(30)
    litellm_module()  # imported before the clock starts: only the timeout is measured
    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        harness(timeout_s=1, max_retries=0).complete()
    assert time.monotonic() - started < 5
    assert caught.value.kind == "timeout"
    assert str(caught.value) == "The provider did not answer within 1 s"


def test_a_long_retry_after_is_not_waited_for(fake: FakeOpenAI, harness: Any) -> None:
    fake.rate_limit(retry_after=600)
    h = harness()
    with pytest.raises(LLMError, match="asks to wait 600 s: try again later"):
        h.complete()
    assert h.sleeps == [] and len(fake.requests) == 1


def test_a_rejected_key_is_not_retried(fake: FakeOpenAI, harness: Any) -> None:
    fake.fail(401, "Incorrect API key provided: sk-test.")
    h = harness()
    with pytest.raises(LLMError) as caught:
        h.complete()
    assert caught.value.kind == "auth" and not caught.value.retryable
    assert str(caught.value) == (
        "The API key for openai was rejected: check OPENAI_API_KEY or api_key in config.toml"
    )
    assert h.sleeps == []


def test_a_missing_key_says_how_to_set_it(
    fake: FakeOpenAI, harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    h = harness(api_key=None)
    with pytest.raises(LLMError) as caught:
        h.complete()
    assert (
        str(caught.value) == "No API key for openai: set OPENAI_API_KEY or api_key in config.toml"
    )
    assert h.sleeps == [] and fake.requests == []


def test_a_refused_connection_fails_at_once_naming_the_url(fake: FakeOpenAI) -> None:
    # Nothing listens on the port: waiting and asking again cannot help, so there is no retry.
    closed = f"http://127.0.0.1:{_closed_port()}/v1"
    h = Harness(fake, api_base=closed, max_retries=4)
    with pytest.raises(LLMError) as caught:
        h.complete()
    assert caught.value.kind == "connection" and not caught.value.retryable
    assert str(caught.value).startswith(
        f"Cannot reach the provider at {closed}: nothing answers there"
    )
    assert h.sleeps == []


def test_a_dropped_connection_is_retried(fake: FakeOpenAI) -> None:
    fake.disconnect().reply("back again")
    h = Harness(fake, max_retries=2)
    assert h.complete().text == "back again"
    assert len(h.sleeps) == 1 and len(fake.requests) == 2


def test_an_empty_script_fails_loudly(fake: FakeOpenAI, harness: Any) -> None:
    with pytest.raises(LLMError, match=EMPTY_QUEUE):
        harness(max_retries=0).complete()


def test_every_litellm_exception_maps_to_a_rule_through_its_hierarchy() -> None:
    exceptions = litellm_module().exceptions
    classes = [
        obj
        for obj in vars(exceptions).values()
        if inspect.isclass(obj) and issubclass(obj, Exception)
    ]
    assert len(classes) > 20
    # A class that a newer litellm adds falls back to its nearest known base, never to UNKNOWN.
    unmapped = [c.__name__ for c in classes if rule_for_class(c) is None]
    assert unmapped == []
    for cls in classes:
        if cls.__name__ in ERROR_TABLE:
            assert rule_for_class(cls) is ERROR_TABLE[cls.__name__], cls
    # Most specific first: a context-window error is not reported as a generic bad request.
    assert ERROR_TABLE["ContextWindowExceededError"].kind == "context_window"
    assert ERROR_TABLE["Timeout"].retryable
    assert rule_for_class(TimeoutError) is None  # builtins are not matched by name


def test_an_unknown_subclass_is_reported_as_its_nearest_known_base() -> None:
    exceptions = litellm_module().exceptions

    class BrandNewQuotaError(exceptions.RateLimitError):  # type: ignore[misc, name-defined]
        pass

    BrandNewQuotaError.__module__ = "litellm.exceptions"
    assert rule_for_class(BrandNewQuotaError) is ERROR_TABLE["RateLimitError"]


def test_retry_after_headers_and_backoff_bounds() -> None:
    class Failure(Exception):
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

    assert retry_after(Failure({"retry-after-ms": "1500"})) == 1.5
    assert retry_after(Failure({"retry-after": "2"})) == 2.0
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after(Failure({"retry-after": "Wed, 01 Jan 2025 12:00:07 GMT"}), now) == 7
    assert retry_after(Failure({"retry-after": "soon"})) is None
    assert retry_after(Failure({})) is None
    rng = random.Random(0)
    delays = [backoff_delay(i, rng) for i in range(8)]
    assert all(0.5 * min(30, 2**i) <= d <= min(30, 2**i) for i, d in enumerate(delays))


# -- structured output ---------------------------------------------------------------------------


def test_invalid_json_is_repaired_with_the_error_fed_back(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply_json({"action": 42})  # valid JSON, wrong type
    fake.reply_json({"action": "move_on"})
    decision, completion = harness().gateway.complete_json([QUESTION], Decision)
    assert decision == Decision(action="move_on") and completion.text.startswith("{")
    first, second = fake.requests
    assert first["response_format"] == {"type": "json_object"}  # fake-model has no schema support
    feedback = second["messages"][-1]
    assert feedback["role"] == "user"
    assert "action: Input should be a valid string" in feedback["content"]
    assert second["messages"][-2] == {"role": "assistant", "content": '{"action": 42}'}


def test_fenced_json_with_prose_is_parsed(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply('Here you go:\n```json\n{"action": "follow_up", "message": "Why {k}?"}\n```\nBye')
    decision, _ = harness().gateway.complete_json([QUESTION], Decision, temperature=0.7, seed=9)
    assert decision == Decision(action="follow_up", message="Why {k}?")
    assert (fake.requests[0]["temperature"], fake.requests[0]["seed"]) == (0.7, 9)


def test_truncated_json_three_times_is_bad_output(fake: FakeOpenAI, harness: Any) -> None:
    for _ in range(3):
        fake.reply_truncated_json({"action": "follow_up", "message": "x" * 40})
    with pytest.raises(LLMError) as caught:
        harness().gateway.complete_json([QUESTION], Decision, max_tokens=50)
    assert caught.value.kind == "bad_output" and len(fake.requests) == 3
    assert [r["max_tokens"] for r in fake.requests] == [50, 100, 200]  # room to finish
    assert "after 3 attempts: the reply was cut off at the token limit" in str(caught.value)


def test_plain_prose_is_retried(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply_invalid_json().reply('{"action": "move_on"}')
    decision, _ = harness().gateway.complete_json([QUESTION], Decision)
    assert decision.action == "move_on"
    assert "not valid JSON" in fake.requests[1]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1} trailing {"b": 2}', {"a": 1}),
        ('prose {"a": "}{"} more', {"a": "}{"}),
        ('```\n{"a": [1, {"b": 2}]}\n```', {"a": [1, {"b": 2}]}),
        ('{not json} then {"a": 1}', {"a": 1}),
    ],
)
def test_parse_json_object(text: str, expected: dict[str, Any]) -> None:
    assert parse_json_object(text) == expected


def test_parse_json_object_errors() -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        parse_json_object("no braces here")
    with pytest.raises(json.JSONDecodeError):
        parse_json_object('{"a": "unterminated')


# -- import, tokens, budget and cost -------------------------------------------------------------


def _run(code: str, env: dict[str, str] | None = None) -> str:
    environ = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_gateway_does_not_import_litellm() -> None:
    code = (
        "import sys, mockloop.llm.gateway; "
        "print('litellm' in sys.modules, 'tiktoken' in sys.modules)"
    )
    assert _run(code).split() == ["False", "False"]


def test_token_counts_work_offline_from_litellms_files(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    env["HTTPS_PROXY"] = env["HTTP_PROXY"] = "http://127.0.0.1:9"  # any download would fail
    code = (
        "import os, sys\nfrom mockloop.llm.gateway import count_tokens\n"
        "print(count_tokens('hello world'), count_tokens('hello world', 'openai/gpt-4o'))\n"
        "print(os.environ['TIKTOKEN_CACHE_DIR'])\nprint('litellm' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(SRC)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    counts, cache_dir, imported = done.stdout.splitlines()
    assert counts == "2 2" and imported == "False"
    assert Path(cache_dir).parts[-2:] == ("litellm_core_utils", "tokenizers")
    assert (Path(cache_dir) / "9b5ad71b2ce5302211f9c61530b329a4922fc6a4").is_file()  # cl100k


def test_offline_environment_keeps_the_users_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/somewhere/else")
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    configure_offline_environment()
    configure_offline_environment()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == "/somewhere/else"
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


def _conversation(turns: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "You are the interviewer."}]
    for index in range(turns):
        messages.append({"role": "assistant", "content": f"question {index} " + "word " * 50})
        messages.append({"role": "user", "content": f"answer {index} " + "word " * 50})
    return messages


def test_fit_to_budget_keeps_system_and_the_last_question() -> None:
    messages = _conversation(10)
    assert fit_to_budget(messages, "openai/fake-model", 100, window=10_000) == messages
    fitted = fit_to_budget(messages, "openai/fake-model", 100, window=500)
    assert fitted[0] == messages[0] and fitted[-1] == messages[-1]
    assert count_message_tokens(fitted) <= 400
    note = fitted[1]["content"]
    dropped = len(messages) - len(fitted) + 1
    assert note == f"[{dropped} earlier turns omitted to fit the context window]"
    assert fitted[2:] == messages[-(len(fitted) - 2) :]  # the newest turns survive, oldest go


def test_fit_to_budget_keeps_a_trailing_system_prompt_and_the_last_answer() -> None:
    messages = [*_conversation(6), {"role": "system", "content": "Decide: follow up or move on."}]
    fitted = fit_to_budget(messages, "openai/fake-model", 0, window=300)
    assert fitted[-1] == messages[-1] and fitted[-2] == messages[-2] and fitted[0] == messages[0]
    assert "omitted" in fitted[1]["content"]


def test_fit_to_budget_never_drops_what_must_stay() -> None:
    messages = [{"role": "system", "content": "x " * 400}, {"role": "user", "content": "y " * 400}]
    assert fit_to_budget(messages, "openai/fake-model", 0, window=100) == messages


def test_unknown_models_get_the_safe_window() -> None:
    assert input_window("openai/fake-model") == 8192
    assert input_window("gpt-4o-mini") > 8192  # from litellm's local model map


def test_cost_meter_prices_the_next_call() -> None:
    meter = CostMeter(max_cost=0.01, price=lambda model, p, c: (p + c) / 100_000)
    assert meter.check("m", 100, 100).would_exceed is False
    assert meter.check("m", 1000, None).estimate_usd == pytest.approx((1000 + DEFAULT_OUTPUT) / 1e5)
    unpriced = CostMeter(max_cost=0.01, price=lambda *_: None)
    check = unpriced.check("m", 10, 10)
    assert check.estimate_usd is None and not check.enforceable and not unpriced.cap_enforceable
    real = CostMeter(max_cost=1.0)
    assert real.check("gpt-4o-mini", 1000, 1000).estimate_usd == pytest.approx(0.00075)


def test_a_known_model_gets_a_json_schema_and_a_price(fake: FakeOpenAI, harness: Any) -> None:
    fake.reply_json({"action": "move_on"})
    h = harness(model="openai/gpt-4o-mini", meter=CostMeter(max_cost=1.0))
    decision, completion = h.gateway.complete_json([QUESTION], Decision)
    assert decision.action == "move_on"
    response_format = fake.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Decision"
    assert response_format["json_schema"]["schema"]["required"] == ["action"]
    assert completion.usage.cost_usd is not None and completion.usage.cost_usd > 0
    assert (
        h.gateway.meter.spent_usd == completion.usage.cost_usd and h.gateway.meter.cap_enforceable
    )


def test_the_cost_cap_stops_a_call_before_it_is_sent(fake: FakeOpenAI, harness: Any) -> None:
    meter = CostMeter(max_cost=0.001, price=lambda *_: 0.01)
    with pytest.raises(LLMError) as caught:
        harness(meter=meter).complete()
    assert caught.value.kind == "budget" and "cost cap of $0.00" in str(caught.value)
    assert fake.requests == []


def test_settings_never_show_the_key() -> None:
    settings = LLMSettings(model="openai/x", api_key="sk-secret")
    assert "sk-secret" not in repr(settings) and "sk-secret" not in settings.model_dump_json()


# -- record and replay ---------------------------------------------------------------------------


def test_record_then_replay_without_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = tmp_path / "session.jsonl"
    monkeypatch.setenv("MOCKLOOP_RECORD", str(recording))
    with FakeOpenAI() as fake:
        fake.reply("Tell me about chunking.").reply_json({"action": "move_on"})
        h = Harness(fake)
        spoken = h.complete().text
        decision, _ = h.gateway.complete_json([QUESTION], Decision)
    text = recording.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 2 and "sk-test" not in text and "api_base" not in text

    monkeypatch.delenv("MOCKLOOP_RECORD")
    monkeypatch.setenv("MOCKLOOP_REPLAY", str(recording))
    replay = Gateway(LLMSettings(model="openai/fake-model"))  # no server, no key
    deltas: list[str] = []
    again = replay.complete([QUESTION], on_delta=deltas.append)
    assert again.text == spoken == "".join(deltas) and again.replayed
    assert replay.complete_json([QUESTION], Decision)[0] == decision
    with pytest.raises(LLMError, match="is not in the recording") as caught:
        replay.complete([{"role": "user", "content": "something else"}])
    assert caught.value.kind == "replay"


def test_replay_never_imports_litellm(tmp_path: Path) -> None:
    from mockloop.llm.replay import Recorder

    recording = tmp_path / "r.jsonl"
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "cost_usd": None, "estimated": False}
    reply = {"text": "Hello.", "usage": usage, "finish_reason": "stop"}
    Recorder(recording).write("openai/m", [QUESTION], {}, reply)
    code = (
        "import sys\nfrom mockloop.llm.gateway import Gateway, LLMSettings\n"
        f"g = Gateway(LLMSettings(model='openai/m'))\nprint(g.complete([{QUESTION!r}]).text)\n"
        "print('litellm' in sys.modules)"
    )
    assert _run(code, {"MOCKLOOP_REPLAY": str(recording)}).split() == ["Hello.", "False"]


# -- the fake server itself ----------------------------------------------------------------------


def test_fake_lists_its_model(fake: FakeOpenAI) -> None:
    with urllib.request.urlopen(f"{fake.base_url}/models", timeout=5) as response:
        assert json.load(response)["data"][0]["id"] == "fake-model"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
