"""`mockloop import`: load a transcript exported elsewhere, to review or re-score it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("import", epilog="Example: mockloop import review.json")(import_session)


def import_session(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.json", exists=True, dir_okay=False, help="A `mockloop export -f json`."
        ),
    ],
) -> None:
    """Import an exported session (JSON) into your history; then score or export it here."""
    from mockloop.cli.common import library
    from mockloop.cli.context import environment
    from mockloop.importer import import_export

    imported = import_export(source, library())
    terminal = environment().terminal
    if imported.renamed_from:
        terminal.note(f"A session {imported.renamed_from} already exists here; imported as a copy.")
    scored = "with its scorecard" if imported.scored else "not scored yet"
    terminal.out.print(
        f"Imported session {imported.session_id} ({scored}) to {imported.path}\n"
        f"Re-score it: mockloop score {imported.session_id} --judge-model MODEL",
        highlight=False,
    )
