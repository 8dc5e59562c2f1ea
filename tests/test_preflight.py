"""A model that cannot work fails before the first question: one line, exit 2, in seconds."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.llm.preflight import PreflightError, check_model

from fake_openai import FakeOpenAI, serve

runner = CliRunner()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    yield from serve()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def invoke(args: list[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    result = runner.invoke(app, args, input="")
    return result.exit_code, result.output, time.monotonic() - started


def test_a_missing_key_fails_at_once_naming_the_variable_and_the_offline_way(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    status, output, took = invoke(["interview", "-r", "fundamentals", "-m", "openai/gpt-4o-mini"])
    assert status == 2, output
    line = output.strip()
    assert "\n" not in line, output
    assert "OPENAI_API_KEY" in line and "--model offline" in line, output
    assert took < 3.0, took
    assert not (isolated_home / "sessions").exists() or not any(
        (isolated_home / "sessions").iterdir()
    )  # no session was started


def test_a_local_server_that_refuses_fails_without_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    args = ["interview", "-r", "fundamentals", "-m", "ollama/llama3", "--api-base", url]
    status, output, took = invoke(args)
    assert status == 2, output
    assert url in output and "refused" in output and "--model offline" in output, output
    assert "retry" not in output.lower(), output
    assert took < 3.0, took


def test_the_judge_model_is_checked_before_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert (
        runner.invoke(app, ["interview", "-r", "fundamentals", "-n", "1"], input="").exit_code == 0
    )
    args = ["score", "--all", "--judge-model", "anthropic/claude-3-5-haiku-latest"]
    status, output, _ = invoke(args)
    assert status == 2, output
    assert "ANTHROPIC_API_KEY" in output and "--judge-model offline" in output, output


def test_a_server_that_answers_and_a_key_pass(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No exception: the fake answers (even a 404 on /models is an answer) and the key is set.
    key = {"OPENAI_API_KEY": "sk-test"}
    check_model("openai/fake-model", flag="--model", api_base=fake.base_url, environ=key)
    check_model("ollama/llama3", flag="--model", api_base=fake.base_url, environ={})
    with pytest.raises(PreflightError, match="OPENAI_API_KEY"):
        check_model("openai/fake-model", flag="--model", environ={})
    check_model("openai/fake-model", flag="--model", environ=key)
    check_model("bedrock/some-model", flag="--model", environ={})  # not checkable: let it try
