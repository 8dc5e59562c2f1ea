"""`mockloop import`: bring a session exported elsewhere (JSON) into this machine's history.

An export is untrusted input: everything that will be written is checked first (the id becomes
a file name, scores feed statistics, ids are looked up by exports), with limits on size and
nesting, and the transcript is written whole or not at all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mockloop.content import (
    ContentError,
    Library,
    Loc,
    Problem,
    SourceMap,
    display_path,
    format_loc,
    problems_from,
    read_yaml,
)
from mockloop.engine import MAX_ANSWER_CHARS
from mockloop.export import ExportDoc
from mockloop.models import Event, Role, SessionInfo, TurnKind
from mockloop.redact import visible
from mockloop.scoring import asked_questions
from mockloop.store import (
    SESSION_ID_MAX,
    Index,
    new_session_file,
    session_id_problem,
    session_path,
)

MAX_EXPORT_BYTES = 256 * 1024 * 1024  # a session of many maximal answers is far below this
MAX_DEPTH = 32  # an export nests about 8 levels deep; more is not a mockloop export
MAX_TEXT_CHARS = 1_000_000  # any one string (answers have their own, smaller limit)
_RENAME_ATTEMPTS = 1000


@dataclass(frozen=True)
class Imported:
    """Where an imported session went and what it carried."""

    session_id: str
    path: Path
    renamed_from: str | None
    scored: bool


def import_export(source: Path, library: Library) -> Imported:
    """Validate an export (line-precise errors), check what it refers to, store and index it."""
    doc = read_export(source)
    problems = list(check_export(doc, library))
    if problems:
        _fail(source, problems)
    transcript = doc.transcript
    original = transcript.session
    index = Index()  # opened first: a brand-new home has no transcript to rebuild it from
    for info in _candidate_ids(original):
        path = session_path(info.id)
        card = (
            None
            if doc.scorecard is None
            else doc.scorecard.model_copy(update={"session_id": info.id})
        )
        try:
            # One file written whole and fsynced once: fast for a big export, and never half there.
            with new_session_file(path) as writer:
                writer.session(info)
                for turn in transcript.turns:
                    writer.turn(turn)
                if transcript.ended:
                    writer.event(Event(event="session_done", reason="imported"))
                if card is not None:
                    writer.scorecard(card)
        except FileExistsError:
            continue  # this machine has a session by that name: try the next copy's name
        index.upsert_session(info, path, ended=transcript.ended, card=card)  # one transaction
        renamed = None if info.id == original.id else original.id
        return Imported(info.id, path, renamed, card is not None)
    raise ContentError([Problem(display_path(source), 1, "", "no free session id to import as")])


def _candidate_ids(info: SessionInfo) -> Iterator[SessionInfo]:
    """The session under its own id, then as `<id>-import2`, `-import3`, ..."""
    yield info
    for number in range(2, _RENAME_ATTEMPTS):
        suffix = f"-import{number}"
        yield info.model_copy(update={"id": info.id[: SESSION_ID_MAX - len(suffix)] + suffix})


def read_export(source: Path) -> ExportDoc:
    """Parse an export as JSON; its YAML node tree is only read to put errors on their lines.

    Not YAML first: JSON escapes YAML rejects (an emoji written by `json.dump` as a surrogate
    pair, `\\ud83d\\ude42`) would refuse a valid file.
    """
    shown = display_path(source)
    try:
        size = source.stat().st_size
        if size > MAX_EXPORT_BYTES:
            limit = MAX_EXPORT_BYTES // 2**20
            _fail(source, [((), f"is {size:,} bytes; an export is at most {limit} MB")])
        text = source.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ContentError([Problem(shown, 1, "", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (invalid byte at offset {exc.start})"
        raise ContentError([Problem(shown, 1, "", message)]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError([Problem(shown, exc.lineno, "", f"invalid JSON: {exc.msg}")]) from None
    except RecursionError:
        _fail(source, [((), f"nested deeper than {MAX_DEPTH} levels; not a mockloop export")])
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        _fail(source, [((), f"invalid JSON: {str(exc).splitlines()[0]}")])
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, 1, "", "must be a JSON object")])
    shape = list(_shape_problems(data))
    if shape:
        _fail(source, shape[:1])
    try:
        return ExportDoc.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, _source_map(source))
        raise ContentError([_clean(p) for p in problems]) from None


def _shape_problems(data: Any) -> Iterator[tuple[Loc, str]]:
    """Nesting deeper than MAX_DEPTH, overlong strings, non-finite numbers (NaN, Infinity)."""
    stack: list[tuple[Any, Loc]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            yield loc[:MAX_DEPTH], f"nested deeper than {MAX_DEPTH} levels; not a mockloop export"
            return
        if isinstance(value, dict):
            stack.extend((v, (*loc, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(value))
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            yield loc, f"text of {len(value):,} characters; at most {MAX_TEXT_CHARS:,}"
        elif isinstance(value, float) and not math.isfinite(value):
            yield loc, f"must be a finite number, not {value}"


def check_export(doc: ExportDoc, library: Library) -> Iterator[tuple[Loc, str]]:
    """What an export refers to or claims that this machine cannot accept, field by field."""
    info = doc.transcript.session
    problem = session_id_problem(info.id)
    if problem:
        yield ("transcript", "session", "id"), f"session id {problem}"
    known = {q.id for q in library.questions}
    for r, plan in enumerate(info.plan):
        for q, qid in enumerate(plan.question_ids):
            if qid not in known:
                loc: Loc = ("transcript", "session", "plan", r, "question_ids", q)
                yield loc, _unknown(qid)
    for qid in asked_questions(doc.transcript):
        if qid not in known:
            yield ("transcript", "turns"), _unknown(qid)
    for t, turn in enumerate(doc.transcript.turns):
        answer = turn.role is Role.CANDIDATE and turn.kind is TurnKind.ANSWER
        if answer and len(turn.text) > MAX_ANSWER_CHARS:
            yield (
                ("transcript", "turns", t, "text"),
                (f"answer of {len(turn.text):,} characters; at most {MAX_ANSWER_CHARS:,}"),
            )
    if doc.scorecard is not None:
        yield from _card_problems(doc, library, known)


def _card_problems(doc: ExportDoc, library: Library, known: set[str]) -> Iterator[tuple[Loc, str]]:
    card = doc.scorecard
    assert card is not None
    yield from _score_range(("scorecard", "overall"), card.overall)
    for r, round_score in enumerate(card.rounds):
        yield from _score_range(("scorecard", "rounds", r, "overall"), round_score.overall)
    for q, score in enumerate(card.questions):
        at: Loc = ("scorecard", "questions", q)
        yield from _score_range((*at, "overall"), score.overall)
        if score.question_id not in known:
            yield (*at, "question_id"), _unknown(score.question_id)
            continue
        points = {kp.id for kp in library.question(score.question_id).key_points}
        for field in ("covered_points", "missed_points"):
            for p, point in enumerate(getattr(score, field)):
                if point not in points:
                    yield (
                        (*at, field, p),
                        (f"key point {point!r} is not one of question {score.question_id!r}'s"),
                    )


def _score_range(loc: Loc, value: float | None) -> Iterator[tuple[Loc, str]]:
    if value is not None and not 1.0 <= value <= 5.0:
        yield loc, f"a score must be between 1 and 5, not {value}"


def _unknown(qid: str) -> str:
    return (
        f"asks question {qid!r}, which is in no bank in use; add its bank "
        "with MOCKLOOP_QUESTION_BANKS to import and re-score it"
    )


def _source_map(source: Path) -> SourceMap:
    """The YAML node tree, for line numbers; JSON that YAML cannot read puts errors on line 1."""
    shown = display_path(source)
    try:
        _, lines = read_yaml(source)
    except Exception:  # any YAML failure only costs line numbers, never the real error
        lines = SourceMap(shown, None)
    return lines


def _clean(problem: Problem) -> Problem:
    """A problem safe to print: the file's own text may hold control characters."""
    return Problem(
        problem.path,
        problem.line,
        visible(problem.field, multiline=False),
        visible(problem.message, multiline=False),
    )


def _fail(source: Path, problems: list[tuple[Loc, str]]) -> Any:
    """Raise the problems as a ContentError with file, line and field (lines read lazily)."""
    lines = _source_map(source) if any(loc for loc, _ in problems) else None
    raise ContentError(
        [
            _clean(
                Problem(
                    display_path(source),
                    lines.line_of(loc) if lines is not None else 1,
                    format_loc(loc),
                    message,
                )
            )
            for loc, message in problems
        ]
    )
