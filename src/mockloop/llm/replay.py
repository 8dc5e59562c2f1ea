"""Record real model calls to a JSON-lines file and replay them later without a provider.

MOCKLOOP_RECORD=path appends one line per successful call: the request (model, messages and the
sampling parameters; never a key, a header or the api_base) and the reply (text, usage, finish
reason). MOCKLOOP_REPLAY=path serves calls from such a file in order, matched on a hash of the
model and messages. Neither needs litellm.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mockloop.llm.errors import LLMError
from mockloop.ports import Messages

RECORD_ENV = "MOCKLOOP_RECORD"
REPLAY_ENV = "MOCKLOOP_REPLAY"


def request_key(model: str, messages: Messages) -> str:
    """A stable hash of what a call asks: the model and the messages."""
    canonical = json.dumps({"model": model, "messages": messages}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


class Recorder:
    """Appends each call to a JSON-lines file, with every known secret replaced by ***."""

    def __init__(self, path: Path, secrets: list[str] | None = None) -> None:
        self.path = path
        self.secrets = [s for s in (secrets or []) if s]

    def write(
        self, model: str, messages: Messages, params: dict[str, Any], reply: dict[str, Any]
    ) -> None:
        """Append one request and its reply."""
        entry = {
            "key": request_key(model, messages),
            "model": model,
            "messages": messages,
            "params": params,
            **reply,
        }
        line = json.dumps(entry, ensure_ascii=False)
        for secret in self.secrets:
            # Belt and braces: a key pasted into a message must not land in a shared fixture.
            line = line.replace(secret, "***")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class Replayer:
    """Serves recorded replies in order; a request that was never recorded is an LLMError."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = self._load(path)
        self.used = [False] * len(self.entries)
        self.cursor = 0  # entries before it are all used
        self.calls = 0

    @staticmethod
    def _load(path: Path) -> list[dict[str, Any]]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise LLMError(f"{REPLAY_ENV}={path}: cannot read ({exc.strerror})", "replay") from exc
        entries = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LLMError(f"{path}:{number}: not a JSON line ({exc.msg})", "replay") from exc
        return entries

    def next(self, model: str, messages: Messages) -> dict[str, Any]:
        """The first unused recording of this exact request, searching from the cursor on."""
        self.calls += 1
        key = request_key(model, messages)
        for index in range(self.cursor, len(self.entries)):
            if not self.used[index] and self.entries[index].get("key") == key:
                self.used[index] = True
                while self.cursor < len(self.used) and self.used[self.cursor]:
                    self.cursor += 1
                return self.entries[index]
        left = self.used.count(False)
        raise LLMError(
            f"{REPLAY_ENV}={self.path}: call {self.calls} to {model} is not in the recording "
            f"({left} unused recorded call(s) left); record it again with {RECORD_ENV}",
            "replay",
        )


def recorder_from_env(secrets: list[str]) -> Recorder | None:
    """A Recorder when MOCKLOOP_RECORD is set."""
    from mockloop.config import current

    path = current().record
    return Recorder(path, secrets) if path else None


def replayer_from_env() -> Replayer | None:
    """A Replayer when MOCKLOOP_REPLAY is set."""
    from mockloop.config import current

    path = current().replay
    return Replayer(path) if path else None
