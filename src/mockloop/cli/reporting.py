"""How a finished session is shown: the scorecard on the terminal, --json, --junit, --fail-under."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

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
        self.save_junit(lambda out: out.write(xml))

    def save_junit(self, write: Callable[[TextIO], object]) -> None:
        """Write the JUnit file through `write`; a file that cannot be written is one line."""
        assert self.junit is not None
        try:
            with self.junit.open("w", encoding="utf-8") as out:
                write(out)
        except OSError as exc:
            message = f"{self.junit}: cannot write the JUnit report: {exc.strerror}"
            raise UserError(message) from None


class BatchReport:
    """The report of many sessions, written as each scorecard arrives (a batch's `sink`).

    --json prints each session's document as it comes and --junit gathers suites in a scratch
    file, so memory stays flat in the number of sessions; only the table's two short cells per
    session and the count below --fail-under are kept.
    """

    def __init__(self, report: Report, terminal: Terminal) -> None:
        from mockloop.reports import JunitWriter

        self.report = report
        self.terminal = terminal
        self.rows: list[tuple[str, str]] = []  # session, overall: the table, without --json
        self.below = 0
        self._printed = 0
        self._closed = False
        self._junit = None if report.junit is None else JunitWriter(report.fail_under)

    def __call__(self, path: Path, card: Scorecard) -> None:
        """Report one session's scorecard."""
        from mockloop.reports import passes, result_doc
        from mockloop.store import read_session

        fail_under = self.report.fail_under
        if fail_under is not None and not passes(card.overall, fail_under):
            self.below += 1
        if self._junit is not None:
            self._junit.add(card, read_session(path).transcript)
        if self.report.json_output:
            doc = result_doc(card, path, "scored", fail_under).model_dump_json(indent=2)
            typer.echo(("[" if not self._printed else ",\n") + doc, nl=False)
            self._printed += 1
        else:
            self.rows.append((path.stem, "n/a" if card.overall is None else f"{card.overall:.2f}"))

    def close(self) -> None:
        """End the JSON array and write the JUnit file (also after Ctrl-C: valid, if partial)."""
        if self._closed:
            return
        self._closed = True
        if self.report.json_output:
            typer.echo("]" if self._printed else "[]")
        if self._junit is not None:
            junit, self._junit = self._junit, None
            try:
                self.report.save_junit(junit.finish)
            finally:
                junit.close()


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
