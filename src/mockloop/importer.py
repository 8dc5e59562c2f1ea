"""`mockloop import`: bring a session exported elsewhere (JSON) into this machine's history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mockloop.content import (
    ContentError,
    Library,
    Problem,
    SourceMap,
    display_path,
    problems_from,
    read_yaml,
)
from mockloop.export import ExportDoc
from mockloop.models import Event, SessionInfo
from mockloop.scoring import asked_questions
from mockloop.store import Index, SessionWriter, sessions_dir


@dataclass(frozen=True)
class Imported:
    """Where an imported session went and what it carried."""

    session_id: str
    path: Path
    renamed_from: str | None
    scored: bool


def import_export(source: Path, library: Library) -> Imported:
    """Validate an export (line-precise errors), check its questions exist, store and index it."""
    doc = read_export(source)
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
    card = (
        None if doc.scorecard is None else doc.scorecard.model_copy(update={"session_id": info.id})
    )
    path = sessions_dir() / f"{info.id}.jsonl"
    writer = SessionWriter(path)
    try:
        writer.session(info)
        for turn in transcript.turns:
            writer.turn(turn)
        if transcript.ended:
            writer.event(Event(event="session_done", reason="imported"))
        if card is not None:
            writer.scorecard(card)
    finally:
        writer.close()
    Index().upsert_session(info, path, ended=transcript.ended, card=card)  # one transaction
    return Imported(info.id, path, renamed_from, card is not None)


def read_export(source: Path) -> ExportDoc:
    """Parse an export as JSON; its YAML node tree is only read to put errors on their lines.

    Not YAML first: JSON escapes YAML rejects (an emoji written by `json.dump` as a surrogate
    pair, `\\ud83d\\ude42`) would refuse a valid file.
    """
    shown = display_path(source)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(shown, 1, "", f"cannot read file: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise ContentError([Problem(shown, exc.lineno, "", f"invalid JSON: {exc.msg}")]) from exc
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, 1, "", "must be a JSON object")])
    try:
        return ExportDoc.model_validate(data)
    except ValidationError as exc:
        try:
            _, lines = read_yaml(source)
        except ContentError:
            lines = SourceMap(shown, None)  # JSON that YAML cannot read: errors go on line 1
        raise ContentError(problems_from(exc, lines)) from exc


def _free_id(info: SessionInfo) -> tuple[SessionInfo, str | None]:
    """Keep the session's id unless this machine already has one by that name."""
    if not (sessions_dir() / f"{info.id}.jsonl").exists():
        return info, None
    number = 2
    while (sessions_dir() / f"{info.id}-import{number}.jsonl").exists():
        number += 1
    return info.model_copy(update={"id": f"{info.id}-import{number}"}), info.id
