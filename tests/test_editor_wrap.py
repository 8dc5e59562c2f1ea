"""Soft wrap in the answer editor: rows break between words, on screen only.

The editor runs for real (prompt-toolkit's pipe input); its output is a ScreenOutput of a fixed
size that keeps the character grid prompt-toolkit draws, so the assertions read the screen.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.layout.controls import BufferControl
from prompt_toolkit.layout.processors import TransformationInput
from rich.console import Console

from mockloop.content import Library
from mockloop.ports import FakeClock, Prompt
from mockloop.rounds import Round
from mockloop.tui.editor import TerminalCandidate
from mockloop.tui.terminal import Terminal
from mockloop.tui.wrap import WordWrap, pad_points
from screen import Frame, ScreenOutput

SUBMIT = "\x1b\r"
LEFT, SHIFT_RIGHT, UP, DOWN = "\x1b[D", "\x1b[1;2C", "\x1b[A", "\x1b[B"
BACKSPACE = "\x7f"
PARAGRAPH = (
    "Hybrid search combines lexical retrieval such as BM25 with dense vector similarity, so "
    "that exact identifiers like error codes and paraphrased questions both find their "
    "passages; reciprocal rank fusion then merges the two ranked lists without calibrating "
    "their scores, and a cross-encoder reranks the top fifty before generation."
)
ANSWER = PARAGRAPH + "\r\rA second paragraph: chunking by headings keeps each passage coherent."


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def editor(keys: PipeInput, columns: int, rows: int) -> tuple[TerminalCandidate, ScreenOutput]:
    screen = ScreenOutput(columns, rows)
    console = Console(file=io.StringIO(), width=columns, height=rows)
    terminal = Terminal(out=console, err=console, interactive=True)
    return TerminalCandidate(terminal, FakeClock(), input=keys, output=screen, tick=0.01), screen


def ask(library: Library) -> Prompt:
    question = library.question("mini-hybrid-search")
    return Prompt(
        round=Round.FUNDAMENTALS,
        question=question,
        index=1,
        total=2,
        message="",
        question_deadline=None,
        round_deadline=None,
    )


def text_rows(frame: Frame) -> list[str]:
    """The editor's rows without the two-column prompt and continuation, toolbar left out."""
    return [row[2:] for row in frame.rows if "Q1/2" not in row]


def script(
    screen: ScreenOutput, keys: PipeInput, steps: list[tuple[Callable[[], bool], str]]
) -> list[Frame]:
    """In a thread, for each step: once `ready` holds and a later frame was drawn, note that
    frame, then send the step's keys. Returns the noted frames (filled in as the steps run)."""
    seen: list[Frame] = []

    def run() -> None:
        for ready, text in steps:
            deadline = time.monotonic() + 10
            while not ready() and time.monotonic() < deadline:
                time.sleep(0.005)
            drawn = len(screen.frames)
            while len(screen.frames) == drawn and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(0.05)  # a redraw may already be queued behind the one just seen
            seen.append(screen.frames[-1])
            keys.send_text(text)

    threading.Thread(target=run, daemon=True).start()
    return seen


@pytest.mark.parametrize("columns", [60, 80])
def test_prose_wraps_between_words_and_the_answer_has_no_added_newline(
    keys: PipeInput, mini_library: Library, columns: int
) -> None:
    candidate, screen = editor(keys, columns, 24)
    keys.send_text(ANSWER + SUBMIT)
    reply = candidate.reply(ask(mini_library))
    assert reply.text == ANSWER.replace("\r", "\n")  # what was typed, and nothing more
    rows = text_rows(screen.frames[-1])
    assert len(rows) >= 6  # the first paragraph really wraps (≥ 4 rows at 80 columns)
    assert all(len(row) <= columns - 2 for row in rows)
    # Every word on screen is a whole word of the answer, in order: none was cut in two.
    assert " ".join(rows).split() == ANSWER.split()


def test_the_cursor_lands_on_a_word_that_moved_to_the_next_row(
    keys: PipeInput, mini_library: Library
) -> None:
    candidate, screen = editor(keys, 60, 24)
    # "with" is the first word of the second row at 60 columns; put the cursor on its "w".
    target = PARAGRAPH.index("with dense")
    buffer = candidate.session.default_buffer
    seen = script(screen, keys, [(lambda: buffer.cursor_position == target, "X" + SUBMIT)])
    keys.send_text(PARAGRAPH + LEFT * (len(PARAGRAPH) - target))
    reply = candidate.reply(ask(mini_library))
    assert reply.text == PARAGRAPH[:target] + "X" + PARAGRAPH[target:]
    [frame] = seen
    row, column = frame.cursor
    assert frame.rows[row].startswith("  with dense")  # the word begins the row, after the margin
    assert column == 2  # and the cursor is on its first letter, not in the padding


def test_a_selection_across_a_wrap_removes_exactly_the_selected_text(
    keys: PipeInput, mini_library: Library
) -> None:
    candidate, _ = editor(keys, 60, 24)
    start = PARAGRAPH.index("BM25")  # the last word of the first row at 60 columns
    end = PARAGRAPH.index("vector") + len("vector")  # well into the second row
    keys.send_text(PARAGRAPH + LEFT * (len(PARAGRAPH) - start))
    keys.send_text(SHIFT_RIGHT * (end - start) + BACKSPACE + SUBMIT)
    reply = candidate.reply(ask(mini_library))
    assert reply.text == PARAGRAPH[:start] + PARAGRAPH[end:]


def test_up_and_down_walk_the_rows_of_a_wrapped_paragraph(
    keys: PipeInput, mini_library: Library
) -> None:
    candidate, screen = editor(keys, 60, 24)
    buffer = candidate.session.default_buffer
    end = len(PARAGRAPH)
    seen = script(
        screen,
        keys,
        [
            (lambda: buffer.cursor_position == end, UP),
            (lambda: buffer.cursor_position < end, DOWN),
            (lambda: buffer.cursor_position == end, SUBMIT),
        ],
    )
    keys.send_text(PARAGRAPH)
    assert candidate.reply(ask(mini_library)).text == PARAGRAPH
    typed, up, down = (frame.cursor for frame in seen)
    assert up == (typed[0] - 1, typed[1])  # one screen row up, same column
    assert down == typed


# -- the padding itself -------------------------------------------------------------------------


def rows_of(text: str, width: int) -> list[str]:
    """Apply WordWrap to one line and cut its display text the way a wrapping Window does."""
    processor = WordWrap()
    transformation = processor.apply_transformation(
        TransformationInput(BufferControl(), Document(text), 0, lambda i: i, [("", text)], width, 1)
    )
    shown = "".join(fragment[1] for fragment in transformation.fragments)
    for index in range(len(text) + 1):  # the position maps undo each other
        display = transformation.source_to_display(index)
        assert transformation.display_to_source(display) == index
        assert index == len(text) or shown[display] == text[index]
    return [shown[i : i + width].rstrip() for i in range(0, len(shown), width)]


def test_rows_break_at_spaces_and_a_word_longer_than_a_row_is_still_cut() -> None:
    assert rows_of("alpha beta gamma delta", 12) == ["alpha beta", "gamma delta"]
    long = "x" * 25
    assert rows_of(f"see {long} ok", 10) == ["see xxxxxx", "x" * 10, "x" * 9, "ok"]


def test_wrapped_code_continues_under_its_indent() -> None:
    line = "        total = compute(first_argument, second_argument)"
    assert rows_of(line, 40) == [
        "        total = compute(first_argument,",
        "        second_argument)",
    ]


def test_a_row_never_starts_with_the_space_after_a_word() -> None:
    # "abc" would fill the row up to its last column, and the space after it would open the
    # next row; the word moves down instead.
    assert rows_of("a abc de", 5) == ["a", "abc", "de"]


def test_no_padding_when_every_word_fits() -> None:
    assert pad_points([1] * 11, [c == " " for c in "short words"], lambda _: 40) == {}


def test_up_from_a_line_lands_on_the_last_row_of_the_line_above() -> None:
    text = "alpha beta gamma delta\nshort"
    wrap = WordWrap()
    below = Document(text, len(text) - 2)  # "sho|rt": column 3 of the second line
    up = wrap.vertical(below, -1, 12)  # rows: "alpha beta ", "gamma delta", then "short"
    assert up == text.index("gamma") + 3
    assert wrap.vertical(Document(text, up), +1, 12) == len(text) - 2
    assert wrap.vertical(Document(text, 2), -1, 12) is None  # the first row: nowhere to go
