"""How a question and the answer editor share one screen, from 60x20 up.

The question is printed above the editor; if the two together are taller than the screen, the
terminal scrolls the question's first lines away. So a question panel takes at most the screen
less EDITOR_ROWS (the rest is cut, with a note that /repeat shows it all), and the editor takes
at most the rows the question leaves, scrolling inside itself (see editor.py).
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from mockloop.tui.terminal import question_panel

EDITOR_ROWS = 8  # kept for the editor: 7 lines to type in (the /command menu needs 4), a toolbar
MIN_QUESTION_ROWS = 5  # a question panel never shrinks below its frame and 3 lines of text
MORE = "… /repeat shows it all"


def question_limit(height: int) -> int:
    """The most rows a question panel may take on a screen `height` rows tall."""
    return max(MIN_QUESTION_ROWS, height - EDITOR_ROWS)


def fitted_question(console: Console, text: str, title: str) -> Panel:
    """The question panel, cut where needed to leave the editor its rows on `console`'s screen."""
    panel = question_panel(text, title)
    limit = question_limit(console.size.height)
    if _rows(console, panel, console.width) <= limit:
        return panel
    return question_panel(text, title, height=limit, more=MORE)


def question_rows(console: Console, text: str, width: int, height: int) -> int:
    """Rows the fitted panel of `text` takes on a `width` x `height` screen."""
    panel = question_panel(text, "")
    return min(_rows(console, panel, width), question_limit(height))


def _rows(console: Console, panel: Panel, width: int) -> int:
    return len(console.render_lines(panel, console.options.update_width(width), pad=False))
