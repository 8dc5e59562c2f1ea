"""How a finished session is shown: the scorecard on the terminal, --json, --junit, --fail-under."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mockloop.errors import ExitStatus, UserError

if TYPE_CHECKING:
    from mockloop.content import Library
    from mockloop.models import Scorecard
    from mockloop.tui.terminal import Terminal


@dataclass(frozen=True)
class Report:
    """How a finished session is reported: terminal, --json, --junit, --fail-under."""

    json_output: bool = False
    junit: Path | None = None
    fail_under: float | None = None

    def write_junit(self, sessions: list[tuple[Scorecard, Path]]) -> None:
        """Write the JUnit file for these scored sessions, if one was asked for."""
        from mockloop.reports import junit_xml
        from mockloop.store import read_session

        if self.junit is None:
            return
        xml = junit_xml(
            [(card, read_session(path).transcript) for card, path in sessions], self.fail_under
        )
        try:
            self.junit.write_text(xml, encoding="utf-8")
        except OSError as exc:
            message = f"{self.junit}: cannot write the JUnit report: {exc.strerror}"
            raise UserError(message) from None


def report_scorecard(
    card: Scorecard, path: Path, lib: Library, terminal: Terminal, report: Report, *, outcome: str
) -> None:
    """Show or print a scorecard, write the JUnit file, and exit 1 under --fail-under."""
    from mockloop.reports import passes, result_doc
    from mockloop.tui.render import scorecard

    report.write_junit([(card, path)])
    if report.json_output:
        doc = result_doc(card, path, outcome, report.fail_under)
        typer.echo(doc.model_dump_json(indent=2))
    else:
        terminal.out.print(scorecard(card, lib))
        terminal.out.print(
            f"\nSession {card.session_id} saved to {path}\n"
            "Quotes, criteria and reference answers: "
            f"mockloop export {card.session_id} --format md -o {card.session_id}.md"
        )
    if report.fail_under is not None and not passes(card.overall, report.fail_under):
        shown = "no score" if card.overall is None else f"{card.overall:.2f}"
        terminal.err.print(f"Overall {shown} is below --fail-under {report.fail_under:.2f}.")
        raise typer.Exit(ExitStatus.FAILED)
