"""The one terminal object: every byte mockloop shows a person goes through here.

Kept light (rich only) so that quick commands such as `banks list` start fast.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from mockloop.tui.stream import MarkdownStream

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
        from mockloop.tui.stream import MarkdownStream

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


# Text that needs a Markdown renderer: code, emphasis, headings, links, tables, quotes, lists.
_MARKDOWN = re.compile(r"[`*_#|>\[]|^\s*(?:[-+]|\d+\.)\s", re.M)


def prose(text: str) -> RenderableType:
    """Markdown when the text uses it; otherwise plain text, with hard-wrapped lines re-flowed.

    rich's Markdown renderer costs ~0.1 s of imports, paid only when a message needs it.
    """
    if _MARKDOWN.search(text):
        from rich.markdown import Markdown

        return Markdown(text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return Text("\n\n".join(" ".join(p.split()) for p in paragraphs))


def question_panel(
    text: str, title: str, *, height: int | None = None, more: str | None = None
) -> Panel:
    """A question framed with its round and position; `height` cuts it and `more` says so."""
    return Panel(
        prose(text),
        title=title,
        title_align="left",
        border_style="cyan",
        height=height,
        subtitle=Text(more, style="dim") if more else None,
        subtitle_align="right",
    )
