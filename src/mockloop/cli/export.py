"""`mockloop export`: a session as Markdown, HTML or JSON, for reviewers."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    """Export formats (mirrors mockloop.export.ExportFormat without importing it)."""

    MD = "md"
    HTML = "html"
    JSON = "json"


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(epilog="Example: mockloop export 2026-11-22-a1b2 --format md -o review.md")(export)


def export(
    session: Annotated[str, typer.Argument(help="Session id, id prefix, or .jsonl path.")],
    fmt: Annotated[
        Format, typer.Option("--format", "-f", metavar="FORMAT", help="md, html or json.")
    ] = Format.MD,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file (default: stdout)."
        ),
    ] = None,
) -> None:
    """Export a session: transcript with timings, scores, evidence, reference answers, models.

    API keys and secret-looking values are redacted in every format.
    """
    from mockloop.cli.common import library
    from mockloop.cli.errors import UserError
    from mockloop.export import ExportFormat
    from mockloop.export import export as render
    from mockloop.store import read_session, resolve_session

    record = read_session(resolve_session(session))
    text = render(record, library(), ExportFormat(fmt.value), secrets=_configured_key())
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc.strerror}") from None
    typer.echo(f"Wrote {output}", err=True)


def _configured_key() -> list[str]:
    """The API key from config.toml, if any: environment values are redacted already."""
    from mockloop.config import ConfigError, load_settings

    try:
        key = load_settings().api_key
    except ConfigError:
        return []  # a broken config must not block an export (nor leak: shapes still apply)
    return [key] if key else []
