"""The full loop at 80x24 in a pseudo-terminal, take-home included: the brief's workspace is
written to a folder named on screen, /submit runs its tests, and only then comes the walkthrough."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pexpect
import pytest

from mockloop.store import read_session
from test_e2e_pty import SUBMIT, _script, expect

pytestmark = pytest.mark.slow


def test_the_full_loop_with_its_take_home(tmp_path: Path, isolated_home: Path) -> None:
    env = dict(os.environ)
    for name in ("NO_COLOR", "VISUAL", "EDITOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    env.update(MOCKLOOP_HOME=str(isolated_home), TERM="xterm")
    child = pexpect.spawn(
        _script(),
        ["interview", "-n", "1", "--seed", "3", "--no-timer"],
        env=env,
        cwd=str(tmp_path),
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=60,
    )
    if os.environ.get("MOCKLOOP_PTY_LOG"):
        child.logfile_read = Path(os.environ["MOCKLOOP_PTY_LOG"]).open("a")  # noqa: SIM115
    for _ in range(3):  # coding, fundamentals, system design: skipped here
        expect(child, r"Q1/1")
        child.send("\r/skip\r")  # on a line of its own, below any starter code
        expect(child, r": done")
    expect(child, "The starter workspace is in")
    expect(child, r"Q1/1")
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("takehome-")]
    assert (folder / ".mockloop.json").exists()
    assert "Walk me through" not in child.before  # no walkthrough before anything was built
    child.send("/submit\r")
    expect(child, "Running the visible and hidden tests")
    expect(child, r"(?i)tests? (passed|failed)|passed|failed")
    expect(child, "Walk me through")
    child.send("I kept the starter design and would add tests with another week." + SUBMIT)
    while expect(child, "· follow-up", "Overall") == 0:
        expect(child, r"Q1/1")
        child.send("\r/skip\r")
    screen = child.before or ""
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [path] = (isolated_home / "sessions").glob("*.jsonl")
    turns = read_session(path).transcript.turns
    runs = [t for t in turns if t.meta.tests is not None and t.round.value == "takehome"]
    assert [t.meta.tests.label for t in runs if t.meta.tests] == ["visible", "hidden"]
    # The scorecard names only commands that exist.
    for command in re.findall(r"mockloop (\w+)", screen + (child.before or "")):
        assert command in {"interview", "export", "resume", "score", "takehome"}, command
