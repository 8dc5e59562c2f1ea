"""A `[router]` in config.toml: live judge calls go through litellm's Router, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.config import ConfigError, load_settings
from mockloop.store import read_session
from test_batch_api import sessions, verdict_for

from fake_openai import FakeOpenAI

runner = CliRunner()


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("MOCKLOOP_CONFIG", str(path))


def test_a_deployment_returning_429s_falls_back_to_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEY_A", "sk-test-a")
    monkeypatch.setenv("KEY_B", "sk-test-b")
    with FakeOpenAI() as limited, FakeOpenAI() as healthy:
        for _ in range(40):
            limited.rate_limit(retry_after=None)
        healthy.always(verdict_for)
        write_config(
            tmp_path,
            monkeypatch,
            f"""
[router]
num_retries = 0
cooldown_s = 60
allowed_fails = 0
fallbacks = {{ primary = ["backup"] }}

[[router.deployments]]
name = "primary"
model = "openai/fake-model"
api_base = "{limited.base_url}"
api_key_env = "KEY_A"
rpm = 600

[[router.deployments]]
name = "backup"
model = "openai/fake-model"
api_base = "{healthy.base_url}"
api_key_env = "KEY_B"
""",
        )
        paths = sessions(tmp_path / "b", 3)
        result = runner.invoke(
            app, ["score", str(tmp_path / "b"), "--judge-model", "primary", "-j", "3", "--json"]
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)) == 3
        assert limited.requests, "the 429 deployment was never tried"
        assert len(healthy.requests) == 3  # every verdict came from the healthy deployment
        assert {h["authorization"] for h in healthy.headers} == {"Bearer sk-test-b"}
    for path in paths:
        assert read_session(path).scorecards[-1].judge.model == "primary"


def test_a_bad_router_table_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        tmp_path,
        monkeypatch,
        '[router]\nfallbacks = { a = ["b"] }\n[[router.deployments]]\nname = "a"\nmodel = "x/y"\n',
    )
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).endswith("config.toml: router.fallbacks.a: 'b' is no deployment's name")
    write_config(tmp_path, monkeypatch, '[[router.deployments]]\nname = "a"\nrpm = "many"\n')
    result = runner.invoke(app, ["score", "--all", "--judge-model", "a"])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("router.deployments[0].model: must be a non-empty string")
    assert len(result.stderr.strip().splitlines()) == 1
