"""The answer editor through the real PromptSession: prompt-toolkit's pipe input, a dummy output.

Nothing about the terminal object is mocked: keys go in as bytes, the candidate's Reply comes out.
Time-outs and pauses use a FakeClock moved by a helper thread once the editor holds the text.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from mockloop.content import Library, load_library
from mockloop.engine import Outcome
from mockloop.models import CodeTests, Role, Round, TurnKind
from mockloop.paths import content_dirs
from mockloop.ports import Action, FakeClock, PausableClock, Prompt, Reply
from mockloop.tui.countdown import time_left, toolbar
from mockloop.tui.editor import TerminalCandidate
from mockloop.tui.signals import Terminated, save_on_signals
from mockloop.tui.slash import SLASH_COMMANDS
from mockloop.tui.terminal import Terminal

from conftest import FIXTURES
from helpers import FunctionCandidate, new_session, run

SUBMIT = "\x1b\r"  # Esc+Enter; terminals send Alt+Enter the same way
UP, DOWN = "\x1b[A", "\x1b[B"
CTRL_C = "\x03"


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def make_terminal() -> Terminal:
    return Terminal(
        out=Console(file=io.StringIO(), width=80),
        err=Console(file=io.StringIO(), width=80),
        interactive=True,
    )


def shown(candidate: TerminalCandidate) -> str:
    file = candidate.terminal.err.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def person(keys: PipeInput, clock: FakeClock | PausableClock | None = None) -> TerminalCandidate:
    return TerminalCandidate(
        make_terminal(), clock or FakeClock(), input=keys, output=DummyOutput(), tick=0.01
    )


def ask(
    library: Library,
    *,
    question_left: float | None = None,
    round_left: float | None = None,
    now: float = 0.0,
    draft: str = "",
    round_: Round = Round.FUNDAMENTALS,
) -> Prompt:
    question = library.question("mini-hybrid-search")
    return Prompt(
        round=round_,
        question=question,
        index=1,
        total=2,
        message=question.prompt,
        question_deadline=now + question_left if question_left is not None else None,
        round_deadline=now + round_left if round_left is not None else None,
        draft=draft,
    )


def once(condition: Callable[[], bool], then: Callable[[], None]) -> threading.Thread:
    """Run `then` in a thread as soon as `condition` holds (the editor is running meanwhile)."""

    def wait() -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)
        then()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


def typed(candidate: TerminalCandidate, text: str) -> Callable[[], bool]:
    return lambda: candidate.session.default_buffer.text == text


# -- submitting ---------------------------------------------------------------------------------


def test_esc_enter_submits_and_enter_adds_lines(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("BM25 finds exact terms.\rVectors find paraphrases." + SUBMIT)
    reply = candidate.reply(ask(mini_library, question_left=360, round_left=2700))
    assert reply == Reply(Action.ANSWER, "BM25 finds exact terms.\nVectors find paraphrases.")


def test_a_paste_keeps_its_lines(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("\x1b[200~def f():\n    return 1\n\x1b[201~" + SUBMIT)
    reply = candidate.reply(ask(mini_library, round_=Round.CODING))
    assert reply.text == "def f():\n    return 1"


def test_the_draft_comes_back_in_the_editor(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text(" and RRF" + SUBMIT)
    reply = candidate.reply(ask(mini_library, draft="Hybrid search"))
    assert reply.text == "Hybrid search and RRF"


def test_an_empty_submit_is_not_an_answer(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text(SUBMIT + "now an answer" + SUBMIT)
    assert candidate.reply(ask(mini_library)).text == "now an answer"
    assert "Nothing to submit yet" in shown(candidate)


# -- history ----------------------------------------------------------------------------------


def test_up_in_an_empty_editor_recalls_earlier_answers(
    keys: PipeInput, mini_library: Library
) -> None:
    candidate = person(keys)
    keys.send_text("first answer" + SUBMIT)
    keys.send_text("second\ranswer" + SUBMIT)
    keys.send_text(UP + UP + SUBMIT)  # two back: the first answer
    keys.send_text(UP + UP + DOWN + SUBMIT)  # two back, one forward: the (multi-line) second
    replies = [candidate.reply(ask(mini_library)).text for _ in range(4)]
    assert replies == ["first answer", "second\nanswer", "first answer", "second\nanswer"]


def test_up_never_replaces_an_answer_being_written(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("old answer" + SUBMIT)
    keys.send_text("new" + UP + UP + SUBMIT)
    candidate.reply(ask(mini_library))
    assert candidate.reply(ask(mini_library)).text == "new"


# -- slash commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "action"),
    [("/skip", Action.SKIP), ("/end", Action.END_ROUND), ("/quit", Action.QUIT)],
)
def test_commands_that_leave_the_prompt_carry_the_draft(
    keys: PipeInput, mini_library: Library, command: str, action: Action
) -> None:
    candidate = person(keys)
    keys.send_text(f"half an answer\r{command}\r")
    reply = candidate.reply(ask(mini_library))
    assert reply == Reply(action, "half an answer")
    assert reply.exit_status is None  # a typed /quit is a normal exit


def test_hint_keeps_the_draft_for_the_next_prompt(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("my draft\r/hint\r")
    assert candidate.reply(ask(mini_library)) == Reply(Action.HINT)
    keys.send_text(" continues" + SUBMIT)
    # The hint ends the prompt; the same question comes back with what was typed.
    assert candidate.reply(ask(mini_library)).text == "my draft continues"


def test_help_lists_every_command_and_tab_completes(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("/he\t\r" + "an answer" + SUBMIT)
    assert candidate.reply(ask(mini_library)).text == "an answer"
    output = shown(candidate)
    for command in SLASH_COMMANDS:
        assert command.name in output and command.help in output
    assert "Esc+Enter" in output


def test_repeat_time_and_run_stay_at_the_prompt(keys: PipeInput, mini_library: Library) -> None:
    clock = FakeClock(100)
    candidate = person(keys, clock)
    # After a command the draft comes back with the cursor at its end: Enter starts a new line.
    keys.send_text("draft\r/repeat\r" + "\r/time\r" + "\r/run\r" + SUBMIT)
    reply = candidate.reply(ask(mini_library, question_left=125, round_left=2000, now=100))
    assert reply == Reply(Action.ANSWER, "draft")
    output = shown(candidate)
    assert "Why would you combine BM25 with vector search" in output
    assert "Time left: question 2:05 · round 33:20" in output
    assert "This question has no tests to run." in output


def test_run_sends_the_code_in_the_coding_round(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    base = ask(mini_library, round_=Round.CODING)
    tests = CodeTests(visible="def test_a():\n    pass\n", hidden="")
    question = base.question.model_copy(update={"tests": tests})
    prompt = Prompt(**{**base.__dict__, "question": question})
    keys.send_text("def f():\r    return 1\r/run\r")
    assert candidate.reply(prompt) == Reply(Action.RUN_TESTS, "def f():\n    return 1")


def test_the_coding_round_starts_from_the_starter_code(keys: PipeInput) -> None:
    library = load_library(
        [FIXTURES / "question_banks" / "mini_coding.yaml"], content_dirs("rubrics")
    )
    question = library.question("mini-chunk")
    prompt = Prompt(Round.CODING, question, 1, 1, question.prompt.strip(), None, None)
    candidate = person(keys)
    # Enter keeps the indentation; Tab indents.
    keys.send_text("\r\treturn []" + SUBMIT)
    reply = candidate.reply(prompt)
    assert reply.text.splitlines() == [
        "def chunk_text(text: str, size: int, overlap: int) -> list[str]:",
        "    raise NotImplementedError",
        "        return []",
    ]
    follow_up = Prompt(Round.CODING, question, 1, 1, "What is the complexity?", None, None)
    keys.send_text("O(n)" + SUBMIT)
    assert candidate.reply(follow_up).text == "O(n)"  # no starter code for a follow-up


def test_edit_opens_the_editor_on_the_draft(
    keys: PipeInput, mini_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = "import sys,pathlib; p=pathlib.Path(sys.argv[1]); p.write_text(p.read_text()+'edited')"
    monkeypatch.setenv("VISUAL", f'"{sys.executable}" -c "{script}"')
    candidate = person(keys)
    keys.send_text("typed\r/edit\r")
    keys.send_text(SUBMIT)
    assert candidate.reply(ask(mini_library)).text == "typed\nedited"


# -- time -------------------------------------------------------------------------------------


def test_time_out_submits_the_text_as_it_stands(keys: PipeInput, mini_library: Library) -> None:
    clock = FakeClock()
    candidate = person(keys, clock)
    keys.send_text("half\rway")
    once(typed(candidate, "half\nway"), lambda: clock.advance(361))
    started = time.monotonic()
    reply = candidate.reply(ask(mini_library, question_left=360, round_left=2700))
    assert reply == Reply(Action.ANSWER, "half\nway", timed_out=True)
    assert time.monotonic() - started < 5
    assert "Time is up" in shown(candidate)


def test_warnings_at_five_and_one_minute(keys: PipeInput, mini_library: Library) -> None:
    clock = FakeClock()
    candidate = person(keys, clock)
    keys.send_text("x")

    def later() -> None:
        clock.advance(2)  # 5:01 -> 4:59 left
        time.sleep(0.1)
        clock.advance(240)  # -> 0:59 left
        time.sleep(0.1)
        clock.advance(60)

    once(typed(candidate, "x"), later)
    reply = candidate.reply(ask(mini_library, question_left=301, round_left=2700))
    assert reply.timed_out
    output = shown(candidate)
    assert output.count("5 minutes left for this question.") == 1
    assert output.count("1 minute left for this question.") == 1
    assert "left for the round" not in output


def test_toolbar_fits_the_width_and_turns_yellow_then_red(mini_library: Library) -> None:
    for round_ in Round:
        prompt = ask(mini_library, question_left=3599, round_left=3599, round_=round_)
        for width in (80, 60, 40):
            [(style, text)] = toolbar(prompt, time_left(prompt, 0), width)
            assert len(text) <= width and style == ""
    prompt = ask(mini_library, question_left=300, round_left=2000)
    assert toolbar(prompt, time_left(prompt, 0), 80)[0][0] == "class:toolbar.warn"
    assert toolbar(prompt, time_left(prompt, 240), 80)[0][0] == "class:toolbar.urgent"
    assert "question 1:00" in toolbar(prompt, time_left(prompt, 240), 80)[0][1]
    untimed = ask(mini_library)  # --no-timer
    assert "no time limit" in toolbar(untimed, time_left(untimed, 0), 80)[0][1]


def test_pause_excludes_the_paused_time(keys: PipeInput, mini_library: Library) -> None:
    inner = FakeClock()
    clock = PausableClock(inner)  # shared by the engine and the candidate, as the CLI does
    candidate = person(keys, clock)
    path = new_session(mini_library, topics=["rag"], count=1)

    def pause_for_ten_minutes() -> None:
        inner.advance(600)  # longer than the question's 6 minutes
        keys.send_text("\r" + SUBMIT)  # Enter ends the pause; then submit

    def answer(prompt: Prompt) -> Reply:
        if candidate.state.answers:
            return Reply(Action.SKIP)  # the follow-up: not what this test is about
        inner.advance(5)
        keys.send_text("my answer\r/pause\r")
        once(lambda: clock.paused, pause_for_ten_minutes)
        return candidate.reply(prompt)

    result = run(path, mini_library, FunctionCandidate(answer), clock)
    first = next(t for t in result.record.transcript.turns if t.kind is TurnKind.ANSWER)
    assert first.text == "my answer" and not first.timed_out
    assert first.elapsed_s == 5  # the ten paused minutes do not count
    assert "the clock is stopped" in shown(candidate)


# -- Ctrl-C and signals -----------------------------------------------------------------------


def test_ctrl_c_then_continue_keeps_the_draft(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("draft" + CTRL_C + "c" + " more" + SUBMIT)
    assert candidate.reply(ask(mini_library)).text == "draft more"
    assert "Pause, quit or continue?" not in shown(candidate)  # the menu itself is erased
    assert "Quitting saves everything" in shown(candidate)


@pytest.mark.parametrize("choice", ["q", CTRL_C])
def test_ctrl_c_then_quit_saves_the_draft(
    keys: PipeInput, mini_library: Library, choice: str
) -> None:
    candidate = person(keys)
    candidate.session_id = "2026-01-01-abcd"
    keys.send_text("draft" + CTRL_C + choice)
    assert candidate.reply(ask(mini_library)) == Reply(Action.QUIT, "draft", exit_status=130)
    assert "mockloop resume 2026-01-01-abcd" in shown(candidate)


def test_ctrl_c_then_pause_stops_the_clock(keys: PipeInput, mini_library: Library) -> None:
    inner = FakeClock()
    clock = PausableClock(inner)
    candidate = person(keys, clock)
    keys.send_text("draft" + CTRL_C + "p")

    def resume() -> None:
        inner.advance(1000)
        keys.send_text("\r" + SUBMIT)

    once(lambda: clock.paused and "Paused" in shown(candidate), resume)
    reply = candidate.reply(ask(mini_library, question_left=360))
    assert reply == Reply(Action.ANSWER, "draft") and clock.now() == 0


def test_sigterm_at_the_prompt_quits_with_the_draft(keys: PipeInput, mini_library: Library) -> None:
    candidate = person(keys)
    keys.send_text("unfinished")
    once(typed(candidate, "unfinished"), lambda: os.kill(os.getpid(), signal.SIGTERM))
    with save_on_signals():
        reply = candidate.reply(ask(mini_library, question_left=360))
    assert reply == Reply(Action.QUIT, "unfinished", exit_status=143)


def test_sigterm_outside_a_prompt_raises_terminated() -> None:
    with pytest.raises(Terminated) as stopped, save_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    assert stopped.value.exit_status == 143


def test_a_whole_session_through_the_editor(keys: PipeInput, mini_library: Library) -> None:
    clock = PausableClock(FakeClock())
    candidate = person(keys, clock)
    path = new_session(mini_library, count=2, seed=2)
    strong = {q.id: q.samples[0].answer for q in mini_library.banks[0].questions}

    def answer(prompt: Prompt) -> Reply:
        keys.send_text(strong[prompt.question.id] + SUBMIT)
        return candidate.reply(prompt)

    result = run(path, mini_library, FunctionCandidate(answer), clock)
    assert result.outcome is Outcome.COMPLETED
    answers = [t.text for t in result.record.transcript.turns if t.role is Role.CANDIDATE]
    assert sorted(answers) == sorted(a.rstrip() for a in strong.values())


def test_repeat_after_a_hint_shows_the_question_not_the_hint(
    keys: PipeInput, mini_library: Library
) -> None:
    candidate = person(keys)
    question = ask(mini_library)
    keys.send_text("/hint\r")
    assert candidate.reply(question).action is Action.HINT
    hint = "Think about exact product codes."
    keys.send_text("/repeat\r" + "an answer" + SUBMIT)
    assert candidate.reply(replace(question, message=hint)).text == "an answer"
    output = shown(candidate)
    repeated = output.rsplit("question 1 of", 1)[-1]
    assert question.message.split()[0] in repeated, output
    assert hint not in repeated, output


def test_the_question_clock_never_shows_more_than_the_round_has_left(
    mini_library: Library,
) -> None:
    left = time_left(ask(mini_library, question_left=149 * 60, round_left=59 * 60), 0.0)
    assert left.question == left.round == 59 * 60
    shorter = time_left(ask(mini_library, question_left=5 * 60, round_left=59 * 60), 0.0)
    assert shorter.question == 5 * 60
