"""Azure OpenAI's api-version: from config.toml, a [router] deployment, and under --batch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from test_batch_api import said, sessions, verdict_for

from fake_openai import FakeOpenAI

runner = CliRunner()
VERSION = "2024-10-21"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("AZURE_API_KEY", "azure-test-not-a-real-key")
    with FakeOpenAI() as server:
        server.always(verdict_for)
        server.batches.batch_polls = 0
        yield server


def root(fake: FakeOpenAI) -> str:
    """An Azure resource's endpoint: the server's root, not its /v1."""
    return f"http://127.0.0.1:{fake.port}"


def config(tmp_path: Path, text: str) -> None:
    """Write the config.toml the suite points MOCKLOOP_CONFIG at."""
    (tmp_path / "no-config.toml").write_text(text)


def model_paths(fake: FakeOpenAI) -> list[str]:
    """Every request except the preflight's look at /models."""
    return [p for p in fake.paths if not p.rstrip("/").endswith("/models")]


def test_config_api_version_reaches_azure_live_calls(tmp_path: Path, fake: FakeOpenAI) -> None:
    paths = sessions(tmp_path / "b", 1)
    config(tmp_path, f'api_version = "{VERSION}"\n')
    result = runner.invoke(
        app, ["score", str(paths[0]), "--judge-model", "azure/judge-eu", "--api-base",
              root(fake)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sent = model_paths(fake)
    assert sent and all(
        p == f"/openai/deployments/judge-eu/chat/completions?api-version={VERSION}" for p in sent
    ), sent


def test_a_router_deployment_carries_its_own_api_version(tmp_path: Path, fake: FakeOpenAI) -> None:
    paths = sessions(tmp_path / "b", 1)
    config(
        tmp_path,
        f'[[router.deployments]]\nname = "judge"\nmodel = "azure/judge-eu"\n'
        f'api_base = "{root(fake)}"\napi_key_env = "AZURE_API_KEY"\n'
        f'api_version = "{VERSION}"\n',
    )
    result = runner.invoke(app, ["score", str(paths[0]), "--judge-model", "judge"])
    assert result.exit_code == 0, result.output
    sent = model_paths(fake)
    assert sent and all(p.endswith(f"chat/completions?api-version={VERSION}") for p in sent), sent


def test_a_bad_router_api_version_is_one_line(tmp_path: Path) -> None:
    config(
        tmp_path,
        '[[router.deployments]]\nname = "judge"\nmodel = "azure/x"\napi_version = 2024\n',
    )
    result = runner.invoke(app, ["score", "--all", "--judge-model", "judge"])
    assert result.exit_code == 2
    assert "router.deployments[0].api_version: must be a string" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_batch_sends_api_version_on_every_files_and_batches_request(
    tmp_path: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions(tmp_path / "b", 2)
    monkeypatch.setenv("MOCKLOOP_API_VERSION", VERSION)
    args = ["score", str(tmp_path / "b"), "--batch", "--wait", "--judge-model",
            "azure/batch-eu", "--api-base", root(fake)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Scored 2" in said(result)
    sent = model_paths(fake)
    kinds = {p.split("?")[0].split("/")[2] for p in sent}
    assert kinds == {"files", "batches"}, sent
    assert all(p.startswith("/openai/") and f"api-version={VERSION}" in p for p in sent), sent
    line = fake.batches.files[next(iter(fake.batches.files))][1].splitlines()[0]
    assert b'"model":"batch-eu"' in line  # the deployment, as Azure names it inside a line
