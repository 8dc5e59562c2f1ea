"""Soft wrap at word boundaries for the answer editor, on display only.

prompt-toolkit 3.0 wraps a long line at the last column that fits, mid-word, and has no hook to
choose where (no wrap finder). This processor pads a row with spaces so that the character wrap
falls where a word starts. The padding is display text: the buffer, the cursor, arrow keys and
selections keep working on the typed text, and the answer carries no inserted newline.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import AnyFormattedText, StyleAndTextTuples, to_formatted_text
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.layout.utils import explode_text_fragments
from prompt_toolkit.utils import get_cwidth

LinePrefix = Callable[[int, int], AnyFormattedText]


Place = tuple[int, int]  # (row, column) of a character on screen, column after the row's prefix


def pad_points(
    widths: Sequence[int], spaces: Sequence[bool], row: Callable[[int], int], indent: int = 0
) -> dict[int, int]:
    """Where to pad (character index -> columns) so that rows break between words.

    `widths` are the characters' cell widths, `spaces` marks the spaces, `row(k)` is how many
    columns row k has, `indent` how far rows after the first start in (code keeps its indent).
    A word moves to the next row when it does not fit with the space after it (a space must not
    start a row); a word longer than a whole row is still cut, as before.
    """
    return _flow(widths, spaces, row, indent)[0]


def _flow(
    widths: Sequence[int], spaces: Sequence[bool], row: Callable[[int], int], indent: int
) -> tuple[dict[int, int], list[Place]]:
    """The padding, and where each character (and the cursor cell after the last) lands."""
    pads: dict[int, int] = {}
    places: list[Place] = []
    wrap = x = 0
    fresh = True  # nothing placed on this row yet

    def break_before(index: int) -> None:
        nonlocal wrap, x, fresh
        fill = row(wrap) - x + indent  # blank the rest of this row, then indent the next
        if fill > 0:
            pads[index] = pads.get(index, 0) + fill
        wrap, x, fresh = wrap + 1, indent, True

    start, size = 0, len(widths)
    while start < size:
        end = start
        while end < size and not spaces[end]:
            end += 1
        if end > start:  # a word: widths[start:end]
            # With the space after it; at the end, the cell prompt-toolkit keeps for the cursor.
            word = sum(widths[start:end]) + (widths[end] if end < size else 1)
            if not fresh and x + word > row(wrap) and indent + word <= row(wrap + 1):
                break_before(start)
        for index in range(start, max(end, start + 1)):  # the word, or one space
            if x + widths[index] > row(wrap):
                break_before(index)
            places.append((wrap, x))
            x += widths[index]
            fresh = False
        start = max(end, start + 1)
    places.append((wrap, x) if x < row(wrap) else (wrap + 1, indent))
    return pads, places


class WordWrap(Processor):
    """Pads rows so that a wrapped editor line breaks between words, never inside one.

    `prefix` is the window's line prefix (the prompt and the continuation), which takes columns
    from every row; without it each row is the full width.
    """

    def __init__(self, prefix: LinePrefix | None = None) -> None:
        self.prefix = prefix

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        """The line's fragments with padding before each word that would otherwise be cut."""
        row = self._row_width(ti.lineno, ti.width)
        if fragment_list_width(ti.fragments) < row(0):  # most lines: one row, nothing to do
            return Transformation(ti.fragments)
        chars = explode_text_fragments(ti.fragments)
        pads, _ = self._layout([text for _, text, *_ in chars], row)
        if not pads:
            return Transformation(ti.fragments)
        fragments: StyleAndTextTuples = []
        for index, fragment in enumerate(chars):
            if index in pads:
                fragments.append(("class:soft-wrap", " " * pads[index]))
            fragments.append(fragment)
        return _shifted(fragments, pads)

    def vertical(self, document: Document, step: int, width: int) -> int | None:
        """The cursor index one screen row up (`step` -1) or down (+1); None past either end.

        The cursor keeps its screen column as near as the row allows, across wrapped rows and
        from one line to the next, as in any editor with soft wrap.
        """
        lineno = document.cursor_position_row
        places = self._places(document, lineno, width)
        row, column = places[document.cursor_position_col]
        column += self._prefix_width(lineno, row, width)  # the screen column
        row += step
        if not 0 <= row <= places[-1][0]:  # past this line's rows: the next line's nearest row
            lineno += step
            if not 0 <= lineno < document.line_count:
                return None
            places = self._places(document, lineno, width)
            row = places[-1][0] if step < 0 else 0
        prefix = self._prefix_width(lineno, row, width)
        on_row = [i for i, (r, _) in enumerate(places) if r == row]
        index = max((i for i in on_row if prefix + places[i][1] <= column), default=on_row[0])
        return document.translate_row_col_to_index(lineno, index)

    def _places(self, document: Document, lineno: int, width: int) -> list[Place]:
        return self._layout(list(document.lines[lineno]), self._row_width(lineno, width))[1]

    def _layout(
        self, chars: list[str], row: Callable[[int], int]
    ) -> tuple[dict[int, int], list[Place]]:
        widths = [get_cwidth(char) for char in chars]
        spaces = [char == " " for char in chars]
        indent = next((i for i, space in enumerate(spaces) if not space), 0)
        # Wrapped code continues under its own indent, unless that leaves too little room.
        return _flow(widths, spaces, row, indent if indent <= row(1) // 2 else 0)

    def _prefix_width(self, lineno: int, wrap: int, width: int) -> int:
        return width - self._row_width(lineno, width)(wrap)

    def _row_width(self, lineno: int, width: int) -> Callable[[int], int]:
        """Columns of each row of line `lineno`: the width less that row's prefix."""
        known: dict[int, int] = {}  # asked once per character: measure each row's prefix once

        def row(wrap: int) -> int:
            if wrap not in known:
                prefix = self.prefix(lineno, wrap) if self.prefix else ""
                known[wrap] = max(1, width - fragment_list_width(to_formatted_text(prefix)))
            return known[wrap]

        return row


def _shifted(fragments: StyleAndTextTuples, pads: dict[int, int]) -> Transformation:
    """The transformation with position maps that step over the padding."""
    points = sorted(pads)
    shifts: list[int] = []  # display shift from each pad point on
    total = 0
    for point in points:
        total += pads[point]
        shifts.append(total)
    starts = [point + shift for point, shift in zip(points, shifts, strict=True)]

    def source_to_display(index: int) -> int:
        at = bisect_right(points, index)
        return index + (shifts[at - 1] if at else 0)

    def display_to_source(index: int) -> int:
        # A position inside the padding belongs to the word after it.
        at = bisect_right(starts, index)
        if at < len(points) and index >= starts[at] - pads[points[at]]:
            return points[at]
        return index - (shifts[at - 1] if at else 0)

    return Transformation(
        fragments, source_to_display=source_to_display, display_to_source=display_to_source
    )
