"""Rich renderings of scorecards and session lists for the terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockloop.content import Library
from mockloop.models import Scorecard


def fmt_score(value: float | None) -> str:
    """`3.40` or `n/a` for insufficient evidence."""
    return "n/a" if value is None else f"{value:.2f}"


def engine_line(card: Scorecard) -> str:
    """Which engine produced a scorecard, said plainly."""
    if card.judge.engine == "keypoints":
        similarity = card.judge.settings.get("similarity", "?")
        return f"Scored offline by the key-point scorer ({similarity} similarity); no model used."
    usage = card.judge.settings.get("usage") or {}
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    cost = usage.get("cost_usd")
    spent = f"; {tokens:,} tokens, " + ("cost unknown" if cost is None else f"${cost:.4f}")
    return (
        f"Scored by LLM judge {card.judge.model} (prompt {card.judge.prompt_version}"
        f"{spent if usage else ''})."
    )


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
        question = library.question(score.question_id)
        table = Table(
            title=f"{score.question_id} ({score.topic}): {fmt_score(score.overall)}",
            title_justify="left",
            show_lines=False,
            expand=True,
        )
        table.add_column("Criterion", no_wrap=True)
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("Why")
        for c in score.criteria:
            why = c.rationale
            if c.evidence:
                why += "\n" + "\n".join(f"“{e.quote}” ({e.supports})" for e in c.evidence[:3])
            table.add_row(c.criterion, "n/a" if c.score is None else str(c.score), why)
        parts.append(table)
        if score.missed_points:
            missed = "; ".join(question.key_point(p).text for p in score.missed_points)
            parts.append(Text(f"Missed: {missed}", style="yellow"))
        for flag in score.flags:
            parts.append(Text(f"Note: {flag}", style="yellow"))
        parts.append(
            Panel(
                question.reference_answer.strip(),
                title="Reference answer",
                title_align="left",
                border_style="dim",
            )
        )
    if card.study_next:
        parts.append(Text("Study next", style="bold"))
        parts.extend(Text(f"  • {tip}") for tip in card.study_next)
    return Group(*parts)
