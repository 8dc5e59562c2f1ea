"""Exit codes and the one place where errors become a single line for the user."""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from typing import Any

import typer
from typer.core import TyperGroup


class ExitStatus(IntEnum):
    """mockloop's exit codes, documented in the README."""

    OK = 0
    FAILED = 1  # a failed check, or a score below --fail-under
    USAGE = 2  # bad usage or bad input
    INTERRUPTED = 130


class UserError(Exception):
    """An error the user can fix; shown as one line, exit code 2 unless said otherwise."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
        super().__init__(message)
        self.status = status


def _known_errors() -> tuple[type[Exception], ...]:
    # Imported late: the CLI must start without loading pydantic or yaml for --help.
    from mockloop.content import ContentError, SelectionError, UnknownQuestion
    from mockloop.store import StoreError

    errors: list[type[Exception]] = [
        UserError,
        ContentError,
        SelectionError,
        StoreError,
        UnknownQuestion,
    ]
    if "mockloop.llm.gateway" in sys.modules:
        errors.append(sys.modules["mockloop.llm.gateway"].LLMError)
    return tuple(errors)


def traceback_wanted() -> bool:
    """Tracebacks only when asked for, with --traceback or MOCKLOOP_DEBUG=1."""
    return os.environ.get("MOCKLOOP_DEBUG", "") not in ("", "0")


class MockloopGroup(TyperGroup):
    """A Typer group that turns known errors into one line on stderr and an exit code."""

    # ctx is Any: Typer vendors its own click, whose Context type is private.
    def invoke(self, ctx: Any) -> Any:
        """Run the command; map known errors to their exit status."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # --help and typer.Exit arrive here too: decide without importing pydantic for them.
            known = type(exc).__module__.startswith("mockloop.") and isinstance(
                exc, _known_errors()
            )
            if not known or traceback_wanted():
                raise
            for line in str(exc).splitlines() or ["unknown error"]:
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(int(getattr(exc, "status", ExitStatus.USAGE))) from None
