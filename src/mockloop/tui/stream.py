"""Markdown that streams in without breaking scrollback.

The text so far is rendered in full on every update; the lines that can no longer change (all but
the last few) are printed once, normally, so they scroll like any output. Only the last lines live
in a rich Live region and are redrawn. This is the approach of aider's MarkdownStream.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.padding import Padding
from rich.text import Text

LIVE_LINES = 6  # how many of the last rendered lines may still change


class MarkdownStream:
    """Shows a message as it arrives: `update(text_so_far)` as chunks come, then `close()`."""

    def __init__(
        self,
        console: Console,
        *,
        live: bool,
        header: RenderableType | None = None,
        indent: int = 2,
        min_interval: float = 0.05,
        on_close: Callable[[str], None] | None = None,
    ) -> None:
        self.console = console
        self.live = live  # False (no terminal, NO_COLOR, dumb): print the whole message at close
        self.header = header
        self.indent = indent
        self.min_interval = min_interval
        self.on_close = on_close
        self.text = ""
        self._printed = 0  # rendered lines already in scrollback
        self._live: Live | None = None
        self._last = 0.0
        self._started = False
        self._closed = False

    def __enter__(self) -> MarkdownStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def update(self, text: str) -> None:
        """The whole message so far (not a delta); redraws at most every `min_interval` s."""
        self.text = text
        if not self.live or self._closed:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return
        self._last = now
        self._render(final=False)

    def close(self) -> None:
        """Print what is left and stop redrawing; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.live:
                self._render(final=True)
            elif self.text.strip():
                self._start()
                self.console.print(self._body())
        finally:
            if self._live is not None:
                self._live.stop()
            if self.on_close is not None:
                self.on_close(self.text)

    def _body(self) -> RenderableType:
        return Padding(Markdown(self.text), (0, 0, 0, self.indent))

    def _start(self) -> None:
        if not self._started and self.header is not None:
            self.console.print(self.header)
        self._started = True

    def _lines(self) -> list[str]:
        """The message rendered as the console would, one string (with ANSI styles) per line."""
        buffer = io.StringIO()
        renderer = Console(
            file=buffer,
            force_terminal=True,
            color_system=self.console.color_system,  # type: ignore[arg-type]
            no_color=self.console.no_color,
            width=self.console.width,
            highlight=False,
            emoji=False,
        )
        renderer.print(self._body())
        lines = buffer.getvalue().splitlines(keepends=True)
        while lines and not Text.from_ansi(lines[0]).plain.strip():
            del lines[0]  # rich puts a blank line before a leading list: not under a header
        return lines

    def _render(self, *, final: bool) -> None:
        if not self.text.strip():
            return
        self._start()
        lines = self._lines()
        settled = len(lines) if final else max(0, len(lines) - LIVE_LINES)
        if self._live is None:
            self._live = Live(Text(""), console=self.console, auto_refresh=False, transient=True)
            self._live.start()
        # The new tail is drawn first; printing the settled lines then redraws it below them.
        tail = "" if final else "".join(lines[settled:]).rstrip("\n")
        self._live.update(Text.from_ansi(tail), refresh=True)
        if settled > self._printed:
            # Printed above the live region: these lines go to scrollback exactly once.
            chunk = "".join(lines[self._printed : settled]).rstrip("\n")
            self._live.console.print(Text.from_ansi(chunk))
            self._printed = settled
