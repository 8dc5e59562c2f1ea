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
from mockloop.store import Index, SessionRecord, SessionWriter, read_session, sessions_dir


@dataclass(frozen=True)
class RunResult:
    """What a run left on disk."""

    outcome: Outcome
    record: SessionRecord
    exit_status: int | None = None  # a quit caused by Ctrl-C or a signal (130, 143, 129)


def start_session(info: SessionInfo) -> Path:
    """Create the session file with its header and index it."""
    path = sessions_dir() / f"{info.id}.jsonl"
    writer = SessionWriter(path)
    try:
        writer.session(info)
    finally:
        writer.close()
    Index().upsert_session(info, path, ended=False)
    return path


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

    Coding questions' tests run in `code_runner`, by default the sandboxed runner.
    """
    record = read_session(path)
    writer = SessionWriter(path)
    try:
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
        outcome = engine.run()
    finally:
        writer.close()
        # Whatever happened (even Ctrl-C), the index must agree with the file.
        final = read_session(path)
        Index().upsert_session(final.transcript.session, path, ended=final.transcript.ended)
    return RunResult(outcome, final, engine.exit_status)


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
    writer = SessionWriter(path)
    try:
        writer.scorecard(card)
    finally:
        writer.close()
    index = index or Index()
    index.upsert_session(transcript.session, path, ended=transcript.ended, card=card)
