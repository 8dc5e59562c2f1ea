"""litellm's lazy, offline-safe import, and what is counted in tokens or dollars.

Token counts use tiktoken with the encodings litellm ships, so they work without a network; the
context window and prices come from litellm's local model map.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from mockloop.llm.errors import debug_enabled
from mockloop.models import Usage as Usage  # re-exported: the gateway's callers meet it here
from mockloop.ports import Messages

DEFAULT_WINDOW = 8192  # input tokens assumed when litellm does not know the model
DEFAULT_OUTPUT = 1024  # output tokens reserved (and priced) when max_tokens is not set
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4")


# -- environment and lazy import --------------------------------------------------------------


def _tokenizer_dir() -> Path | None:
    # find_spec of a top-level package locates it without executing its __init__.
    spec = importlib.util.find_spec("litellm")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "litellm_core_utils" / "tokenizers"
        if folder.is_dir():
            return folder
    return None


def configure_offline_environment() -> None:
    """Keep litellm and tiktoken off the network: local cost map, bundled tokenizer files."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if "TIKTOKEN_CACHE_DIR" not in os.environ and (folder := _tokenizer_dir()):
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)


@functools.cache
def litellm_module() -> ModuleType:
    """litellm, imported once, quiet, dropping parameters a provider does not accept."""
    configure_offline_environment()
    chosen = os.environ.get("TIKTOKEN_CACHE_DIR")
    import litellm

    if chosen is not None and not os.environ.get("CUSTOM_TIKTOKEN_CACHE_DIR"):
        os.environ["TIKTOKEN_CACHE_DIR"] = chosen  # litellm overwrites it on import
    litellm.suppress_debug_info = True
    litellm.drop_params = True
    litellm.telemetry = False
    if not debug_enabled():
        # litellm's types trip pydantic warnings on first use; they are not the user's concern.
        warnings.filterwarnings("ignore", message=".*`ReadOnly` qualifier", category=UserWarning)
        # Failures reach the user once, as an LLMError; litellm's own log lines would garble
        # the interview on the terminal.
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    return litellm


# -- tokens and the context budget ------------------------------------------------------------


@functools.cache
def _encoding(name: str) -> Any:
    configure_offline_environment()
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except Exception:  # no tokenizer files and no network: counts fall back to an estimate
        return None


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens in `text` by tiktoken: o200k_base for gpt-4o and o-series models, else cl100k_base."""
    short = (model or "").rsplit("/", 1)[-1].lower()
    return _count("o200k_base" if short.startswith(_O200K_PREFIXES) else "cl100k_base", text)


@functools.lru_cache(maxsize=64)
def _count(encoding_name: str, text: str) -> int:
    # The same system prompts (the judge's, the JSON instruction) go with every call: encoding
    # them once saves most of the tokenising a scored transcript needs.
    encoding = _encoding(encoding_name)
    if encoding is None:
        return len(text) // 4 + 1  # about four characters a token in English
    return len(encoding.encode(text, disallowed_special=()))


def _message_tokens(message: Mapping[str, Any], model: str | None) -> int:
    content = message.get("content") or ""
    text = content if isinstance(content, str) else json.dumps(content)
    return count_tokens(text, model) + 4  # role and separators, as OpenAI's cookbook counts


def _max_tokens(message: Mapping[str, Any]) -> int:
    content = message.get("content") or ""
    text = content if isinstance(content, str) else json.dumps(content)
    return len(text.encode("utf-8", "replace")) + 4


def count_message_tokens(messages: Sequence[Mapping[str, Any]], model: str | None = None) -> int:
    """Tokens a chat prompt takes, including the per-message overhead."""
    return sum(_message_tokens(m, model) for m in messages) + 3


@functools.cache
def input_window(model: str) -> int:
    """The model's input window from litellm's model info, else DEFAULT_WINDOW."""
    try:
        info = litellm_module().get_model_info(model)
        value = info.get("max_input_tokens") or info.get("max_tokens")
    except Exception:  # litellm raises several types for unknown models; all mean "unknown"
        return DEFAULT_WINDOW
    return int(value) if value else DEFAULT_WINDOW


def _omission_note(count: int) -> dict[str, Any]:
    return {
        "role": "system",
        "content": f"[{count} earlier turns omitted to fit the context window]",
    }


def fit_to_budget(
    messages: Sequence[Mapping[str, Any]],
    model: str,
    reserve_output: int,
    *,
    window: int | None = None,
) -> Messages:
    """Drop the oldest turns until the prompt fits; system messages and the last user message stay.

    If even those do not fit, they are sent as they are: the provider's context-window error then
    says so, which beats cutting the current question.
    """
    result = [dict(m) for m in messages]
    budget = (window or input_window(model)) - reserve_output
    # A token is at least one byte: a prompt whose bytes fit needs no tokenising at all.
    if sum(_max_tokens(m) for m in result) + 3 <= budget:
        return result
    costs = [_message_tokens(m, model) for m in result]
    if sum(costs) + 3 <= budget:
        return result
    users = [i for i, m in enumerate(result) if m.get("role") == "user"]
    keep = {i for i, m in enumerate(result) if m.get("role") == "system"} | set(users[-1:])
    total = sum(costs) + 3
    dropped: set[int] = set()
    for index in (i for i in range(len(result)) if i not in keep):
        dropped.add(index)
        total -= costs[index]
        if total + _message_tokens(_omission_note(len(dropped)), model) <= budget:
            break
    first = min(dropped, default=len(result))
    kept = [m for i, m in enumerate(result) if i not in dropped]
    if dropped:
        kept.insert(sum(1 for i in range(first) if i not in dropped), _omission_note(len(dropped)))
    return kept


# -- usage and cost ---------------------------------------------------------------------------


_UNPRICED: set[str] = set()  # models litellm's cost map does not know


def litellm_price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Dollar cost from litellm's cost map; None when the model is not in it."""
    if model in _UNPRICED:
        return None  # litellm's failed lookup costs milliseconds a call, every call
    try:
        prompt_cost, completion_cost = litellm_module().cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # unknown model (ModelNotMappedError and others): the cost is unknown
        _UNPRICED.add(model)
        return None
    return float(prompt_cost) + float(completion_cost)


@dataclass(frozen=True)
class CostCheck:
    """A conservative price of the next call and whether it would break the cap."""

    estimate_usd: float | None
    would_exceed: bool
    enforceable: bool  # False when the model has no price: the cap cannot be enforced


class CostMeter:
    """Accumulates usage over a session and prices the next call against `max_cost`."""

    def __init__(
        self,
        max_cost: float | None = None,
        *,
        price: Callable[[str, int, int], float | None] = litellm_price,
    ) -> None:
        self.max_cost = max_cost
        self.price = price
        self.calls: list[Usage] = []
        self.cap_enforceable = True  # set False once a check meets an unpriced model

    def add(self, usage: Usage) -> None:
        """Count one call."""
        self.calls.append(usage)

    @property
    def spent_usd(self) -> float:
        """Dollars spent on calls whose price is known."""
        return sum(u.cost_usd for u in self.calls if u.cost_usd is not None)

    @property
    def unpriced_calls(self) -> int:
        """Calls whose cost is unknown (model not in litellm's cost map)."""
        return sum(1 for u in self.calls if u.cost_usd is None)

    @property
    def total(self) -> Usage:
        """The session's usage; cost_usd is None if any call could not be priced."""
        return Usage(
            prompt_tokens=sum(u.prompt_tokens for u in self.calls),
            completion_tokens=sum(u.completion_tokens for u in self.calls),
            cost_usd=None if self.unpriced_calls else self.spent_usd,
            estimated=any(u.estimated for u in self.calls),
        )

    def check(self, model: str, prompt_tokens: int, max_tokens: int | None) -> CostCheck:
        """Would a call with this prompt, producing up to max_tokens, exceed the cap?"""
        estimate = self.price(model, prompt_tokens, max_tokens or DEFAULT_OUTPUT)
        if estimate is None:
            if self.max_cost is not None:
                self.cap_enforceable = False
            return CostCheck(None, False, self.max_cost is None)
        exceed = self.max_cost is not None and self.spent_usd + estimate > self.max_cost
        return CostCheck(estimate, exceed, True)
