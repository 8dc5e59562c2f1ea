"""Sessions on disk: an append-only JSONL transcript per session and a SQLite index of them."""

from __future__ import annotations

import glob
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from mockloop.errors import MockloopError
from mockloop.models import Event, Round, Scorecard, SessionInfo, Transcript, Turn, utcnow
from mockloop.paths import home


def sessions_dir() -> Path:
    """Where the session transcripts live."""
    return home() / "sessions"


def new_session_id(now: datetime | None = None) -> str:
    """A short, sortable, human-typable id such as 2026-11-22-a1b2."""
    return f"{(now or utcnow()).strftime('%Y-%m-%d')}-{secrets.token_hex(2)}"


# ---------------------------------------------------------------------------------------------
# JSONL records


class StoreError(MockloopError):
    """A session file is missing or unreadable."""


class SessionWriter:
    """Appends records to a session's JSONL and makes each durable before returning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def _write(self, kind: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"type": kind, **payload}, ensure_ascii=False, default=str)
        self._file.write(line + "\n")
        self._file.flush()
        # A turn is a person's work: it must survive a power cut, not only a crash.
        os.fsync(self._file.fileno())

    def session(self, info: SessionInfo) -> None:
        """Record how the session was started."""
        self._write("session", info.model_dump(mode="json"))

    def turn(self, turn: Turn) -> None:
        """Record one message."""
        self._write("turn", turn.model_dump(mode="json"))

    def event(self, event: Event) -> None:
        """Record a state change."""
        self._write("event", event.model_dump(mode="json"))

    def scorecard(self, card: Scorecard) -> None:
        """Record a scorecard (a session may be scored several times)."""
        self._write("scorecard", card.model_dump(mode="json"))

    def close(self) -> None:
        """Close the file."""
        self._file.close()


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


def read_session(path: Path) -> SessionRecord:
    """Read a session file; a damaged last line (a crash mid-write) is skipped, not fatal."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read session file ({exc.strerror})") from exc
    info: SessionInfo | None = None
    turns, events, cards, damaged = [], [], [], 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record.pop("type")
            if kind == "session":
                info = SessionInfo.model_validate(record)
            elif kind == "turn":
                turns.append(Turn.model_validate(record))
            elif kind == "event":
                events.append(Event.model_validate(record))
            elif kind == "scorecard":
                cards.append(Scorecard.model_validate(record))
        except (json.JSONDecodeError, KeyError, ValidationError, AttributeError) as exc:
            if number < len(lines):
                raise StoreError(f"{path}:{number}: not a mockloop session record ({exc})") from exc
            damaged += 1
    if info is None:
        raise StoreError(f"{path}: not a mockloop session (no session header)")
    ended = any(e.event == "session_done" for e in events)
    transcript = Transcript(session=info, turns=turns, ended=ended)
    return SessionRecord(
        transcript=transcript, events=events, scorecards=cards, path=path, damaged_lines=damaged
    )


# ---------------------------------------------------------------------------------------------
# SQLite index

# Append-only: a released migration is never edited, only followed by a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        started_at TEXT NOT NULL,
        rounds TEXT NOT NULL,
        interviewer TEXT NOT NULL,
        ended INTEGER NOT NULL DEFAULT 0,
        judge TEXT,
        overall REAL
    );
    CREATE TABLE question_scores (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        question_id TEXT NOT NULL,
        round TEXT NOT NULL,
        topic TEXT NOT NULL,
        overall REAL,
        judge TEXT NOT NULL,
        scored_at TEXT NOT NULL,
        PRIMARY KEY (session_id, question_id)
    );
    """,
]


def latest_per_question(rows: Sequence[sqlite3.Row]) -> list[sqlite3.Row]:
    """The scored rows of `question_scores()` reduced to each question's latest, oldest first."""
    latest = {r["question_id"]: r for r in rows if r["overall"] is not None}
    return sorted(latest.values(), key=lambda r: r["scored_at"])


class Index:
    """The SQLite index of sessions and their scores, for listing and statistics."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home() / "index.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            migrate(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def upsert_session(
        self, info: SessionInfo, path: Path, *, ended: bool, card: Scorecard | None = None
    ) -> None:
        """Record (or update) a session's header, and its latest scores, in one transaction."""
        rounds = ",".join(p.round.value for p in info.plan)
        with self._connect() as db:
            db.execute(
                "INSERT INTO sessions (id, path, started_at, rounds, interviewer, ended) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "path=excluded.path, ended=excluded.ended",
                (info.id, str(path), info.started_at.isoformat(), rounds, info.interviewer, ended),
            )
            if card is not None:
                self._record(db, card)

    def record_scorecard(self, card: Scorecard) -> None:
        """Store a session's latest scores."""
        with self._connect() as db:
            self._record(db, card)

    @staticmethod
    def _record(db: sqlite3.Connection, card: Scorecard) -> None:
        judge = card.judge.model or card.judge.engine
        db.execute(
            "UPDATE sessions SET judge = ?, overall = ? WHERE id = ?",
            (judge, card.overall, card.session_id),
        )
        db.executemany(
            "INSERT OR REPLACE INTO question_scores VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    card.session_id,
                    q.question_id,
                    q.round.value,
                    q.topic,
                    None if "skipped" in q.flags else q.overall,  # not attempted, not weak
                    judge,
                    card.scored_at.isoformat(),
                )
                for q in card.questions
            ],
        )

    def sessions(self, limit: int = 50) -> list[sqlite3.Row]:
        """The most recent sessions, newest first."""
        with self._connect() as db:
            return db.execute(
                "SELECT * FROM sessions ORDER BY started_at DESC LIMIT ?", (limit,)
            ).fetchall()

    def question_scores(self) -> list[sqlite3.Row]:
        """Every question's latest score: session, question, round, topic, overall, when."""
        with self._connect() as db:
            return db.execute(
                "SELECT q.*, s.started_at FROM question_scores q "
                "JOIN sessions s ON s.id = q.session_id ORDER BY q.scored_at"
            ).fetchall()

    def latest_question_scores(self) -> list[sqlite3.Row]:
        """Each scored question once, with its latest score, oldest first: where you stand now.

        `stats` averages these and `drill` schedules from them, so the two always agree.
        """
        return latest_per_question(self.question_scores())

    def round_scores(self, session_ids: Sequence[str]) -> dict[str, dict[str, float]]:
        """Mean question score per round, for each of the given sessions."""
        if not session_ids:
            return {}
        marks = ",".join("?" * len(session_ids))
        with self._connect() as db:
            rows = db.execute(
                "SELECT session_id, round, AVG(overall) AS mean FROM question_scores "
                f"WHERE session_id IN ({marks}) AND overall IS NOT NULL "
                "GROUP BY session_id, round",
                tuple(session_ids),
            ).fetchall()
        result: dict[str, dict[str, float]] = {}
        for row in rows:
            result.setdefault(row["session_id"], {})[row["round"]] = row["mean"]
        return result

    def scored_sessions(self, limit: int) -> list[sqlite3.Row]:
        """The last `limit` scored sessions, oldest first (for trends)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM sessions WHERE overall IS NOT NULL ORDER BY started_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return rows[::-1]

    def find(self, prefix: str) -> list[sqlite3.Row]:
        """Sessions whose id starts with `prefix`."""
        with self._connect() as db:
            return db.execute(
                "SELECT * FROM sessions WHERE id LIKE ? ORDER BY started_at DESC",
                (prefix.replace("%", "") + "%",),
            ).fetchall()


def session_files(folder: Path | None = None, prefix: str = "") -> list[Path]:
    """The transcripts in `folder` (default: the sessions folder) whose names start with
    `prefix`, sorted by name; none when the folder does not exist."""
    folder = sessions_dir() if folder is None else folder
    if not folder.is_dir():
        return []
    # glob.escape: an id typed by a user ("*", "[") is a prefix, never a pattern.
    return sorted(folder.glob(f"{glob.escape(prefix)}*.jsonl"))


def reindex(index: Index | None = None) -> int:
    """Rebuild the index from the session files (the files are the truth); return how many."""
    index = index or Index()
    count = 0
    for path in session_files():
        try:
            record = read_session(path)
        except StoreError:
            continue  # not a mockloop transcript; `mockloop import` reports why
        index.upsert_session(record.transcript.session, path, ended=record.transcript.ended)
        if record.scorecards:
            index.record_scorecard(record.scorecards[-1])
        count += 1
    return count


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations this database has not seen; return the schema version."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)


def resolve_session(ref: str) -> Path:
    """Turn a session id, id prefix, or path into the session's JSONL path."""
    candidate = Path(ref).expanduser()
    if candidate.suffix == ".jsonl" or candidate.is_file():
        if not candidate.is_file():
            raise StoreError(f"{ref}: no such transcript file")
        return candidate
    direct = sessions_dir() / f"{ref}.jsonl"
    if direct.is_file():
        return direct
    matches = session_files(prefix=ref)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise StoreError(f"{ref}: no such session (see `mockloop history`)")
    names = ", ".join(m.stem for m in matches[:5])
    raise StoreError(f"{ref}: ambiguous session id, matches {names}")


def latest_unfinished() -> Path | None:
    """The newest session that has not ended, if any."""
    for path in sorted(session_files(), key=os.path.getmtime, reverse=True):
        try:
            if not read_session(path).transcript.ended:
                return path
        except StoreError:
            continue
    return None
