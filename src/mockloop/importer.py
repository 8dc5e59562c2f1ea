"""`mockloop import`: bring a session exported elsewhere (JSON) into this machine's history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockloop.content import ContentError, Library, Problem, display_path, load_model
from mockloop.export import ExportDoc
from mockloop.models import SessionInfo
from mockloop.scoring import asked_questions
from mockloop.store import Event, Index, SessionWriter, sessions_dir


@dataclass(frozen=True)
class Imported:
    """Where an imported session went and what it carried."""

    session_id: str
    path: Path
    renamed_from: str | None
    scored: bool


def import_export(source: Path, library: Library) -> Imported:
    """Validate an export (line-precise errors), check its questions exist, store and index it."""
    # JSON is YAML, so the YAML loader gives every validation error a line number.
    doc, _ = load_model(source, ExportDoc)
    transcript = doc.transcript
    shown = display_path(source)
    known = {q.id for q in library.questions}
    unknown = [qid for qid in asked_questions(transcript) if qid not in known]
    if unknown:
        raise ContentError(
            [
                Problem(
                    shown,
                    1,
                    "transcript.turns",
                    f"asks question {unknown[0]!r}, which is in no bank in use; add its bank "
                    "with MOCKLOOP_QUESTION_BANKS to import and re-score it",
                )
            ]
        )
    info, renamed_from = _free_id(transcript.session)
    path = sessions_dir() / f"{info.id}.jsonl"
    writer = SessionWriter(path)
    try:
        writer.session(info)
        for turn in transcript.turns:
            writer.turn(turn)
        if transcript.ended:
            writer.event(Event(event="session_done", reason="imported"))
        if doc.scorecard is not None:
            writer.scorecard(doc.scorecard.model_copy(update={"session_id": info.id}))
    finally:
        writer.close()
    index = Index()
    index.upsert_session(info, path, ended=transcript.ended)
    if doc.scorecard is not None:
        index.record_scorecard(doc.scorecard.model_copy(update={"session_id": info.id}))
    return Imported(info.id, path, renamed_from, doc.scorecard is not None)


def _free_id(info: SessionInfo) -> tuple[SessionInfo, str | None]:
    """Keep the session's id unless this machine already has one by that name."""
    if not (sessions_dir() / f"{info.id}.jsonl").exists():
        return info, None
    number = 2
    while (sessions_dir() / f"{info.id}-import{number}.jsonl").exists():
        number += 1
    return info.model_copy(update={"id": f"{info.id}-import{number}"}), info.id
