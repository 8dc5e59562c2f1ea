"""Rich renderings of scorecards and session lists for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockloop.content import Library
from mockloop.models import QuestionScore, Role, Round, Scorecard, SessionInfo, Turn, TurnKind
from mockloop.reports import engine_line, fmt_score
from mockloop.scoring import STUDY_BELOW
from mockloop.timefmt import clock_time, duration


def scorecard(card: Scorecard, library: Library) -> RenderableType:
    """The final scorecard, compact: rounds, one line per question, what to study next.

    Quotes, criteria and reference answers are in the export; a full loop fits two screens.
    """
    parts: list[RenderableType] = [Text(engine_line(card), style="dim")]
    rounds = Table(title="Rounds", title_justify="left", expand=False, box=box.SIMPLE_HEAD)
    rounds.add_column("Round")
    rounds.add_column("Questions", justify="right")
    rounds.add_column("Score", justify="right")
    for r in card.rounds:
        rounds.add_row(r.round.title, str(r.questions), fmt_score(r.overall))
    rounds.add_row(Text("Overall", style="bold"), "", Text(fmt_score(card.overall), style="bold"))
    parts.append(rounds)
    parts.append(_questions_table(card, library))
    if card.study_next:
        parts.append(Text("Study next", style="bold"))
        # Text, not markup: bank text such as `Sequence[dict[str, Any]]` must keep its brackets.
        parts.append(_bullets([Text(_clip(item, 150)) for item in card.study_next[:5]]))
    weak = [s.question_id for s in card.questions if _weak(s)][:3]
    if weak:
        again = " ".join(f"-q {q}" for q in weak)
        parts.append(Text(f"Practise them again: mockloop interview {again}", style="dim"))
    return Group(*parts)


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary (the export has the full text)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _weak(score: QuestionScore) -> bool:
    return score.overall is None or score.overall < STUDY_BELOW


def _questions_table(card: Scorecard, library: Library) -> Table:
    """One row per question: id, round, score and the first thing that was missed."""
    table = Table(title="Questions", title_justify="left", expand=True, box=box.SIMPLE_HEAD)
    table.add_column("Question", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Missed", ratio=1, no_wrap=True, overflow="ellipsis")
    for score in card.questions:
        question = library.question(score.question_id)
        missed = [question.key_point(p).text for p in score.missed_points]
        more = f" (+{len(missed) - 1})" if len(missed) > 1 else ""
        note = (missed[0] + more) if missed else (score.flags[0] if score.flags else "")
        if score.scored_by:  # e.g. the judge model failed and the offline judge scored it
            note = f"[{score.scored_by}] {note}"
        table.add_row(score.question_id, fmt_score(score.overall), Text(note))
    return table


def _bullets(items: Sequence[str | Text]) -> Table:
    """A bulleted list whose wrapped lines stay indented under their bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(ratio=1)
    for item in items:
        grid.add_row("•", item if isinstance(item, Text) else Text(item))
    return grid


def _status(turns: list[Turn], question_id: str) -> str:
    own = [t for t in turns if t.question_id == question_id]
    if any(t.meta.action == "skip" for t in own if t.role is Role.SYSTEM):
        return "skipped"
    if any(t.meta.timeout for t in own if t.role is Role.SYSTEM):
        return "timed out"
    if any(t.kind is TurnKind.ANSWER for t in own):
        return "answered"
    return "not answered"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def round_summary(
    round_: Round, turns: list[Turn], info: SessionInfo | None, *, reason: str = ""
) -> RenderableType:
    """A few lines between rounds: what was asked, how it went, the time used, what comes next."""
    mine = [t for t in turns if t.round is round_]
    asked = [t.question_id for t in mine if t.kind is TurnKind.QUESTION and t.question_id]
    statuses = [_status(mine, q) for q in asked]
    counts = ", ".join(f"{statuses.count(s)} {s}" for s in dict.fromkeys(statuses))
    plan = next((p for p in info.plan if p.round is round_), None) if info else None
    of = f" of {len(plan.question_ids)}" if plan else ""
    lines = [f"Questions: {len(asked)}{of} asked" + (f" ({counts})" if counts else "")]
    follow_ups = sum(t.kind is TurnKind.FOLLOW_UP for t in mine)
    hints = sum(t.kind is TurnKind.HINT for t in mine)
    lines.append(f"{_plural(follow_ups, 'follow-up')} · {_plural(hints, 'hint')}")
    used = clock_time(sum(t.elapsed_s for t in mine))
    if info is not None and info.timer and plan is not None:
        used += f" of {duration(plan.time_limit_s * info.time_scale)}"
    lines.append(
        f"Time used: {used}" + (" · you ended the round early" if reason == "ended early" else "")
    )
    lines.append(_next_line(round_, info))
    return Panel(
        "\n".join(lines),
        title=f"{round_.title}: done",
        title_align="left",
        border_style="dim",
        expand=False,
    )


def _next_line(round_: Round, info: SessionInfo | None) -> str:
    rounds = [p.round for p in info.plan] if info else []
    later = info.plan[rounds.index(round_) + 1 :] if info and round_ in rounds else []
    if not later:
        return "Next: the scorecard."
    plan = later[0]
    minutes = f", {duration(plan.time_limit_s * info.time_scale)}" if info and info.timer else ""
    return f"Next: {plan.round.title} ({_plural(len(plan.question_ids), 'question')}{minutes})."
