"""The SQLite index of sessions and their scores: a cache of the transcripts, never the truth.

When the index is missing, damaged (garbage bytes, a torn page) or written by a newer schema,
it is set aside and rebuilt from the transcripts, with one line saying so. A home that cannot be
written is a StoreError naming the file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mockloop.paths import home

if TYPE_CHECKING:
    from mockloop.models import Scorecard, SessionInfo
    from mockloop.store import StoreError

_log = logging.getLogger("mockloop.index")

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
    # provider batches (batchjobs.py): a job is stored before its upload, its batch id the moment
    # the provider returns it, so the same command run again resumes it instead of paying twice.
    """
    CREATE TABLE batch_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        judge TEXT NOT NULL,
        model TEXT NOT NULL,
        batch_id TEXT,
        input_file_id TEXT,
        state TEXT NOT NULL,
        provider_status TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE batch_requests (
        job_id INTEGER NOT NULL REFERENCES batch_jobs(id),
        custom_id TEXT NOT NULL,
        session_path TEXT NOT NULL,
        question_id TEXT NOT NULL,
        sample INTEGER NOT NULL,
        PRIMARY KEY (job_id, custom_id)
    );
    CREATE INDEX batch_requests_session ON batch_requests (job_id, session_path);
    """,
]

# SQLite's primary result codes that mean "this file is not a (sound) database": rebuild it.
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


_MISSING = "it was missing"


class _Unusable(Exception):
    """The index file must be rebuilt; the message says why."""


def latest_per_question(rows: Sequence[sqlite3.Row]) -> list[sqlite3.Row]:
    """The scored rows of `question_scores()` reduced to each question's latest, oldest first."""
    latest = {r["question_id"]: r for r in rows if r["overall"] is not None}
    return sorted(latest.values(), key=lambda r: r["scored_at"])


def shown(text: str) -> str:
    """Text the index only displays (history), with control characters made visible."""
    from mockloop.redact import visible

    return visible(text, multiline=False)


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGED
    text = str(exc)
    return "not a database" in text or "malformed" in text


class Index:
    """The SQLite index of sessions and their scores, for listing and statistics."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home() / "index.sqlite3"
        self.rebuilt: str | None = None  # why the index was rebuilt on opening, if it was
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _storage(self.path, exc) from None
        fresh = not self.path.exists()
        try:
            self._open()
        except _Unusable as why:
            self._rebuild(str(why))
            return
        if fresh:
            from mockloop.store import session_files

            if session_files():  # an index deleted while transcripts exist
                self._rebuild(_MISSING)

    def _open(self) -> None:
        try:
            with self._connect(heal=False) as db:
                if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise _Unusable("it is damaged")
                version: int = db.execute("PRAGMA user_version").fetchone()[0]
                if version > len(MIGRATIONS):
                    raise _Unusable(f"a newer mockloop wrote it (schema {version})")
                migrate(db)
        except sqlite3.DatabaseError as exc:
            if _damaged(exc):
                raise _Unusable(f"it is damaged ({exc})") from None
            raise _storage(self.path, exc) from None

    def _rebuild(self, why: str) -> None:
        """Set the unusable file aside (as .bad) and build a new one from the transcripts."""
        try:
            if self.path.exists():
                self.path.replace(self.path.with_name(self.path.name + ".bad"))
            for suffix in ("-journal", "-wal", "-shm"):  # never replay a journal onto a new file
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        except OSError as exc:
            raise _storage(self.path, exc) from None
        self._open()
        count = reindex(self)
        self.rebuilt = why
        if count == 0 and why == _MISSING:
            return
        _log.warning(
            "note: rebuilt the session index %s from %d transcript(s): %s", self.path, count, why
        )

    @contextmanager
    def _connect(self, heal: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                db.row_factory = sqlite3.Row
                yield db
        except sqlite3.DatabaseError as exc:
            if not heal:
                raise
            if _damaged(exc):
                from mockloop.store import StoreError

                raise StoreError(
                    f"{self.path}: the session index is damaged ({exc}); "
                    "run `mockloop history --reindex` to rebuild it from the transcripts"
                ) from None
            raise _storage(self.path, exc) from None

    def upsert_session(
        self, info: SessionInfo, path: Path, *, ended: bool, card: Scorecard | None = None
    ) -> None:
        """Record (or update) a session's header, and its latest scores, in one transaction."""
        with self._connect() as db:
            self._header(db, info, path, ended)
            if card is not None:
                self._record(db, card)

    def upsert_many(self, items: Sequence[tuple[SessionInfo, Path, bool, Scorecard]]) -> None:
        """Record many sessions and their latest scores in one transaction (one commit, not N)."""
        with self._connect() as db:
            for info, path, ended, card in items:
                self._header(db, info, path, ended)
                self._record(db, card)

    @staticmethod
    def _header(db: sqlite3.Connection, info: SessionInfo, path: Path, ended: bool) -> None:
        rounds = ",".join(p.round.value for p in info.plan)
        db.execute(
            "INSERT INTO sessions (id, path, started_at, rounds, interviewer, ended) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "path=excluded.path, ended=excluded.ended",
            (
                info.id,
                str(path),
                info.started_at.isoformat(),
                rounds,
                shown(info.interviewer),
                ended,
            ),
        )

    def record_scorecard(self, card: Scorecard) -> None:
        """Store a session's latest scores."""
        with self._connect() as db:
            self._record(db, card)

    def clear(self) -> None:
        """Forget every session (before a rebuild from the transcripts)."""
        with self._connect() as db:
            db.execute("DELETE FROM question_scores")
            db.execute("DELETE FROM sessions")

    @staticmethod
    def _record(db: sqlite3.Connection, card: Scorecard) -> None:
        judge = shown(card.judge.model or card.judge.engine)
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


def reindex(index: Index | None = None) -> int:
    """Rebuild the index from the session files (the files are the truth); return how many.

    An unreadable transcript is skipped with one line naming it; the others are indexed.
    """
    from mockloop.store import StoreError, read_session, session_files

    index = index or Index()
    index.clear()
    count = 0
    for path in session_files():
        try:
            record = read_session(path)
        except StoreError as exc:
            _log.warning("note: not indexed: %s", exc)
            continue
        card = record.scorecards[-1] if record.scorecards else None
        index.upsert_session(
            record.transcript.session, path, ended=record.transcript.ended, card=card
        )
        count += 1
    return count


def _storage(path: Path, exc: Exception) -> StoreError:
    """An index that cannot be opened or written (a read-only or full home), in one line."""
    from mockloop.store import StoreError

    reason = getattr(exc, "strerror", None) or str(exc)
    return StoreError(f"{path}: cannot write the session index ({reason})")


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations this database has not seen; return the schema version."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)
