"""Redact API keys and other secrets from anything mockloop exports."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"

# Well-known credential shapes. Each is specific enough not to eat ordinary prose or code.
_PATTERNS = [
    r"sk-(?:proj-|ant-|or-v1-)?[A-Za-z0-9_\-]{16,}",  # OpenAI, Anthropic, OpenRouter
    r"\bAKIA[0-9A-Z]{16}\b",  # AWS access key id
    r"\bASIA[0-9A-Z]{16}\b",  # AWS temporary access key id
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{40,}\b",
    r"\bxox[abprs]-[A-Za-z0-9\-]{10,}\b",  # Slack
    r"\bAIza[0-9A-Za-z_\-]{35}\b",  # Google API key
    r"\bhf_[A-Za-z0-9]{30,}\b",  # Hugging Face
    r"\bgsk_[A-Za-z0-9]{30,}\b",  # Groq
    r"\blsv2_(?:pt|sk)_[A-Za-z0-9_]{20,}\b",  # LangSmith
    r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",  # JWT
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
]
# `api_key = "..."`, `password: ...`: keep the name, hide the value. The value must contain a
# digit, so code such as `api_key = settings.api_key` or `tokens = encode(text)` is left alone.
_ASSIGNMENT = re.compile(
    r"(?P<name>\b[\w\-]*(?:api[_\-]?key|secret|(?:access|auth|refresh|api)[_\-]?token|password"
    r"|passwd)[\w\-]*\b[\"']?\s*[:=]\s*[\"']?)(?P<value>(?=[\w\-\.\/+=]*\d)[\w\-\.\/+=]{8,})",
    re.IGNORECASE,
)
# Credentials inside a URL: `scheme://user:password@host` (the user part too: it is often a
# key) and key-like query parameters (`?api-key=...`, `&token=...`).
_URL_USERINFO = re.compile(r"(?P<name>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<value>[^\s/@?#]+)@")
_URL_QUERY = re.compile(
    r"(?P<name>[?&;](?:[\w\-]*(?:key|token|secret|password|passwd|sig|signature|auth)"
    r"[\w\-]*)=)(?P<value>[^&#\s]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<name>\bBearer\s+)(?P<value>[A-Za-z0-9_\-\.=]{16,})")
_KNOWN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))

# Environment variables whose values must never appear in an export, whatever their shape.
_SECRET_ENV = re.compile(r"(API_KEY|SECRET|TOKEN|PASSWORD)", re.IGNORECASE)


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """Values of secret-looking environment variables (long enough to be worth hiding)."""
    env = os.environ if environ is None else environ
    return sorted(
        {v for k, v in env.items() if _SECRET_ENV.search(k) and len(v) >= 8}, key=len, reverse=True
    )


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every known secret shape and every given value replaced by [REDACTED]."""
    for value in extra:
        text = text.replace(value, REDACTED)
    text = _KNOWN.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: m["name"] + REDACTED, text)
    text = redact_url(text)
    return _ASSIGNMENT.sub(lambda m: m["name"] + REDACTED, text)


def redact_url(text: str) -> str:
    """`text` with the credentials of every URL in it hidden: user:password@ and key params."""
    text = _URL_USERINFO.sub(lambda m: m["name"] + REDACTED + "@", text)
    return _URL_QUERY.sub(lambda m: m["name"] + REDACTED, text)


def redact_urls_in(data: Any) -> Any:
    """`redact_url` applied to every string inside a JSON-like structure (before storing it)."""
    if isinstance(data, str):
        return redact_url(data) if "://" in data or "=" in data else data
    if isinstance(data, dict):
        return {k: redact_urls_in(v) for k, v in data.items()}
    if isinstance(data, list):
        return [redact_urls_in(item) for item in data]
    return data


# Characters that must never reach a terminal or a document raw: C0 and C1 controls (ESC starts
# terminal escape sequences, NUL truncates C strings), DEL, and the bidirectional overrides that
# make text read differently from what it is ("trojan source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, multiline: bool = True) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), so none acts on a terminal.

    Newlines and tabs stay when `multiline` (answers, notes); otherwise (ids, one-line errors)
    they are escaped too.
    """
    return (_CONTROL if multiline else _CONTROL_OR_NEWLINE).sub(_escape, text)


def redact_data(data: Any, extra: Iterable[str] = ()) -> Any:
    """The same, applied to every string inside a JSON-like structure (keys included)."""
    values = list(extra)
    if isinstance(data, str):
        return redact(data, values)
    if isinstance(data, dict):
        return {redact_data(k, values): redact_data(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [redact_data(item, values) for item in data]
    if isinstance(data, tuple):
        return tuple(redact_data(item, values) for item in data)
    return data
