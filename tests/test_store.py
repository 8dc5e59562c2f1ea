"""Persistence: every turn is on disk before the next prompt, even when the process is killed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockloop.content import Library
from mockloop.models import TurnKind
from mockloop.ports import Action, Prompt, Reply
from mockloop.store import MIGRATIONS, Index, StoreError, read_session, resolve_session

from conftest import MINI_BANK
from helpers import FunctionCandidate, new_session, run


def test_each_turn_is_on_disk_before_the_next_prompt(mini_library: Library) -> None:
    path = new_session(mini_library, count=2)
    on_disk_at_prompt: list[int] = []

    def answer(prompt: Prompt) -> Reply:
        on_disk_at_prompt.append(len(read_session(path).transcript.turns))
        return Reply(Action.ANSWER, "An answer about search and meaning.")

    result = run(path, mini_library, FunctionCandidate(answer))
    answers = [t for t in result.record.transcript.turns if t.kind is TurnKind.ANSWER]
    # Each prompt sees every earlier turn already written, including the previous answer.
    assert on_disk_at_prompt == sorted(on_disk_at_prompt)
    assert len(answers) == len(on_disk_at_prompt)


@pytest.mark.slow
def test_killed_process_keeps_every_answered_turn(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        from mockloop.content import load_library
        from mockloop.paths import content_dirs
        from mockloop.ports import Action, Reply
        from helpers import FunctionCandidate, new_session, run
        library = load_library([__import__('pathlib').Path({str(MINI_BANK)!r})],
                               content_dirs("rubrics"))
        path = new_session(library, count=2, seed=4)
        print(path, flush=True)
        count = 0
        def answer(prompt):
            global count
            count += 1
            if count == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return Reply(Action.ANSWER, f"answer number {{count}} about vectors")
        run(path, library, FunctionCandidate(answer))
    """)
    tests_dir = Path(__file__).parent
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tests_dir,
        env={**__import__("os").environ, "PYTHONPATH": str(tests_dir)},
        timeout=60,
    )
    assert proc.returncode == -9, proc.stderr
    path = Path(proc.stdout.strip())
    record = read_session(path)
    answers = [t.text for t in record.transcript.turns if t.kind is TurnKind.ANSWER]
    assert answers == ["answer number 1 about vectors", "answer number 2 about vectors"]
    assert not record.transcript.ended


def test_a_line_cut_by_a_crash_is_skipped(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    run(path, mini_library, FunctionCandidate(lambda p: Reply(Action.ANSWER, "hello there")))
    with path.open("a") as handle:
        handle.write('{"type": "turn", "seq": 99, "ro')
    record = read_session(path)
    assert record.damaged_lines == 1 and record.transcript.ended


def test_a_damaged_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"type": "session"\n{"type": "event", "event": "session_done"}\n')
    with pytest.raises(StoreError, match=r"s\.jsonl:1: not a mockloop session record"):
        read_session(path)


def test_jsonl_lines_are_self_describing(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    run(path, mini_library, FunctionCandidate(lambda p: Reply(Action.SKIP)))
    types = [json.loads(line)["type"] for line in path.read_text().splitlines()]
    assert types[0] == "session" and set(types) == {"session", "turn", "event"}


def test_migrations_are_numbered_and_idempotent(tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite3")
    Index(index.path)  # opening again applies nothing twice
    with sqlite3.connect(index.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "question_scores"} <= tables


def test_resolve_session_by_prefix_and_errors(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    assert resolve_session(path.stem) == path
    assert resolve_session(path.stem[:-2]) == path
    assert resolve_session(str(path)) == path
    with pytest.raises(StoreError, match="no such session"):
        resolve_session("1999-01-01")
