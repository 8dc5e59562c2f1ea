"""Exports of a session for reviewers: Markdown, self-contained HTML and JSON, secrets redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mockloop import __version__
from mockloop.content import Library
from mockloop.models import Role, Scorecard, Transcript, TurnKind, Usage, utcnow
from mockloop.redact import redact, redact_data, secret_values, visible
from mockloop.reports import engine_line, fmt_score
from mockloop.store import SessionRecord
from mockloop.timefmt import clock_time

EXPORT_FORMAT: Literal["mockloop.export/1"] = "mockloop.export/1"


class ExportFormat(StrEnum):
    """Formats `mockloop export` writes."""

    MD = "md"
    HTML = "html"
    JSON = "json"


class ExportDoc(BaseModel):
    """The JSON export: everything needed to read or re-score a session elsewhere."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["mockloop.export/1"] = EXPORT_FORMAT
    exported_at: str = ""
    mockloop_version: str = ""
    transcript: Transcript
    scorecard: Scorecard | None = None


def export(
    record: SessionRecord, library: Library, fmt: ExportFormat, secrets: Iterable[str] = ()
) -> str:
    """Render a session in the chosen format, with API keys and secret-looking text redacted.

    `secrets` adds values to hide on top of the known key shapes and the secret-looking
    environment variables of this process (OPENAI_API_KEY, MOCKLOOP_API_KEY, ...).
    """
    hidden = [*secrets, *secret_values()]
    card = record.scorecards[-1] if record.scorecards else None
    if fmt is ExportFormat.JSON:
        doc = ExportDoc(
            exported_at=utcnow().isoformat(),
            mockloop_version=__version__,
            transcript=record.transcript,
            scorecard=card,
        )
        clean = redact_data(doc.model_dump(mode="json"), hidden)
        return json.dumps(clean, indent=2, ensure_ascii=False) + "\n"
    if fmt is ExportFormat.HTML:
        return to_html(record.transcript, card, library, hidden)
    return redact(to_markdown(record.transcript, card, library), hidden)


# -- the review: one view, two renderings ------------------------------------------------------

_SPEAKER = {Role.INTERVIEWER: "Interviewer", Role.CANDIDATE: "Candidate", Role.SYSTEM: "Note"}


def models_and_cost(transcript: Transcript, card: Scorecard | None) -> list[str]:
    """Which engines ran and what they cost, one line each."""
    info = transcript.session
    interviewer = info.interviewer_model or "scripted (offline)"
    lines = [f"Interviewer: {interviewer}"]
    lines += [
        f"Interviewer model {model}: {spent.total_tokens:,} tokens"
        f"{' (estimated)' if spent.estimated else ''}, "
        + ("cost unknown" if spent.cost_usd is None else f"${spent.cost_usd:.4f}")
        + " in all sittings."
        for model, spent in interviewer_usage(transcript).items()
    ]
    lines.append(engine_line(card) if card else "Not scored yet.")
    return lines


def interviewer_usage(transcript: Transcript) -> dict[str, Usage]:
    """What each interviewer model cost over the whole session, every resume included."""
    totals: dict[str, Usage] = {}
    for turn in transcript.turns:
        record = turn.meta.usage
        if record is not None and record.who == "interviewer":
            totals[record.model] = totals.get(record.model, Usage(cost_usd=0.0)) + record.usage
    return totals


def review(transcript: Transcript, card: Scorecard | None, library: Library) -> dict[str, Any]:
    """Everything a reviewer reads, as plain data for the templates."""
    info = transcript.session
    rounds: list[dict[str, Any]] = []
    working = 0.0  # time since the candidate's last answer: /run and /hint turns carry some of it
    for turn in transcript.turns:
        working = turn.elapsed_s if turn.kind is TurnKind.QUESTION else working + turn.elapsed_s
        took, working = (working, 0.0) if turn.role is Role.CANDIDATE else (0.0, working)
        if not rounds or rounds[-1]["round"] is not turn.round:
            rounds.append({"round": turn.round, "title": turn.round.title, "turns": []})
        rounds[-1]["turns"].append(
            {
                "kind": turn.kind.value,
                "speaker": _SPEAKER[turn.role],
                "role": turn.role.value,
                "question_id": turn.question_id,
                "text": turn.text.strip(),
                "code": turn.kind is TurnKind.TEST_RUN or looks_like_code(turn.text),
                "elapsed": _took(took) if turn.role is Role.CANDIDATE else "",
                "timed_out": turn.timed_out,
            }
        )
    questions = []
    for score in card.questions if card else []:
        question = library.question(score.question_id)
        questions.append(
            {
                "id": score.question_id,
                "topic": score.topic,
                "round": score.round.title,
                "overall": fmt_score(score.overall),
                "scored_by": score.scored_by,
                "criteria": [
                    {
                        "name": c.criterion,
                        "score": "n/a" if c.score is None else str(c.score),
                        "rationale": c.rationale,
                        "evidence": [(e.quote, e.supports) for e in c.evidence],
                    }
                    for c in score.criteria
                ],
                "flags": score.flags,
                "missed": [question.key_point(p).text for p in score.missed_points],
                "reference": question.reference_answer.strip(),
            }
        )
    return {
        "id": info.id,
        "started": f"{info.started_at:%Y-%m-%d %H:%M} UTC",
        "rounds_planned": ", ".join(p.round.title for p in info.plan),
        "status": "finished" if transcript.ended else "unfinished (resumable)",
        "models": models_and_cost(transcript, card),
        "rounds": rounds,
        "overall": fmt_score(card.overall) if card else None,
        "round_scores": [
            (r.round.title, r.questions, fmt_score(r.overall))
            for r in (card.rounds if card else [])
        ],
        "questions": questions,
        "study_next": card.study_next if card else [],
    }


# Markdown treats these as syntax anywhere (emphasis, code, links, images, raw HTML, tables,
# entities); a backslash makes each literal (CommonMark: any ASCII punctuation may be escaped).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")
# ...and these only at the start of a line (lists, setext headings, thematic breaks).
_MD_LINE_START = re.compile(r"^([ \t]*)([-+=]|\d+[.)])", re.M)


def md_text(text: str) -> str:
    """Text from a session (an answer, a model's words) as Markdown that renders as that text.

    No heading, table, link, image or HTML tag it contains can render as such; control
    characters are shown as escapes.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", visible(text))
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}", escaped)


def md_line(text: str) -> str:
    """`md_text` on one line (table cells, quotes): line breaks become spaces."""
    return md_text(" ".join(text.split()))


def md_fence(text: str, language: str = "text") -> list[str]:
    """Verbatim text (candidate answers, test output) in a fence no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", visible(text), fence]


def _took(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 60 else f"{clock_time(seconds)} min"


_CODE_LINE = re.compile(
    r"^(\s{4,}\S|(def|class|import|from|return|async def|for|if|with)\b.*[:)\w]$)"
)


def looks_like_code(text: str) -> bool:
    """True for an answer that is mostly Python (shown as code), not prose with a code word."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(lines) >= 2 and sum(bool(_CODE_LINE.match(line)) for line in lines) * 2 >= len(lines)


def to_markdown(transcript: Transcript, card: Scorecard | None, library: Library) -> str:
    """A readable review document: transcript with timings, then every score with evidence.

    Everything a session holds is untrusted (the candidate's answers, and a model's words,
    which an answer can steer): the candidate's text is fenced, all other text escaped.
    """
    view = review(transcript, card, library)
    lines = [
        f"# mockloop session {md_line(view['id'])}",
        "",
        f"- Started: {view['started']}",
        f"- Rounds: {view['rounds_planned']}",
        f"- Status: {view['status']}",
        *(f"- {md_line(line)}" for line in view["models"]),
        "",
        "## Transcript",
    ]
    for round_ in view["rounds"]:
        lines += ["", f"### {round_['title']}"]
        for turn in round_["turns"]:
            lines += ["", *_md_turn(turn)]
    lines += ["", "## Scores", ""]
    if card is None:
        lines.append(f"Not scored yet: run `mockloop score {view['id']}`.")
        return "\n".join(lines) + "\n"
    lines += [f"**Overall: {view['overall']}**", ""]
    lines += ["| Round | Questions | Score |", "|---|---:|---:|"]
    lines += [f"| {title} | {n} | {score} |" for title, n, score in view["round_scores"]]
    for q in view["questions"]:
        lines += _md_question(q)
    if view["study_next"]:
        lines += ["", "## Study next", ""] + [f"- {md_line(tip)}" for tip in view["study_next"]]
    return "\n".join(lines) + "\n"


def _md_turn(turn: dict[str, Any]) -> list[str]:
    if turn["kind"] == "question":
        return [f"#### Question: `{turn['question_id']}`", "", md_text(turn["text"])]
    timing = ""
    if turn["elapsed"]:
        timing = f" _({turn['elapsed']}{', timed out' if turn['timed_out'] else ''})_"
    head = [f"**{turn['speaker']}**{timing}:", ""]
    if not turn["text"]:
        return [*head, "_(empty)_"]
    if turn["role"] == "candidate" or turn["kind"] == "test_run":
        code = turn.get("code") and turn["kind"] != "test_run"
        return [*head, *md_fence(turn["text"], "python" if code else "text")]
    return [*head, md_text(turn["text"])]


def _md_question(q: dict[str, Any]) -> list[str]:
    by = f" ({md_line(q['scored_by'])})" if q.get("scored_by") else ""
    lines = ["", f"### `{q['id']}` ({md_line(q['topic'])}): {q['overall']}{by}", ""]
    lines += ["| Criterion | Score | Rationale |", "|---|---:|---|"]
    for c in q["criteria"]:
        lines.append(f"| {md_line(c['name'])} | {c['score']} | {md_line(c['rationale'])} |")
    quotes = [e for c in q["criteria"] for e in c["evidence"]]
    if quotes:
        lines += ["", "Evidence:"]
        lines += [f"> “{md_line(quote)}” ({md_line(what)})" for quote, what in quotes]
    if q["flags"]:
        lines += ["", "Flags: " + "; ".join(md_line(flag) for flag in q["flags"])]
    if q["missed"]:
        lines += ["", "Missed key points:"] + [f"- {md_line(text)}" for text in q["missed"]]
    return [*lines, "", "Reference answer:", "", md_text(q["reference"])]


def to_html(
    transcript: Transcript, card: Scorecard | None, library: Library, hidden: Iterable[str] = ()
) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no network) that prints well."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("mockloop", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Jinja escapes the markup; control characters are shown as escapes too.
    view = _visible_data(redact_data(review(transcript, card, library), list(hidden)))
    return env.get_template("export.html.j2").render(v=view, version=__version__)


def _visible_data(data: Any) -> Any:
    """`visible` applied to every string inside a JSON-like structure."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {k: _visible_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(_visible_data(item) for item in data)
    return data
