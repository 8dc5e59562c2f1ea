"""The one object a command runs in: terminal, TTY facts, settings and clock.

The CLI builds it once at start (`mockloop.cli.context`); tests build their own and pass it to
the app (`CliRunner().invoke(app, args, obj=env)`), as httpie's Environment allows. The core
never builds a terminal: it receives this object.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the terminal is the tui's; the core only passes it on
    from mockloop.config import Settings
    from mockloop.ports import PausableClock
    from mockloop.tui.terminal import Terminal


@dataclass
class Environment:
    """Terminal, TTY facts, settings and the clock for one command."""

    make_terminal: Callable[[bool], Terminal]  # quiet -> terminal; called at most once
    stdin_isatty: bool = field(default_factory=lambda: sys.stdin.isatty())
    stdout_isatty: bool = field(default_factory=lambda: sys.stdout.isatty())
    quiet: bool = False  # --json: stdout carries the document only
    debug: bool = False  # --traceback: show tracebacks (the debug setting also does)
    _terminal: Terminal | None = field(default=None, init=False, repr=False)
    _clock: PausableClock | None = field(default=None, repr=False)

    @property
    def clock(self) -> PausableClock:
        """One pausable clock: the engine measures time with the clock that /pause and the
        Ctrl-C menu stop, so the terminal candidate and the engine share this one."""
        if self._clock is None:
            # Imported here: ports loads pydantic, which quick commands must not pay for.
            from mockloop.ports import PausableClock

            self._clock = PausableClock()
        return self._clock

    @property
    def terminal(self) -> Terminal:
        """The terminal, created on first use (rich is imported only then)."""
        if self._terminal is None:
            self._terminal = self.make_terminal(self.quiet)
        return self._terminal

    def settings(self, **flags: Any) -> Settings:
        """Settings from flags, then MOCKLOOP_* variables, then config.toml."""
        from mockloop.config import load_settings  # not at import: `--help` never reads config

        return load_settings(**flags)
