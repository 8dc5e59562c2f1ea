"""Rich renderings of scorecards and session lists for the terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockloop.content import Library
from mockloop.models import QuestionScore, Role, Round, Scorecard, SessionInfo, Turn, TurnKind
from mockloop.reports import engine_line, fmt_score
from mockloop.timefmt import clock_time, duration
from mockloop.tui.terminal import prose


def scorecard(card: Scorecard, library: Library) -> RenderableType:
    """The final scorecard: per round, per question and criterion, evidence and study tips."""
    parts: list[RenderableType] = [Text(engine_line(card), style="dim")]
    rounds = Table(title="Rounds", title_justify="left", expand=False)
    rounds.add_column("Round")
    rounds.add_column("Questions", justify="right")
    rounds.add_column("Score", justify="right")
    for r in card.rounds:
        rounds.add_row(r.round.title, str(r.questions), fmt_score(r.overall))
    rounds.add_row(Text("Overall", style="bold"), "", Text(fmt_score(card.overall), style="bold"))
    parts.append(rounds)
    for score in card.questions:
        parts.extend(_question_parts(score, library))
    if card.study_next:
        parts.append(Text("\nStudy next", style="bold"))
        parts.append(_bullets(card.study_next))
    return Group(*parts)


def _question_parts(score: QuestionScore, library: Library) -> list[RenderableType]:
    """One question's criteria table, what was missed, notes and the reference answer."""
    question = library.question(score.question_id)
    by = f" [{score.scored_by}]" if score.scored_by else ""
    title = Text(f"\n{score.question_id} ({score.topic}): {fmt_score(score.overall)}{by}", "bold")
    table = Table(expand=True)
    table.add_column("Criterion", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Why", ratio=1)  # only this column takes the spare width
    for c in score.criteria:
        why = c.rationale
        if c.evidence:
            why += "\n" + "\n".join(f"“{e.quote}” ({e.supports})" for e in c.evidence[:3])
        table.add_row(c.criterion, "n/a" if c.score is None else str(c.score), why)
    prompt = Text(" ".join(question.prompt.split()), style="italic")
    parts: list[RenderableType] = [title, prompt, table]
    if score.missed_points:
        parts.append(Text("Missed", style="bold yellow"))
        parts.append(_bullets([question.key_point(p).text for p in score.missed_points]))
    for flag in score.flags:
        parts.append(Text(f"Note: {flag}", style="yellow"))
    parts.append(
        Panel(
            # prose() joins the bank's hard-wrapped lines into paragraphs that fit the screen.
            prose(question.reference_answer.strip()),
            title="Reference answer",
            title_align="left",
            border_style="dim",
        )
    )
    return parts


def _bullets(items: list[str]) -> Table:
    """A bulleted list whose wrapped lines stay indented under their bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(ratio=1)
    for item in items:
        grid.add_row("•", item)
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
