"""litellm's Router for live calls: several deployments or keys behind one model name.

A Router is built once per configuration and shared by every gateway in the process, so its
rate-limit counters, cooldowns and health are the process's, not one call's.
"""

from __future__ import annotations

import threading
from typing import Any

from mockloop.llm.tokens import configure_offline_environment, litellm_module
from mockloop.routerconfig import RouterConfig

_ROUTERS: dict[RouterConfig, Any] = {}
_LOCK = threading.Lock()
# Arguments a deployment supplies itself; passed per call they would override the router's choice.
DEPLOYMENT_OWNED = ("api_base", "api_key", "api_version", "num_retries", "max_retries")


def model_list(config: RouterConfig) -> list[dict[str, Any]]:
    """The Router's model_list: one entry per deployment, with its limits."""
    entries = []
    for deployment in config.deployments:
        params: dict[str, Any] = {"model": deployment.model}
        for key in ("api_base", "api_key", "api_version", "rpm", "tpm"):
            if (value := getattr(deployment, key)) is not None:
                params[key] = value
        entries.append({"model_name": deployment.name, "litellm_params": params})
    return entries


def router_for(config: RouterConfig | None, model: str) -> Any | None:
    """The shared Router serving `model`, or None when no deployment is named so."""
    if config is None or model not in config.names:
        return None
    with _LOCK:
        if config not in _ROUTERS:
            configure_offline_environment()
            _ROUTERS[config] = litellm_module().Router(
                model_list=model_list(config),
                num_retries=config.num_retries,
                cooldown_time=config.cooldown_s,
                allowed_fails=config.allowed_fails,
                fallbacks=[{name: list(targets)} for name, targets in config.fallbacks],
                routing_strategy=config.strategy,
            )
        return _ROUTERS[config]


def routed_call(config: RouterConfig | None, model: str, kwargs: dict[str, Any]) -> Any:
    """`litellm.completion(**kwargs)`, through the Router when one serves `model`."""
    router = router_for(config, model)
    if router is None:
        return litellm_module().completion(**kwargs)
    own = {k: v for k, v in kwargs.items() if k not in DEPLOYMENT_OWNED}
    return router.completion(**own)
