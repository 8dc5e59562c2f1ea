"""Settings from flags, then MOCKLOOP_* environment variables, then the config file.

This module owns every configuration source: no other module reads a MOCKLOOP_* variable or the
config file. Code that runs without a command's settings in hand (the data folder, the similarity
backend, record/replay) asks `current()`, which is the same merge without flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from mockloop.errors import MockloopError
from mockloop.routerconfig import RouterConfig, RouterConfigError, parse_router

# Keys the config file may hold, with the environment variable that overrides each.
ENV_NAMES: dict[str, str] = {
    "model": "MOCKLOOP_MODEL",
    "judge_model": "MOCKLOOP_JUDGE_MODEL",
    "api_base": "MOCKLOOP_API_BASE",
    "api_key": "MOCKLOOP_API_KEY",
    "api_version": "MOCKLOOP_API_VERSION",
    "max_cost": "MOCKLOOP_MAX_COST",
    "timeout_s": "MOCKLOOP_TIMEOUT",
    "context_tokens": "MOCKLOOP_CONTEXT_TOKENS",
    "home": "MOCKLOOP_HOME",
    "similarity": "MOCKLOOP_SIMILARITY",
    "record": "MOCKLOOP_RECORD",
    "replay": "MOCKLOOP_REPLAY",
    "debug": "MOCKLOOP_DEBUG",
    "require_sandbox": "MOCKLOOP_REQUIRE_SANDBOX",
}
SIMILARITY_BACKENDS = ("auto", "wordllama", "lexical")


OFFLINE = "offline"  # a model value that asks for the offline engine explicitly


class ConfigError(MockloopError, ValueError):
    """The config file or a MOCKLOOP_* variable holds a bad value."""


@dataclass(frozen=True)
class Settings:
    """What a command runs with; unset model means the offline engine."""

    model: str | None = None
    judge_model: str | None = None  # defaults to `model`
    api_base: str | None = None
    api_key: str | None = None
    api_version: str | None = None  # Azure OpenAI's api-version, e.g. 2024-10-21
    max_cost: float | None = None
    timeout_s: float = 60.0
    context_tokens: int | None = None  # input tokens per call; None: the model's own window
    home: Path | None = None  # mockloop's data folder; None: the platform's user data dir
    similarity: str = "auto"  # the offline scorer's backend: auto (WordLlama), or lexical
    record: Path | None = None  # record every model call to this JSONL file
    replay: Path | None = None  # serve model calls from this recording, never the network
    debug: bool = False  # tracebacks and litellm's own logging
    require_sandbox: bool = False  # refuse to run candidate code without an OS sandbox
    router: RouterConfig | None = None  # config.toml's [router]: deployments litellm spreads over

    @property
    def interviewer_model(self) -> str | None:
        """The interviewer's model; None (or "offline") means the scripted interviewer."""
        return None if self.model == OFFLINE else self.model

    @property
    def effective_judge_model(self) -> str | None:
        """The judge's model: its own, else the interviewer's; None means key-point scoring."""
        chosen = self.judge_model or self.model
        return None if chosen == OFFLINE else chosen

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        if shown["api_key"]:
            shown["api_key"] = "***"
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def config_path() -> Path:
    """The config file: MOCKLOOP_CONFIG, else config.toml in the platform's config dir."""
    override = os.environ.get("MOCKLOOP_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("mockloop")) / "config.toml"


def _coerce(name: str, value: Any, origin: str) -> Any:
    if name == "debug":
        return str(value).strip().lower() not in ("", "0", "false", "no")
    if name in ("home", "record", "replay"):
        if not isinstance(value, str | Path) or not str(value).strip():
            raise ConfigError(f"{origin}: {name}: must be a path")
        return Path(str(value).strip()).expanduser()
    if name == "similarity":
        if value not in SIMILARITY_BACKENDS:
            expected = ", ".join(SIMILARITY_BACKENDS)
            raise ConfigError(f"{origin}: {name}: must be one of {expected}, got {value!r}")
        return value
    if name == "require_sandbox":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "0", "false", "no"):
            return text in ("1", "true", "yes")
        raise ConfigError(f"{origin}: {name}: must be true or false, got {value!r}")
    if name == "context_tokens":
        try:
            count = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: {name}: must be a whole number, got {value!r}") from None
        if count < 256:
            raise ConfigError(f"{origin}: {name}: must be at least 256, got {value!r}")
        return count
    if name in ("max_cost", "timeout_s"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: {name}: must be a number, got {value!r}") from None
        if number <= 0:
            raise ConfigError(f"{origin}: {name}: must be positive, got {value!r}")
        return number
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{origin}: {name}: must be a non-empty string")
    return value.strip()


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    import tomllib  # only when there is a file: most runs have none, and start-up counts

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from exc
    router = data.pop("router", None)
    unknown = sorted(set(data) - set(ENV_NAMES))
    if unknown:
        expected = ", ".join([*ENV_NAMES, "router"])
        raise ConfigError(f"{path}: {unknown[0]}: is not a known setting (expected {expected})")
    values = {k: _coerce(k, v, str(path)) for k, v in data.items()}
    if router is not None:
        try:
            values["router"] = parse_router(router, str(path))
        except RouterConfigError as exc:
            raise ConfigError(str(exc)) from None
    return values


def load_settings(**flags: Any) -> Settings:
    """Merge settings: flags win over environment, which wins over the config file."""
    values = _from_file(config_path())
    for name, env in ENV_NAMES.items():
        raw = os.environ.get(env)
        if raw:
            values[name] = _coerce(name, raw, env)
    for name, value in flags.items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return replace(Settings(), **values)


_CURRENT: dict[tuple[object, ...], Settings] = {}


def current() -> Settings:
    """Settings without flags (environment, then config file), read again when either changes."""
    path = config_path()
    try:
        stamp: object = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (str(path), stamp, *(os.environ.get(env) for env in ENV_NAMES.values()))
    if key not in _CURRENT:
        _CURRENT.clear()
        _CURRENT[key] = load_settings()
    return _CURRENT[key]
