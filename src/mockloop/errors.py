"""mockloop's exit codes and the base of every error a user can act on.

No dependencies: the CLI's one error handler imports this at start-up, and every part of
mockloop (content, store, llm, sandbox, ...) derives its errors from `MockloopError`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """mockloop's exit codes, documented in the README."""

    OK = 0
    FAILED = 1  # a failed check, or a score below --fail-under
    USAGE = 2  # bad usage or bad input
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class MockloopError(Exception):
    """An error shown to the user as one line per problem, with the exit status it carries."""

    status: ExitStatus = ExitStatus.USAGE

    def __init__(self, message: str = "", status: ExitStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class UserError(MockloopError):
    """Bad usage or bad input the user can fix (exit 2 unless said otherwise)."""
