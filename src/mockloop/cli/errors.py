"""The one place where errors become a single line for the user and an exit code."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from mockloop.errors import ExitStatus, MockloopError, UserError

__all__ = ["ExitStatus", "MockloopGroup", "UserError", "traceback_wanted"]


def traceback_wanted() -> bool:
    """Tracebacks only when asked for, with --traceback or the debug setting (MOCKLOOP_DEBUG)."""
    from mockloop.cli.context import environment
    from mockloop.config import ConfigError, current

    if environment().debug:
        return True
    try:
        return current().debug
    except ConfigError:
        return False  # a bad config is itself the error being reported


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
