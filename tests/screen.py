"""A prompt-toolkit Output that keeps a character grid, as a terminal of a given size would.

Rows count from the row where the prompt started. prompt-toolkit draws a prompt with relative
cursor moves, CR/LF, erase and plain writes, and calls flush() after each frame; every frame is
kept, with the cursor where the person would see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from prompt_toolkit.data_structures import Size
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.utils import get_cwidth


@dataclass(frozen=True)
class Frame:
    """What the prompt's rows showed after one redraw, and where the cursor was."""

    rows: list[str]
    cursor: tuple[int, int]  # (row, column)


class ScreenOutput(DummyOutput):
    """Records what prompt-toolkit draws below the prompt's first row."""

    def __init__(self, columns: int, rows: int) -> None:
        self.size = Size(rows=rows, columns=columns)
        self.grid: list[list[str]] = [[]]
        self.row = self.col = 0
        self.frames: list[Frame] = []

    def get_size(self) -> Size:
        return self.size

    def get_rows_below_cursor_position(self) -> int:
        return 1  # the question was just printed: the prompt starts on the last row

    def _line(self) -> list[str]:
        while len(self.grid) <= self.row:
            self.grid.append([])
        return self.grid[self.row]

    def write(self, data: str) -> None:
        for char in data:
            if char == "\r":
                self.col = 0
            elif char == "\n":
                self.row += 1
                self._line()
            else:
                line = self._line()
                while len(line) <= self.col:
                    line.append(" ")
                line[self.col] = char
                self.col += max(1, get_cwidth(char))

    def write_raw(self, data: str) -> None:
        """Escape sequences (titles, colours) take no cells."""

    def cursor_up(self, amount: int) -> None:
        self.row = max(0, self.row - amount)

    def cursor_down(self, amount: int) -> None:
        self.row += amount

    def cursor_forward(self, amount: int) -> None:
        self.col += amount

    def cursor_backward(self, amount: int) -> None:
        self.col = max(0, self.col - amount)

    def erase_end_of_line(self) -> None:
        del self._line()[self.col :]

    def erase_down(self) -> None:
        self.erase_end_of_line()
        del self.grid[self.row + 1 :]

    def flush(self) -> None:
        rows = ["".join(line).rstrip() for line in self.grid]
        self.frames.append(Frame(rows, (self.row, self.col)))

    def editing(self, marker: str) -> list[Frame]:
        """The frames drawn while the editor was open: those showing the toolbar's `marker`."""
        return [f for f in self.frames if any(marker in row for row in f.rows)]
