"""Settings precedence: flags over environment over the config file; bad values are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockloop.config import ConfigError, load_settings


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("MOCKLOOP_CONFIG", str(path))
    return path


def test_offline_by_default(config_file: Path) -> None:
    settings = load_settings()
    assert settings.model is None and settings.effective_judge_model is None


def test_flags_beat_environment_beat_file(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('model = "openai/from-file"\njudge_model = "openai/judge-file"\n')
    assert load_settings().model == "openai/from-file"
    monkeypatch.setenv("MOCKLOOP_MODEL", "openai/from-env")
    assert load_settings().model == "openai/from-env"
    settings = load_settings(model="openai/from-flag")
    assert settings.model == "openai/from-flag"
    assert settings.effective_judge_model == "openai/judge-file"


def test_judge_defaults_to_interviewer_model(config_file: Path) -> None:
    assert load_settings(model="ollama/llama3").effective_judge_model == "ollama/llama3"


def test_api_key_is_not_shown_in_repr(config_file: Path) -> None:
    assert "sk-secret" not in repr(load_settings(api_key="sk-secret"))


def test_bad_values_name_their_origin(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('modle = "x"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: modle: is not a known setting"):
        load_settings()
    config_file.write_text("")
    monkeypatch.setenv("MOCKLOOP_MAX_COST", "lots")
    with pytest.raises(ConfigError, match="MOCKLOOP_MAX_COST: max_cost: must be a number"):
        load_settings()
    monkeypatch.delenv("MOCKLOOP_MAX_COST")
    config_file.write_text("model = [1")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_settings()
