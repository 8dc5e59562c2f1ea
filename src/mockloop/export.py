"""Exports of a session for reviewers: Markdown and JSON."""

from __future__ import annotations

import json
from enum import StrEnum

from mockloop.content import Library
from mockloop.models import Role, Scorecard, Transcript, TurnKind
from mockloop.render import engine_line, fmt_score
from mockloop.store import SessionRecord


class ExportFormat(StrEnum):
    """Formats `mockloop export` writes."""

    MD = "md"
    JSON = "json"


def export(record: SessionRecord, library: Library, fmt: ExportFormat) -> str:
    """Render a session in the chosen format."""
    card = record.scorecards[-1] if record.scorecards else None
    if fmt is ExportFormat.JSON:
        return to_json(record.transcript, card)
    return to_markdown(record.transcript, card, library)


def to_json(transcript: Transcript, card: Scorecard | None) -> str:
    """The transcript and latest scorecard as one JSON document."""
    payload = {
        "transcript": transcript.model_dump(mode="json"),
        "scorecard": card.model_dump(mode="json") if card else None,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


_SPEAKER = {Role.INTERVIEWER: "Interviewer", Role.CANDIDATE: "Candidate", Role.SYSTEM: "Note"}


def to_markdown(transcript: Transcript, card: Scorecard | None, library: Library) -> str:
    """A readable review document: transcript with timings, then every score with evidence."""
    info = transcript.session
    lines = [
        f"# mockloop session {info.id}",
        "",
        f"- Started: {info.started_at:%Y-%m-%d %H:%M} UTC",
        f"- Interviewer: {info.interviewer}",
        f"- Rounds: {', '.join(p.round.title for p in info.plan)}",
        f"- Status: {'finished' if transcript.ended else 'unfinished (resumable)'}",
        "",
        "## Transcript",
    ]
    current = None
    for turn in transcript.turns:
        if turn.round is not current:
            current = turn.round
            lines += ["", f"### {turn.round.title}"]
        timing = f" _({turn.elapsed_s:.0f} s{', timed out' if turn.timed_out else ''})_"
        speaker = _SPEAKER[turn.role]
        if turn.kind is TurnKind.QUESTION:
            lines += ["", f"#### Question: `{turn.question_id}`", "", turn.text.strip()]
        else:
            suffix = timing if turn.role is Role.CANDIDATE else ""
            lines += ["", f"**{speaker}**{suffix}:", "", turn.text.strip() or "_(empty)_"]
    lines += ["", "## Scores", ""]
    if card is None:
        lines.append("Not scored yet: run `mockloop score " + info.id + "`.")
        return "\n".join(lines) + "\n"
    lines += [engine_line(card), "", f"**Overall: {fmt_score(card.overall)}**", ""]
    lines += ["| Round | Questions | Score |", "|---|---:|---:|"]
    lines += [f"| {r.round.title} | {r.questions} | {fmt_score(r.overall)} |" for r in card.rounds]
    for score in card.questions:
        question = library.question(score.question_id)
        lines += ["", f"### `{score.question_id}` ({score.topic}): {fmt_score(score.overall)}", ""]
        lines += ["| Criterion | Score | Rationale |", "|---|---:|---|"]
        for c in score.criteria:
            value = "n/a" if c.score is None else str(c.score)
            lines.append(f"| {c.criterion} | {value} | {c.rationale.replace('|', '/')} |")
        quotes = [e for c in score.criteria for e in c.evidence]
        if quotes:
            lines += ["", "Evidence:"] + [f"> “{e.quote}” ({e.supports})" for e in quotes]
        if score.missed_points:
            lines += ["", "Missed key points:"]
            lines += [f"- {question.key_point(p).text}" for p in score.missed_points]
        lines += ["", "Reference answer:", "", question.reference_answer.strip()]
    if card.study_next:
        lines += ["", "## Study next", ""] + [f"- {tip}" for tip in card.study_next]
    return "\n".join(lines) + "\n"
