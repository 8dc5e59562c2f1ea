"""Session life cycle: start or resume a run of the engine, then score it; all on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockloop.content import Library
from mockloop.engine import Engine, Outcome
from mockloop.models import Scorecard, SessionInfo, Transcript
from mockloop.ports import Candidate, Clock, CodeRunner, Interviewer, Judge, Listener
from mockloop.sandbox.summary import SandboxRunner
from mockloop.scoring import score_transcript
from mockloop.store import (
    Index,
    SessionRecord,
    SessionWriter,
    StoreError,
    new_session_id,
    read_session,
    session_path,
)

# New ids are drawn again when taken (32 random bits a day: a clash is already rare).
_ID_ATTEMPTS = 20


@dataclass(frozen=True)
class RunResult:
    """What a run left on disk."""

    outcome: Outcome
    record: SessionRecord
    exit_status: int | None = None  # a quit caused by Ctrl-C or a signal (130, 143, 129)


def start_session(info: SessionInfo) -> Path:
    """Create the session file with its header and index it; a taken id is drawn again.

    Returns the new file's path; its stem is the session's id (which may differ from info.id).
    """
    index = Index()  # opened first: a brand-new home has no transcript to rebuild it from
    for _ in range(_ID_ATTEMPTS):
        path = session_path(info.id)
        try:
            with SessionWriter(path, create=True) as writer:
                try:
                    writer.session(info)
                except StoreError:
                    path.unlink(missing_ok=True)  # a full disk: leave no headerless file behind
                    raise
        except FileExistsError:  # never append a new session to another one's file
            info = info.model_copy(update={"id": new_session_id(info.started_at)})
            continue
        index.upsert_session(info, path, ended=False)
        return path
    raise StoreError(f"{path.parent}: could not find a free session id")


def run_session(
    path: Path,
    library: Library,
    *,
    interviewer: Interviewer,
    candidate: Candidate,
    clock: Clock,
    listener: Listener,
    code_runner: CodeRunner | None = None,
) -> RunResult:
    """Run (or resume) the session stored at `path` until it completes or the candidate quits.

    The session's lock is held for the whole run: a second `resume` fails at once. The record is
    read after the lock is taken (and a torn tail repaired), so it is what the engine continues.
    Coding questions' tests run in `code_runner`, by default the sandboxed runner.
    """
    with SessionWriter(path) as writer:
        record = read_session(path)
        _skip_recorded(candidate, record)
        engine = Engine(
            library,
            record,
            interviewer,
            candidate,
            clock,
            writer,
            listener,
            code_runner=code_runner or SandboxRunner(),
        )
        try:
            outcome = engine.run()
        finally:
            # Whatever happened (even Ctrl-C), the index must agree with the file.
            final = read_session(path)
            Index().upsert_session(final.transcript.session, path, ended=final.transcript.ended)
    return RunResult(outcome, final, engine.exit_status)


def _skip_recorded(candidate: Candidate, record: SessionRecord) -> None:
    """On resume, a prepared candidate must not give again the answers already recorded."""
    skip = getattr(candidate, "skip_recorded", None)
    if callable(skip):
        skip(record.transcript.turns)


def score_session(path: Path, library: Library, judge: Judge) -> Scorecard:
    """Score a stored session, append the scorecard to its file and index it."""
    record = read_session(path)
    card = score_transcript(record.transcript, library, judge)
    save_scorecard(path, record.transcript, card)
    return card


def save_scorecard(
    path: Path, transcript: Transcript, card: Scorecard, index: Index | None = None
) -> None:
    """Append a scorecard to a session file and record it in the index."""
    with SessionWriter(path) as writer:
        writer.scorecard(card)
    index = index or Index()
    index.upsert_session(transcript.session, path, ended=transcript.ended, card=card)
