"""`mockloop sessions`: list past sessions from the index."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(epilog="Example: mockloop sessions --limit 10")(sessions)


def sessions(
    limit: Annotated[int, typer.Option(min=1, help="How many to show, newest first.")] = 20,
) -> None:
    """List past sessions: id, date, rounds, engine, status and overall score."""
    from rich import box
    from rich.table import Table

    from mockloop.store import Index
    from mockloop.terminal import Terminal

    rows = Index().sessions(limit)
    terminal = Terminal.create()
    if not rows:
        terminal.err.print("No sessions yet. Start one with `mockloop interview`.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("Session", "Started", "Rounds", "Engine", "Status", "Score"):
        # Ids and dates must stay whole to be copied; the rest may wrap on narrow terminals.
        table.add_column(
            column,
            justify="right" if column == "Score" else "left",
            no_wrap=column in ("Session", "Started", "Score"),
        )
    for row in rows:
        score = "" if row["overall"] is None else f"{row['overall']:.2f}"
        rounds = ", ".join(SHORT_ROUND.get(r, r) for r in row["rounds"].split(","))
        engine = "offline" if row["interviewer"] == "scripted" else row["interviewer"]
        status = "done" if row["ended"] else "resumable"
        table.add_row(
            row["id"], row["started_at"][:16].replace("T", " "), rounds, engine, status, score
        )
    terminal.out.print(table)


SHORT_ROUND = {
    "coding": "code",
    "fundamentals": "fund",
    "system_design": "design",
    "takehome": "take-home",
}
