"""The one terminal object: every byte mockloop shows a person goes through here."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from mockloop.models import Role, Turn, TurnKind
from mockloop.store import Event


def _plain(stream: TextIO) -> bool:
    """True when colours and live widgets would be noise: NO_COLOR, a dumb terminal, or no TTY."""
    return bool(
        os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb" or not stream.isatty()
    )


@dataclass
class Terminal:
    """Owns rich output (stdout for results, stderr for chatter) and knows if a person is there."""

    out: Console = field(default_factory=lambda: Console(highlight=False))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty() and sys.stdout.isatty())

    @classmethod
    def create(cls, *, quiet: bool = False) -> Terminal:
        """A terminal for this process; plain text where colour or widgets would not work."""
        plain_out, plain_err = _plain(sys.stdout), _plain(sys.stderr)
        return cls(
            out=Console(
                highlight=False,
                no_color=plain_out,
                emoji=False,
                force_terminal=False if plain_out else None,
            ),
            err=Console(stderr=True, highlight=False, no_color=plain_err, emoji=False, quiet=quiet),
        )

    def error(self, message: str) -> None:
        """One error line on stderr."""
        self.err.print(Text(f"error: {message}", style="bold red"))

    def note(self, message: str) -> None:
        """A dim informational line on stderr."""
        self.err.print(Text(message, style="dim"))


class TranscriptView:
    """Renders turns as they are recorded (the engine's listener for people)."""

    def __init__(self, terminal: Terminal, *, show_candidate: bool = False) -> None:
        self.terminal = terminal
        # A person typing sees their own words already; an answers file should be echoed.
        self.show_candidate = show_candidate

    def on_turn(self, turn: Turn) -> None:
        """Show one turn."""
        console = self.terminal.err
        if turn.kind is TurnKind.QUESTION:
            index, total = turn.meta.get("index"), turn.meta.get("total")
            title = f"{turn.round.title} · question {index} of {total}"
            console.print(
                Panel(Markdown(turn.text), title=title, title_align="left", border_style="cyan")
            )
        elif turn.role is Role.INTERVIEWER:
            label = {TurnKind.FOLLOW_UP: "Follow-up", TurnKind.HINT: "Hint"}.get(turn.kind)
            prefix = f"[bold]{label}:[/bold] " if label else ""
            console.print(f"[cyan]Interviewer[/cyan] {prefix}", end="")
            console.print(Markdown(turn.text))
        elif turn.role is Role.CANDIDATE and self.show_candidate:
            console.print(Text("You: ", style="green"), Text(_shorten(turn.text)))
        elif turn.role is Role.SYSTEM:
            console.print(Text(turn.text, style="yellow"))

    def on_event(self, event: Event) -> None:
        """Mark the end of a round."""
        if event.event == "round_done" and event.round is not None:
            self.terminal.err.rule(f"{event.round.title}: done", style="dim")


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
