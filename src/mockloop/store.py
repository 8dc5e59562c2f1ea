"""Sessions on disk: an append-only JSONL transcript per session and a SQLite index of them.

The transcripts are the truth; the index is a cache rebuilt from them whenever it is missing,
damaged or from another schema. Each transcript has one writer at a time (an OS lock), every
record is fsynced before it counts, and a writer first repairs a tail torn by a crash.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ValidationError

from mockloop.errors import MockloopError
from mockloop.journal import FileLock, Locked, append, create_exclusive, fsync_dir, repair_tail
from mockloop.models import Event, Role, Round, Scorecard, SessionInfo, Transcript, Turn, utcnow
from mockloop.paths import home
from mockloop.redact import redact_urls_in

_log = logging.getLogger("mockloop.store")

SESSION_ID_MAX = 100  # characters; ids become file names, so they stay short and plain
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def sessions_dir() -> Path:
    """Where the session transcripts live."""
    return home() / "sessions"


def session_path(session_id: str) -> Path:
    """The transcript file of a session id (which must be valid, see `session_id_problem`)."""
    return sessions_dir() / f"{session_id}.jsonl"


def session_files(folder: Path | None = None) -> list[Path]:
    """Every transcript in `folder` (default: the sessions folder), sorted by name.

    The one place that lists transcripts: hidden files (locks, half-written imports) and
    set-aside torn bytes are not transcripts.
    """
    folder = sessions_dir() if folder is None else folder
    try:
        names = sorted(p.name for p in folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise StoreError(f"{folder}: cannot list sessions ({exc.strerror})") from None
    return [folder / n for n in names if n.endswith(".jsonl") and not n.startswith(".")]


def new_session_id(now: datetime | None = None) -> str:
    """A sortable, human-typable id such as 2026-11-22-a1b2c3d4 (32 random bits a day)."""
    return f"{(now or utcnow()).strftime('%Y-%m-%d')}-{secrets.token_hex(4)}"


def session_id_problem(value: str) -> str | None:
    """Why `value` cannot be a session id (it names a file), or None when it can."""
    if not value:
        return "must not be empty"
    if len(value) > SESSION_ID_MAX:
        return f"must be at most {SESSION_ID_MAX} characters (has {len(value)})"
    if not _SESSION_ID.fullmatch(value):
        return (
            "may only use letters, digits, '.', '_' and '-' and must start with a letter or "
            f"digit (got {ascii(value)[:60]})"
        )
    return None


def lock_path(path: Path) -> Path:
    """The lock file of a transcript (hidden, next to it)."""
    return path.with_name(f".{path.name}.lock")


# ---------------------------------------------------------------------------------------------
# JSONL records


class StoreError(MockloopError):
    """A session file is missing or unreadable."""


def storage_error(path: Path, exc: OSError, doing: str = "cannot write") -> StoreError:
    """One line for a failed read or write, naming the file (a full disk, a read-only home)."""
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    reason = exc.strerror or type(exc).__name__
    return StoreError(f"{where}: {doing} ({reason}); everything saved before is intact")


def _locked_error(path: Path, exc: Locked) -> StoreError:
    holder = f"process {exc.pid}" if exc.pid else "another process"
    return StoreError(
        f"session {path.stem} is in use by {holder}; wait for it to finish or stop it, "
        "then try again"
    )


def ensure_unlocked(path: Path) -> None:
    """Fail now, in one line, if another process is writing this session (checked up front)."""
    try:
        FileLock(lock_path(path)).release()
    except Locked as exc:
        raise _locked_error(path, exc) from None
    except OSError:
        pass  # cannot even create the lock (a read-only home): the writer will say so


class SessionWriter:
    """The one writer of a session's JSONL: holds its lock and makes each record durable.

    Use it as a context manager. `create=True` makes a new file and fails with FileExistsError
    when the name is taken (a new session never appends to another). An existing file first has
    a torn last record repaired. `sync=False` defers the fsync to close (bulk import).
    """

    def __init__(
        self, path: Path, *, create: bool = False, sync: bool = True, lock_for: Path | None = None
    ) -> None:
        self.path = path
        self._sync = sync
        self._dirty = False
        self._fd = -1
        self._lock: FileLock | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(lock_path(lock_for or path))
            if create:
                self._fd = create_exclusive(path)
            else:
                self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
                torn = repair_tail(self._fd, path, _readable)
                if torn:
                    note = f"torn last record ({torn} bytes) set aside in {path.name}.torn"
                    self.event(Event(event="repaired", reason=note))
        except Locked as exc:
            self.close()
            raise _locked_error(lock_for or path, exc) from None
        except FileExistsError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise storage_error(path, exc) from None

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, kind: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"type": kind, **payload}, ensure_ascii=False, default=str)
        try:
            # A turn is a person's work: it must survive a power cut, not only a crash.
            append(self._fd, (line + "\n").encode("utf-8"), sync=self._sync)
        except OSError as exc:
            raise storage_error(self.path, exc) from None
        self._dirty = True

    def session(self, info: SessionInfo) -> None:
        """Record how the session was started (credentials in URLs are never stored)."""
        self._write("session", redact_urls_in(info.model_dump(mode="json")))

    def turn(self, turn: Turn) -> None:
        """Record one message; URL credentials in what mockloop or a model said are hidden.

        The candidate's own words are stored exactly: they are what is scored and tested.
        """
        data = turn.model_dump(mode="json")
        self._write("turn", data if turn.role is Role.CANDIDATE else redact_urls_in(data))

    def event(self, event: Event) -> None:
        """Record a state change."""
        self._write("event", event.model_dump(mode="json"))

    def scorecard(self, card: Scorecard) -> None:
        """Record a scorecard (a session may be scored several times)."""
        self._write("scorecard", redact_urls_in(card.model_dump(mode="json")))

    def close(self) -> None:
        """Make everything durable, close the file and release the lock (idempotent)."""
        try:
            if self._fd >= 0:
                fd, self._fd = self._fd, -1
                try:
                    if self._dirty and not self._sync:
                        os.fsync(fd)
                except OSError as exc:
                    raise storage_error(self.path, exc) from None
                finally:
                    os.close(fd)
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


@contextmanager
def new_session_file(path: Path) -> Iterator[SessionWriter]:
    """Write a whole new transcript that appears complete or not at all (one fsync, at the end).

    FileExistsError when `path` exists. Written to a hidden temporary file, then renamed into
    place under the session's lock, so no other mockloop writer can take the name meanwhile.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.unlink(missing_ok=True)  # a leftover from a crashed import of ours
    except OSError as exc:
        raise storage_error(temporary, exc) from None
    writer = SessionWriter(temporary, create=True, sync=False, lock_for=path)
    try:
        yield writer
        writer.close()  # fsync: the content is durable before its name appears
        if path.exists():
            raise FileExistsError(path)
        temporary.replace(path)
        fsync_dir(path.parent)
    except FileExistsError:
        raise
    except OSError as exc:
        raise storage_error(path, exc) from None
    finally:
        writer.close()
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


class SessionRecord(BaseModel):
    """Everything read back from one session file."""

    transcript: Transcript
    events: list[Event]
    scorecards: list[Scorecard]
    path: Path
    damaged_lines: int = 0  # lines that could not be parsed (e.g. cut by a crash mid-write)

    def done_questions(self) -> set[str]:
        """Questions that were finished (answered, skipped or timed out)."""
        return {e.question_id for e in self.events if e.event == "question_done" and e.question_id}

    def done_rounds(self) -> set[Round]:
        """Rounds that were finished."""
        return {e.round for e in self.events if e.event == "round_done" and e.round}


_KINDS: dict[str, type[BaseModel]] = {
    "session": SessionInfo,
    "turn": Turn,
    "event": Event,
    "scorecard": Scorecard,
}
# What a damaged line can raise: bad UTF-8 and bad JSON are ValueErrors, as are pydantic's
# ValidationErrors; absurd nesting raises RecursionError.
_BAD_LINE = (ValueError, TypeError, RecursionError)


def parse_record(line: bytes) -> tuple[str, BaseModel | None]:
    """One JSONL line as (type, model); an unknown type (a newer mockloop's) gives None."""
    record = json.loads(line.decode("utf-8"))
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    kind = record.pop("type", None)
    if not isinstance(kind, str):
        raise ValueError("no record type")
    model = _KINDS.get(kind)
    return kind, None if model is None else model.model_validate(record)


def _readable(line: bytes) -> bool:
    """Whether a last line was written whole: UTF-8, one JSON object with a record type.

    Only physical damage counts as torn. A whole record this version cannot validate (a newer
    mockloop's) is kept: setting it aside would lose data that a newer reader understands.
    """
    try:
        record = json.loads(line.decode("utf-8"))
    except _BAD_LINE:
        return False
    return isinstance(record, dict) and isinstance(record.get("type"), str)


def describe(exc: BaseException) -> str:
    """A damaged record's problem in one line."""
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {exc.start}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return f"{where}: {first['msg']}"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def read_session(path: Path) -> SessionRecord:
    """Read a session file; a damaged last line (a crash mid-write) is skipped, not fatal.

    Any other damage (a bad byte, a broken record in the middle) is a StoreError naming the
    file and line, so a caller going through many sessions can skip this one and go on.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise storage_error(path, exc, "cannot read session file") from None
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    info: SessionInfo | None = None
    turns, events, cards, damaged = [], [], [], 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            _, model = parse_record(line)
        except _BAD_LINE as exc:
            if number < len(lines):
                message = f"{path}:{number}: not a mockloop session record ({describe(exc)})"
                raise StoreError(message) from None
            damaged += 1
            continue
        if isinstance(model, SessionInfo) and info is None:
            info = model
        elif isinstance(model, Turn):
            turns.append(model)
        elif isinstance(model, Event):
            events.append(model)
        elif isinstance(model, Scorecard):
            cards.append(model)
        elif isinstance(model, SessionInfo):
            raise StoreError(f"{path}:{number}: a second session header (two sessions in a file)")
    if info is None:
        raise StoreError(f"{path}: not a mockloop session (no session header)")
    ended = any(e.event == "session_done" for e in events)
    transcript = Transcript(session=info, turns=turns, ended=ended)
    return SessionRecord(
        transcript=transcript, events=events, scorecards=cards, path=path, damaged_lines=damaged
    )


def resolve_session(ref: str) -> Path:
    """Turn a session id, id prefix, or path into the session's JSONL path."""
    candidate = Path(ref).expanduser()
    if candidate.suffix == ".jsonl" or candidate.is_file():
        if not candidate.is_file():
            raise StoreError(f"{ref}: no such transcript file")
        return candidate
    if session_id_problem(ref) is not None:
        raise StoreError(f"{ascii(ref)[1:-1]}: not a session id, id prefix or .jsonl path")
    direct = session_path(ref)
    if direct.is_file():
        return direct
    matches = [p for p in session_files() if p.name.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise StoreError(f"{ref}: no such session (see `mockloop history`)")
    names = ", ".join(m.stem for m in matches[:5])
    raise StoreError(f"{ref}: ambiguous session id, matches {names}")


def latest_unfinished() -> Path | None:
    """The newest session that has not ended, if any (unreadable ones are passed over)."""
    for path in sorted(session_files(), key=_mtime, reverse=True):
        try:
            if not read_session(path).transcript.ended:
                return path
        except StoreError:
            continue
    return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# The index moved to mockloop.index; its names stay importable from here.
from mockloop.index import MIGRATIONS, Index, latest_per_question, migrate, reindex  # noqa: E402

__all__ = [
    "MIGRATIONS",
    "Event",
    "Index",
    "SessionRecord",
    "SessionWriter",
    "StoreError",
    "latest_per_question",
    "latest_unfinished",
    "migrate",
    "new_session_file",
    "new_session_id",
    "read_session",
    "reindex",
    "resolve_session",
    "session_files",
    "session_id_problem",
    "session_path",
    "sessions_dir",
]
