"""Structured output: the request forms a provider accepts for JSON, strictest first, and the
error a caller gets when a model never produced a valid object."""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel

from mockloop.llm.errors import LLMError
from mockloop.llm.tokens import litellm_module

OLLAMA_PREFIXES = ("ollama/", "ollama_chat/")
# Errors that mean "the server did not accept this request shape": try a simpler form.
REJECTED_FORM_KINDS = frozenset({"bad_request", "server", "provider", "unknown"})


class BadOutput(LLMError):
    """The model never produced a valid object; `payload` is the last JSON object it did send
    (valid JSON that failed the schema), so a caller can keep what is usable."""

    def __init__(self, message: str, payload: dict[str, Any] | None) -> None:
        super().__init__(message, "bad_output")
        self.payload = payload


@functools.cache
def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema, built once per type (pydantic takes ~2 ms to build one)."""
    return schema.model_json_schema()


def json_forms(model: str, schema: type[BaseModel]) -> list[tuple[str, dict[str, Any]]]:
    """(name, request parameters) of each structured-output form for `model`, strictest first.

    The schema is in the prompt in every form; the last form adds nothing to the request.
    """
    forms: list[tuple[str, dict[str, Any]]] = []
    if model.startswith(OLLAMA_PREFIXES):
        # litellm passes `format` through to Ollama, which constrains decoding to the schema.
        forms.append(("ollama_format", {"format": json_schema_of(schema)}))
    elif supports_schema(model):
        name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64]
        spec = {"name": name, "schema": json_schema_of(schema), "strict": False}
        forms.append(
            ("json_schema", {"response_format": {"type": "json_schema", "json_schema": spec}})
        )
    forms.append(("json_object", {"response_format": {"type": "json_object"}}))
    forms.append(("prompt_only", {}))
    return forms


@functools.cache
def supports_schema(model: str) -> bool:
    """Whether litellm knows `model` to accept a json_schema response_format (asked once)."""
    try:
        return bool(litellm_module().supports_response_schema(model=model))
    except Exception:  # unknown model: no native schema support
        return False
