"""A long question with long starter code fits the screen from 60x20 to 200x50.

The transcript view prints the question (rich, at the screen's size), then the real editor opens
below it with the starter code (pipe input, a ScreenOutput of the same size). The terminal shows
the last `rows` lines of the two together; the question's first line must be among them.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from prompt_toolkit.input import PipeInput, create_pipe_input
from rich.console import Console

from mockloop.content import Library, load_library
from mockloop.models import Question, Role, Turn, TurnKind, TurnMeta
from mockloop.ports import FakeClock, Prompt
from mockloop.rounds import Round
from mockloop.tui.editor import TerminalCandidate
from mockloop.tui.fit import EDITOR_ROWS, MORE
from mockloop.tui.terminal import Terminal
from mockloop.tui.view import TranscriptView
from screen import ScreenOutput

SUBMIT = "\x1b\r"
SIZES = [(60, 20), (80, 24), (200, 50)]


@pytest.fixture(scope="module")
def longest() -> Question:
    """The built-in coding question with the most to show: its prompt plus its starter code."""
    library: Library = load_library()
    coding = [q for q in library.questions if q.starter_code and q.tests is not None]
    return max(coding, key=lambda q: len(q.prompt) / 56 + len((q.starter_code or "").splitlines()))


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def terminal(columns: int, rows: int) -> tuple[Terminal, io.StringIO]:
    file = io.StringIO()
    console = Console(file=file, width=columns, height=rows, color_system=None)
    return Terminal(out=console, err=console, interactive=True), file


def coding_prompt(question: Question) -> Prompt:
    """The editor's prompt for `question`, asked as the first of one, with no time limit."""
    return Prompt(
        round=Round.CODING,
        question=question,
        index=1,
        total=1,
        message=question.prompt,
        question_deadline=None,
        round_deadline=None,
    )


def question_turn(question: Question) -> Turn:
    return Turn(
        seq=0,
        round=Round.CODING,
        question_id=question.id,
        role=Role.INTERVIEWER,
        kind=TurnKind.QUESTION,
        text=question.prompt,
        meta=TurnMeta(index=1, total=1),
    )


def screen_when_the_editor_opens(
    keys: PipeInput, question: Question, columns: int, rows: int
) -> tuple[list[str], list[str], int]:
    """(what the terminal shows, the question's printed lines, the editor's rows)."""
    term, printed = terminal(columns, rows)
    TranscriptView(term).on_turn(question_turn(question))
    asked = printed.getvalue().splitlines()
    output = ScreenOutput(columns, rows)
    candidate = TerminalCandidate(term, FakeClock(), input=keys, output=output, tick=0.01)

    def submit_once_drawn() -> None:
        deadline = time.monotonic() + 10
        while not output.editing("Q1/1") and time.monotonic() < deadline:
            time.sleep(0.01)
        keys.send_text(SUBMIT)

    threading.Thread(target=submit_once_drawn, daemon=True).start()
    prompt = coding_prompt(question)
    reply = candidate.reply(prompt)
    assert reply.text == (question.starter_code or "").rstrip()  # the editor held the code
    frames = output.editing("Q1/1")
    # The prompt's height on screen: down to its toolbar, the last row it draws.
    height = max(i for f in frames for i, row in enumerate(f.rows) if "Q1/1" in row) + 1
    last = frames[-1].rows[:height]
    return (asked + last)[-rows:], asked, height


@pytest.mark.parametrize(("columns", "rows"), SIZES)
def test_the_question_stays_on_screen_above_its_starter_code(
    keys: PipeInput, longest: Question, columns: int, rows: int
) -> None:
    shown, _, editor_rows = screen_when_the_editor_opens(keys, longest, columns, rows)
    first_words = " ".join(longest.prompt.split()[:4])
    assert any("question 1 of 1" in line for line in shown)  # the panel's top border
    assert any(first_words in line for line in shown)  # the question's first line
    assert "Q1/1" in shown[-1]  # and the toolbar, at the bottom
    assert editor_rows >= EDITOR_ROWS  # room to type: the code scrolls inside the editor
    assert all(len(line) <= columns for line in shown)


def test_a_small_screen_cuts_the_question_and_says_how_to_see_it_all(
    keys: PipeInput, longest: Question
) -> None:
    _, asked, _ = screen_when_the_editor_opens(keys, longest, 60, 20)
    assert MORE in asked[-1]
    assert len(asked) == 20 - EDITOR_ROWS


def test_a_large_screen_shows_the_whole_question_and_gives_the_editor_the_rest(
    keys: PipeInput, longest: Question
) -> None:
    _, asked, editor_rows = screen_when_the_editor_opens(keys, longest, 200, 50)
    assert not any(MORE in line for line in asked)
    last_words = " ".join(longest.prompt.split()[-3:])
    assert any(last_words in line for line in asked)
    assert len(asked[0]) == 200  # the panel spans the width, like the welcome banner
    code_lines = len((longest.starter_code or "").splitlines())
    # The editor grows to fit the code (plus its toolbar) while the question keeps its rows.
    assert editor_rows == min(code_lines + 1, 50 - len(asked))


def test_repeat_shows_the_whole_question_even_where_it_was_cut(
    keys: PipeInput, longest: Question
) -> None:
    term, printed = terminal(60, 20)
    candidate = TerminalCandidate(term, FakeClock(), input=keys, output=ScreenOutput(60, 20))
    keys.send_text("\r/repeat\r" + SUBMIT)
    prompt = coding_prompt(longest)
    candidate.reply(prompt)
    flat = " ".join(printed.getvalue().replace("│", " ").split())
    assert " ".join(longest.prompt.split()[-6:]) in flat
    assert MORE not in flat


def test_an_answers_file_run_prints_the_question_whole(longest: Question) -> None:
    term, printed = terminal(60, 20)
    TranscriptView(term, show_candidate=True).on_turn(question_turn(longest))
    assert MORE not in printed.getvalue()
    assert len(printed.getvalue().splitlines()) > 20 - EDITOR_ROWS
