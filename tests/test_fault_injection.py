"""Kill a scripted session with SIGKILL at every record boundary and inside a coding test run;
after `resume` every answer is on file exactly once, the session reads cleanly and is scored.

The killed process is a real mockloop run in a subprocess; a patched SessionWriter counts the
records it writes and kills the process right after the N-th is durable (or half-way through
writing it: a torn record). Resuming and scoring go through the same library calls as
`mockloop resume`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockloop.candidates.scripted import ScriptedCandidate
from mockloop.content import Library, load_library
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Role
from mockloop.paths import content_dirs
from mockloop.ports import FakeClock, SilentListener
from mockloop.sessions import run_session, score_session
from mockloop.store import read_session, session_files

from conftest import FIXTURES

CODING_BANK = FIXTURES / "question_banks" / "mini_coding.yaml"
CODE = (
    "```python\ndef chunk_text(text, size, overlap):\n"
    "    step = size - overlap\n"
    "    return [text[i:i + size] for i in range(0, max(len(text) - overlap, 1), step)]\n```"
)
ANSWERS = {"mini-chunk": [CODE, "It is linear in the length of the text."]}

DRIVER = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path

    from mockloop import store
    from mockloop.sandbox import summary

    kill_at, mode = int(os.environ["KILL_AT"]), os.environ["KILL_MODE"]
    written = 0
    original_write = store.SessionWriter._write

    def write(self, kind, payload):
        global written
        written += 1
        if written == kill_at and mode == "torn":
            line = json.dumps({"type": kind, **payload}, default=str).encode()
            os.write(self._fd, line[: len(line) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        original_write(self, kind, payload)
        if written == kill_at and mode == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    store.SessionWriter._write = write
    original_run = summary.SandboxRunner.run

    def run_tests(self, question, code, label):
        if mode == "test-run" and label == os.environ["KILL_LABEL"]:
            os.kill(os.getpid(), signal.SIGKILL)  # the sandbox is running this label's tests
        return original_run(self, question, code, label)

    summary.SandboxRunner.run = run_tests

    from mockloop.candidates.scripted import ScriptedCandidate
    from mockloop.content import load_library
    from mockloop.engine import plan_session
    from mockloop.ports import SilentListener
    from mockloop.interviewers.scripted import ScriptedInterviewer
    from mockloop.models import Round
    from mockloop.paths import content_dirs
    from mockloop.ports import FakeClock
    from mockloop.sessions import run_session, start_session

    library = load_library([Path(sys.argv[1])], content_dirs("rubrics"))
    info = plan_session(library, [Round.CODING], interviewer="scripted", count=1, seed=5)
    path = start_session(info)
    run_session(path, library, interviewer=ScriptedInterviewer(),
                candidate=ScriptedCandidate(by_question=json.loads(sys.argv[2])),
                clock=FakeClock(), listener=SilentListener())
""")


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CODING_BANK], content_dirs("rubrics"))


def killed_run(home: Path, tmp_path: Path, mode: str, kill_at: int = 0, label: str = "") -> int:
    """Run the driver until it is killed; its return code (-9 when it was)."""
    import json

    env = {**os.environ, "MOCKLOOP_HOME": str(home), "KILL_AT": str(kill_at), "KILL_MODE": mode}
    env["KILL_LABEL"] = label
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(CODING_BANK), json.dumps(ANSWERS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


def resume_and_score(library: Library, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOCKLOOP_HOME", str(home))
    [path] = session_files()
    run_session(
        path,
        library,
        interviewer=ScriptedInterviewer(),
        candidate=ScriptedCandidate(by_question=ANSWERS),
        clock=FakeClock(),
        listener=SilentListener(),
    )
    score_session(path, library, KeypointJudge())
    return path


def candidate_answers(path: Path) -> list[str]:
    return [t.text for t in read_session(path).transcript.turns if t.role is Role.CANDIDATE]


def check(path: Path, expected: list[str], where: str) -> None:
    record = read_session(path)  # readable: no StoreError, nothing damaged
    assert record.damaged_lines == 0, where
    assert sorted(candidate_answers(path)) == sorted(expected), where
    assert record.transcript.ended and record.scorecards, where
    seqs = [t.seq for t in record.transcript.turns]
    assert seqs == list(range(len(seqs))), where


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["after", "torn", "test-run"])
def test_sigkill_anywhere_then_resume_keeps_each_answer_once(
    mode: str, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference_home = tmp_path / "reference"
    assert killed_run(reference_home, tmp_path, "none") == 0
    monkeypatch.setenv("MOCKLOOP_HOME", str(reference_home))
    [reference] = session_files()
    expected = candidate_answers(reference)
    records = len([line for line in reference.read_bytes().splitlines() if line.strip()])
    assert expected == ANSWERS["mini-chunk"]

    if mode == "test-run":
        points = [(0, "visible"), (0, "hidden")]
    elif mode == "after":  # every record boundary
        points = [(n, "") for n in range(1, records + 1)]
    else:  # half-way through a record: the first after the header, one in three, the last
        points = [(n, "") for n in sorted({2, *range(4, records, 3), records})]
    for kill_at, label in points:
        home = tmp_path / f"{mode}-{kill_at}-{label}"
        assert killed_run(home, tmp_path, mode, kill_at, label) == -signal.SIGKILL
        path = resume_and_score(library, home, monkeypatch)
        check(path, expected, f"{mode} at record {kill_at} {label}")
        if mode == "test-run":
            turns = read_session(path).transcript.turns
            runs = [t.meta.tests.label for t in turns if t.meta.tests]
            assert runs == ["visible", "hidden"], runs  # the interrupted run ran again, once
