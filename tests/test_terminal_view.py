"""What a person sees around the editor: streamed Markdown, resume context, round summaries."""

from __future__ import annotations

import io
import re

from rich.console import Console

from mockloop.content import Library
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.models import Role, Round, Turn, TurnKind
from mockloop.ports import Action, FakeClock, Prompt, Reply
from mockloop.sessions import run_session
from mockloop.store import read_session
from mockloop.tui.stream import LIVE_LINES, MarkdownStream
from mockloop.tui.terminal import Terminal
from mockloop.tui.view import TranscriptView

from helpers import FunctionCandidate, new_session, run


def make_terminal() -> Terminal:
    return Terminal(
        out=Console(file=io.StringIO(), width=80),
        err=Console(file=io.StringIO(), width=80),
        interactive=True,
    )


def shown(terminal: Terminal) -> str:
    file = terminal.err.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def _screen(raw: str) -> tuple[list[str], int]:
    """Replay the cursor moves rich uses; return the final lines and the deepest move upwards."""
    lines, row, deepest = [""], 0, 0
    tokens = re.split(r"(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)", raw)
    for token in tokens:
        if not token:
            continue
        if token == "\n":
            row += 1
            lines.extend([""] * (row + 1 - len(lines)))
        elif token == "\r":
            continue
        elif token.endswith("A") and token.startswith("\x1b["):
            up = int(token[2:-1] or 1)
            row -= up
            deepest = max(deepest, len(lines) - 1 - row)
        elif token == "\x1b[2K":
            lines[row] = ""
        elif not token.startswith("\x1b"):
            lines[row] += token
    return [line.rstrip() for line in lines], deepest


def test_stream_markdown_prints_settled_lines_once_and_redraws_only_the_tail() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=60, color_system=None)
    paragraphs = [f"- point number {i} of the answer" for i in range(20)]
    with MarkdownStream(console, live=True, min_interval=0, header=None) as stream:
        for i in range(1, len(paragraphs) + 1):
            stream.update("\n".join(paragraphs[:i]))
    screen, deepest = _screen(buffer.getvalue())
    shown_lines = [line.strip() for line in screen if line.strip()]
    assert shown_lines == [f"• point number {i} of the answer" for i in range(20)]
    assert deepest <= LIVE_LINES + 1  # never redraws what scrolled away


def test_a_streamed_message_is_not_printed_twice() -> None:
    terminal = make_terminal()
    with terminal.stream_markdown() as stream:
        stream.update("How would you")
        stream.update("How would you merge the two lists?")
    view = TranscriptView(terminal)
    view.on_turn(
        Turn(
            seq=0,
            round=Round.FUNDAMENTALS,
            role=Role.INTERVIEWER,
            kind=TurnKind.FOLLOW_UP,
            text="How would you merge the two lists?",
        )
    )
    output = shown(terminal)
    assert output.count("How would you merge the two lists?") == 1


def test_resume_shows_the_question_in_progress(mini_library: Library) -> None:
    path = new_session(mini_library, topics=["rag"], count=1)
    replies = iter([Reply(Action.ANSWER, "Vector search finds paraphrases."), Reply(Action.QUIT)])
    run(path, mini_library, FunctionCandidate(lambda p: next(replies)))
    record = read_session(path)
    terminal = make_terminal()
    TranscriptView(terminal, info=record.transcript.session).resume_context(record)
    output = shown(terminal)
    assert "Why would you combine BM25 with vector search" in output
    assert "You: Vector search finds paraphrases." in output
    assert "How would you merge the two ranked lists?" in output
    assert "Session paused" not in output


def test_a_round_ends_with_a_short_summary(mini_library: Library) -> None:
    path = new_session(mini_library, count=2, seed=5)
    terminal = make_terminal()
    view = TranscriptView(terminal, info=read_session(path).transcript.session)
    replies = iter([Reply(Action.HINT), Reply(Action.SKIP), Reply(Action.END_ROUND)])
    clock = FakeClock()

    def respond(prompt: Prompt) -> Reply:
        clock.advance(30)
        return next(replies)

    run_session(
        path,
        mini_library,
        interviewer=ScriptedInterviewer(),
        candidate=FunctionCandidate(respond),
        clock=clock,
        listener=view,
    )
    output = shown(terminal)
    assert "Skipped." in output
    assert "The candidate" not in output  # the transcript narrates; the screen speaks to you
    assert "LLM fundamentals: done" in output
    assert "Questions: 2 of 2 asked (1 skipped, 1 not answered)" in output
    assert "0 follow-ups · 1 hint" in output
    assert "Time used: 1:30 of 45 min · you ended the round early" in output
    assert "Next: the scorecard." in output
