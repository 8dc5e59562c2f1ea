"""The one place where errors become a single line for the user and an exit code."""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from mockloop.errors import ExitStatus, MockloopError, UserError

__all__ = ["ExitStatus", "MockloopGroup", "UserError", "traceback_wanted"]


def traceback_wanted() -> bool:
    """Tracebacks only when asked for, with --traceback or MOCKLOOP_DEBUG=1."""
    return os.environ.get("MOCKLOOP_DEBUG", "") not in ("", "0")


class MockloopGroup(TyperGroup):
    """A Typer group that turns mockloop's errors and Ctrl-C into one line and an exit code."""

    # ctx is Any: Typer vendors its own click, whose Context type is private.
    def invoke(self, ctx: Any) -> Any:
        """Run the command; map MockloopError to its status and Ctrl-C to 130."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            if traceback_wanted():
                raise
            # Commands that hold a session say how to resume before this; the rest just stop.
            typer.echo("\nInterrupted.", err=True)
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except MockloopError as exc:
            if traceback_wanted():
                raise
            for line in str(exc).splitlines() or ["unknown error"]:
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(int(exc.status)) from None
