"""End to end in a pseudo-terminal: the real `mockloop` script, keys typed as a person would.

An interview is interrupted with Ctrl-C and quit (saved), then `mockloop resume` finishes it; the
transcript must hold every turn exactly once. SIGTERM and SIGHUP (a closed terminal) save too.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from mockloop.content import load_library
from mockloop.models import Role, TurnKind
from mockloop.store import SessionRecord, read_session

from conftest import MINI_BANK

pytestmark = pytest.mark.slow

SUBMIT = "\x1b\r"  # Esc+Enter
PASTE = "\x1b[200~{}\x1b[201~"  # bracketed paste, as a terminal sends a paste
ROOT = Path(__file__).parents[1]
CPR = "\x1b\\[6n"  # "where is the cursor?"


def _script() -> str:
    script = Path(sys.executable).parent / "mockloop"
    if not script.exists():
        pytest.skip("the mockloop console script is not installed next to this Python")
    return str(script)


@pytest.fixture
def env(tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    """The small bank only: built-in banks replaced by a folder that holds just the rubrics."""
    banks = tmp_path / "banks"
    banks.mkdir()
    (banks / "mini.yaml").write_text(MINI_BANK.read_text())
    content = tmp_path / "content"
    (content / "question_banks").mkdir(parents=True)
    (content / "rubrics").symlink_to(ROOT / "rubrics")
    values = dict(os.environ)
    for name in ("NO_COLOR", "VISUAL", "EDITOR", "COLUMNS", "LINES"):
        values.pop(name, None)
    values.update(
        MOCKLOOP_HOME=str(isolated_home),
        MOCKLOOP_QUESTION_BANKS=str(banks),
        MOCKLOOP_BUILTIN_CONTENT=str(content),
        TERM="xterm",
    )
    return values


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        _script(), list(args), env=env, dimensions=(24, 80), encoding="utf-8", timeout=30
    )
    if os.environ.get("MOCKLOOP_PTY_LOG"):  # to see what the terminal showed
        child.logfile_read = Path(os.environ["MOCKLOOP_PTY_LOG"]).open("a")  # noqa: SIM115
    return child


def expect(child: pexpect.spawn, *patterns: object) -> int:
    """child.expect, answering the cursor-position requests a terminal would answer.

    prompt-toolkit shows the bottom toolbar only once it knows where the cursor is.
    """
    while True:
        index: int = child.expect([CPR, *patterns])
        if index:
            return index - 1
        child.send("\x1b[20;1R")


def strong_answers() -> dict[str, str]:
    library = load_library([MINI_BANK], [ROOT / "rubrics"])
    return {q.id: " ".join(q.samples[0].answer.split()) for q in library.banks[0].questions}


def which_question(child: pexpect.spawn) -> str:
    """Wait for a question and its editor; return the question's id."""
    index = expect(child, "BM25 with vector search", "square root of the key")
    expect(child, r"Q\d/\d")  # the toolbar: the editor is up
    return ["mini-hybrid-search", "mini-attention-scaling"][index]


def finish(child: pexpect.spawn) -> None:
    """After a submit: skip any follow-up until the round is done and the scorecard shows."""
    while expect(child, "follow-up", "fundamentals: done") == 0:
        expect(child, r"Q\d/2")
        child.send("/skip\r")
    expect(child, "Overall")
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def only_session(home: Path) -> SessionRecord:
    [path] = (home / "sessions").glob("*.jsonl")
    return read_session(path)


def test_interview_quit_with_ctrl_c_then_resume_to_the_end(
    env: dict[str, str], isolated_home: Path
) -> None:
    answers = strong_answers()
    child = spawn(env, "interview", "-r", "fundamentals", "-n", "2", "--seed", "1")
    first = which_question(child)
    child.send("/time\r")
    expect(child, "Time left: question")
    child.send("/hint\r")
    expect(child, "hint")
    expect(child, r"Q1/2")
    child.send(PASTE.format(answers[first]) + SUBMIT)
    second = which_question(child)
    assert second != first
    child.send("half a draft")
    expect(child, "half a draft")
    child.send("\x03")
    expect(child, "Pause, quit or continue")
    child.send("q")
    expect(child, "Saved. Resume with `mockloop resume")
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = spawn(env, "resume")
    expect(child, "Resuming session")
    expect(child, "BM25 with vector search" if second == "mini-hybrid-search" else "square root")
    expect(child, "half a draft")  # the draft is back in the editor
    expect(child, r"Q2/2")
    child.send(" " + answers[second] + SUBMIT)
    finish(child)

    record = only_session(isolated_home)
    turns = record.transcript.turns
    assert [t.seq for t in turns] == list(range(len(turns)))
    texts = [t.text for t in turns if t.role is Role.CANDIDATE]
    assert texts == [answers[first], f"half a draft {answers[second]}"]
    assert sum(t.kind is TurnKind.QUESTION for t in turns) == 2
    assert sum(t.kind is TurnKind.HINT for t in turns) == 1
    assert sum(t.kind is TurnKind.FRAMING for t in turns) == 1
    paused = [t for t in turns if t.meta.paused]
    assert [t.meta.draft for t in paused] == ["half a draft"]
    assert record.transcript.ended and record.scorecards


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_hangup_save_the_draft(
    env: dict[str, str], isolated_home: Path, signum: int, status: int
) -> None:
    child = spawn(env, "interview", "-r", "fundamentals", "-n", "1", "--seed", "1")
    which_question(child)
    child.send("unsent words")
    expect(child, "unsent words")
    child.kill(signum)
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == status, (child.exitstatus, child.signalstatus)
    record = only_session(isolated_home)
    assert not record.transcript.ended
    assert [t.meta.draft for t in record.transcript.turns if t.meta.paused] == ["unsent words"]


def test_judge_eval_draws_a_progress_bar_on_a_terminal(env: dict[str, str]) -> None:
    child = spawn(env, "judge", "eval")
    child.timeout = 120
    expect(child, "Judging")
    expect(child, "Spearman with labels")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
