"""The `[router]` table of config.toml: deployments and keys litellm's Router spreads calls over.

Parsed and validated here (config.py calls `parse_router`), one line per mistake, so a typo in a
deployment fails when the command starts rather than on the first model call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mockloop.errors import MockloopError

STRATEGIES = ("simple-shuffle", "least-busy", "usage-based-routing-v2", "latency-based-routing")
DEPLOYMENT_KEYS = ("name", "model", "api_base", "api_key_env", "api_version", "rpm", "tpm")
ROUTER_KEYS = ("deployments", "num_retries", "cooldown_s", "allowed_fails", "fallbacks", "strategy")


class RouterConfigError(MockloopError, ValueError):
    """A bad `[router]` table."""


@dataclass(frozen=True)
class Deployment:
    """One deployment of a model name: a provider model, where it lives and its limits."""

    name: str  # what mockloop asks for (MOCKLOOP_MODEL, --judge-model)
    model: str  # the litellm model it is served by, e.g. azure/gpt-4o-eu
    api_base: str | None = None
    api_key: str | None = None  # read from the variable named by api_key_env
    api_version: str | None = None  # Azure OpenAI's api-version for this deployment
    rpm: int | None = None
    tpm: int | None = None

    def __repr__(self) -> str:
        shown = "***" if self.api_key else None
        return f"Deployment(name={self.name!r}, model={self.model!r}, api_key={shown})"


@dataclass(frozen=True)
class RouterConfig:
    """litellm Router settings: deployments, retries, cooldowns, fallbacks, strategy."""

    deployments: tuple[Deployment, ...]
    num_retries: int = 2
    cooldown_s: float = 30.0
    allowed_fails: int = 1
    fallbacks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    strategy: str = "simple-shuffle"

    @property
    def names(self) -> frozenset[str]:
        """The model names the router serves."""
        return frozenset(d.name for d in self.deployments)


def parse_router(data: Any, origin: str) -> RouterConfig:
    """Validate a `[router]` table; every error is one line naming the field."""
    where = f"{origin}: router"
    if not isinstance(data, dict):
        raise RouterConfigError(f"{where}: must be a table")
    _no_unknown(data, ROUTER_KEYS, where)
    raw = data.get("deployments")
    if not isinstance(raw, list) or not raw:
        raise RouterConfigError(f"{where}.deployments: must be a non-empty [[router.deployments]]")
    deployments = tuple(_deployment(d, f"{where}.deployments[{i}]") for i, d in enumerate(raw))
    names = {d.name for d in deployments}
    fallbacks = _fallbacks(data.get("fallbacks", {}), names, f"{where}.fallbacks")
    strategy = data.get("strategy", "simple-shuffle")
    if strategy not in STRATEGIES:
        raise RouterConfigError(f"{where}.strategy: must be one of {', '.join(STRATEGIES)}")
    return RouterConfig(
        deployments=deployments,
        num_retries=_number(data, "num_retries", 2, where, int),
        cooldown_s=_number(data, "cooldown_s", 30.0, where, float),
        allowed_fails=_number(data, "allowed_fails", 1, where, int),
        fallbacks=fallbacks,
        strategy=strategy,
    )


def _deployment(data: Any, where: str) -> Deployment:
    if not isinstance(data, dict):
        raise RouterConfigError(f"{where}: must be a table")
    _no_unknown(data, DEPLOYMENT_KEYS, where)
    for field in ("name", "model"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise RouterConfigError(f"{where}.{field}: must be a non-empty string")
    key: str | None = None
    if (variable := data.get("api_key_env")) is not None:
        key = os.environ.get(str(variable))
        if not key:
            raise RouterConfigError(f"{where}.api_key_env: the variable {variable} is not set")
    version = data.get("api_version")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise RouterConfigError(f'{where}.api_version: must be a string such as "2024-10-21"')
    return Deployment(
        name=data["name"].strip(),
        model=data["model"].strip(),
        api_base=data.get("api_base"),
        api_key=key,
        api_version=version.strip() if version else None,
        rpm=_number(data, "rpm", None, where, int),
        tpm=_number(data, "tpm", None, where, int),
    )


def _fallbacks(data: Any, names: set[str], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(data, dict):
        raise RouterConfigError(f'{where}: must be a table such as {{ primary = ["backup"] }}')
    found = []
    for name, targets in data.items():
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise RouterConfigError(f"{where}.{name}: must be a list of deployment names")
        unknown = [t for t in [name, *targets] if t not in names]
        if unknown:
            raise RouterConfigError(f"{where}.{name}: {unknown[0]!r} is no deployment's name")
        found.append((name, tuple(targets)))
    return tuple(found)


def _number(data: dict[str, Any], key: str, default: Any, where: str, kind: type) -> Any:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RouterConfigError(f"{where}.{key}: must be a non-negative number, got {value!r}")
    return kind(value)


def _no_unknown(data: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise RouterConfigError(
            f"{where}: {unknown[0]}: is not a known key (expected {', '.join(known)})"
        )
