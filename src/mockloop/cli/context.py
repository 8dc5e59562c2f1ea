"""The command's Environment: the one the caller passed (`app(obj=env)`), else the system's.

The app's callback runs before every command and calls `begin`; commands call `environment()`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from mockloop.environment import Environment

_current: ContextVar[Environment | None] = ContextVar("mockloop_environment", default=None)


def _system_terminal(quiet: bool) -> Any:
    from mockloop.tui.terminal import Terminal

    return Terminal.create(quiet=quiet)


def begin(given: object) -> Environment:
    """Start a command in `given` (a test's Environment) or in one built from the real streams."""
    env = given if isinstance(given, Environment) else Environment(make_terminal=_system_terminal)
    _current.set(env)
    return env


def environment(*, quiet: bool | None = None) -> Environment:
    """The running command's Environment; `quiet` (--json) is set before the terminal is made."""
    env = _current.get() or begin(None)
    if quiet is not None:
        env.quiet = quiet
    return env
