"""The one terminal object: every byte mockloop shows a person goes through here."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockloop.models import Role, SessionInfo, Turn, TurnKind
from mockloop.render import round_summary
from mockloop.store import Event, SessionRecord
from mockloop.stream import MarkdownStream

_LEVEL_STYLES = {"info": "cyan", "warn": "bold yellow", "urgent": "bold red"}


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
    plain: bool = False  # no colours, no live redrawing
    _streamed: list[str] = field(default_factory=list, init=False, repr=False)

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
            err=Console(
                stderr=True,
                highlight=False,
                no_color=plain_err,
                emoji=False,
                quiet=quiet,
                force_terminal=False if plain_err else None,
            ),
            plain=plain_err,
        )

    def error(self, message: str) -> None:
        """One error line on stderr."""
        self.err.print(Text(f"error: {message}", style="bold red"))

    def note(self, message: str) -> None:
        """A dim informational line on stderr."""
        self.err.print(Text(message, style="dim"))

    def say(self, message: str, level: str = "info") -> None:
        """A line that matters now (`info`, `warn` or `urgent`), e.g. a time warning."""
        self.err.print(Text(message, style=_LEVEL_STYLES.get(level, "")))

    def table(self, rows: Iterable[tuple[str, str]]) -> None:
        """Two aligned columns, e.g. the /help list."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for left, right in rows:
            grid.add_row(left, right)
        self.err.print(Padding(grid, (0, 0, 0, 2)))

    def message(self, text: str, *, title: str) -> None:
        """An interviewer message shown again (e.g. /repeat) in the question's frame."""
        self.err.print(question_panel(text, title))

    def mute(self) -> None:
        """Stop writing: the terminal has gone (SIGHUP), and writing to it would fail."""
        self.out.quiet = self.err.quiet = True

    def stream_markdown(self, header: str | None = "Interviewer") -> MarkdownStream:
        """A Markdown message that streams in: `.update(text_so_far)`, then `.close()`.

        Use it as a context manager. The turn the engine records afterwards with the same text is
        not printed a second time.
        """
        label = Text(header, style="bold cyan") if header else None
        return MarkdownStream(
            self.err,
            live=not (self.plain or self.err.quiet),
            header=label,
            on_close=self._streamed.append,
        )

    def take_streamed(self, text: str) -> bool:
        """True (once) if `text` was already shown by a stream."""
        for index, shown in enumerate(self._streamed):
            if shown.strip() == text.strip():
                del self._streamed[index]
                return True
        return False


def question_panel(text: str, title: str) -> Panel:
    """A question in a frame titled with its round and position."""
    return Panel(Markdown(text), title=title, title_align="left", border_style="cyan")


_LABELS = {
    TurnKind.FRAMING: "",
    TurnKind.FOLLOW_UP: " · follow-up",
    TurnKind.HINT: " · hint",
}


class TranscriptView:
    """Renders turns as they are recorded (the engine's listener for people)."""

    def __init__(
        self,
        terminal: Terminal,
        *,
        show_candidate: bool = False,
        info: SessionInfo | None = None,
        history: Iterable[Turn] = (),
    ) -> None:
        self.terminal = terminal
        # A person typing sees their own words already; an answers file should be echoed.
        self.show_candidate = show_candidate
        self.info = info
        self.turns: list[Turn] = list(history)  # for the summaries between rounds

    def on_turn(self, turn: Turn) -> None:
        """Show one turn."""
        self.turns.append(turn)
        self._show(turn)

    def _show(self, turn: Turn) -> None:
        console = self.terminal.err
        if turn.kind is TurnKind.QUESTION:
            index, total = turn.meta.get("index"), turn.meta.get("total")
            title = f"{turn.round.title} · question {index} of {total}"
            console.print(question_panel(turn.text, title))
        elif turn.role is Role.INTERVIEWER:
            if self.terminal.take_streamed(turn.text):
                return
            if turn.kind is TurnKind.FRAMING:
                console.rule(turn.round.title, style="cyan")
            label = _LABELS.get(turn.kind, "")
            console.print(Text("Interviewer", style="bold cyan") + Text(label, style="cyan"))
            console.print(Padding(Markdown(turn.text), (0, 0, 0, 2)))
        elif turn.role is Role.CANDIDATE and self.show_candidate:
            console.print(Text("You: ", style="green") + Text(_shorten(turn.text)))
        elif turn.role is Role.SYSTEM:
            console.print(_system_line(turn))

    def on_event(self, event: Event) -> None:
        """Summarise a round when it ends."""
        if event.event == "round_done" and event.round is not None:
            self.terminal.err.print(
                round_summary(event.round, self.turns, self.info, reason=event.reason)
            )

    def resume_context(self, record: SessionRecord) -> None:
        """On resume, show the question in progress (and what was said about it) again."""
        done = record.done_questions()
        turns = record.transcript.turns
        current = next(
            (
                t.question_id
                for t in reversed(turns)
                if t.question_id and t.question_id not in done and t.kind is TurnKind.QUESTION
            ),
            None,
        )
        self.terminal.note(f"Resuming session {record.transcript.session.id}.")
        for turn in turns:
            if current is not None and turn.question_id == current:
                if turn.role is Role.CANDIDATE and not self.show_candidate:
                    you = Text("You: ", style="green") + Text(_shorten(turn.text))
                    self.terminal.err.print(you)
                elif not turn.meta.get("paused"):
                    self._show(turn)


def _system_line(turn: Turn) -> RenderableType:
    if turn.kind is TurnKind.TEST_RUN:
        return Padding(Text(turn.text, style="magenta"), (0, 0, 0, 2))
    style = "bold red" if turn.meta.get("timeout") else "yellow"
    return Text(turn.text, style=style)


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
