"""The sandboxed runner: results, hostile code, secrets and network, each with a clear result."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mockloop.sandbox.runner import (
    RunLimits,
    RunStatus,
    count_tests,
    run_code_tests,
    run_workspace_tests,
)

TESTS = """from solution import f

def test_one():
    assert f(1) == 2

def test_two():
    assert f(2) == 5, "f(2) should be 5"

def test_three():
    assert f(0) == 1
"""
FAST = RunLimits(wall_s=3, cpu_s=2, memory_mb=512)


def run(code: str, tests: str = TESTS) -> object:
    return run_code_tests(code, tests, limits=FAST)


def test_outcomes_with_assertion_messages() -> None:
    result = run_code_tests("def f(x):\n    return x + 1\n", TESTS, limits=FAST)
    assert result.status is RunStatus.OK
    assert (result.passed, result.total) == (2, 3)
    assert [o.message for o in result.outcomes if not o.passed] == [
        "AssertionError: f(2) should be 5 (expected 5, got 3)"
    ]
    assert result.detail == "2 of 3 tests passed"


def test_a_bare_assert_reports_its_source_line() -> None:
    result = run_code_tests("def f(x):\n    return 0\n", TESTS, limits=FAST)
    # The compared values too, so a failing test says what the code returned.
    assert result.outcomes[0].message == "AssertionError: assert f(1) == 2 (expected 2, got 0)"


@pytest.mark.parametrize(
    ("code", "status", "detail"),
    [
        ("def f(x)\n    return x\n", RunStatus.ERROR, "SyntaxError in solution.py line 1"),
        ("raise RuntimeError('boom')\n", RunStatus.ERROR, "RuntimeError: boom"),
        ("import os\nwhile True:\n    os.fork()\n", RunStatus.ERROR, "os.fork is not allowed"),
        ("b = bytearray(10 * 1024**3)\n", RunStatus.MEMORY, "ran out of memory"),
        ("import sys\nsys.exit(0)\n", RunStatus.EXITED, "sys.exit(0)"),
        ("import os\nos._exit(3)\n", RunStatus.EXITED, "exit code 3"),
        (
            "import socket\nsocket.create_connection(('127.0.0.1', 9))\n",
            RunStatus.ERROR,
            "is not allowed in the mockloop sandbox",
        ),
    ],
)
def test_hostile_code_ends_with_a_clear_result(code: str, status: RunStatus, detail: str) -> None:
    result = run_code_tests(code, TESTS, limits=FAST)
    assert result.status is status, result.detail
    assert detail in result.detail
    assert (result.passed, result.total) == (0, 3)


def test_an_infinite_loop_times_out_and_returns_promptly() -> None:
    started = time.monotonic()
    result = run_code_tests("while True:\n    pass\n", TESTS, limits=FAST)
    assert result.status is RunStatus.TIMEOUT
    assert time.monotonic() - started < FAST.wall_s + 2


def test_a_sleeping_process_hits_the_wall_clock() -> None:
    result = run_code_tests("import time\ntime.sleep(30)\n", TESTS, limits=RunLimits(wall_s=1))
    assert result.status is RunStatus.TIMEOUT and result.detail == "timed out after 1 s"


def test_output_is_capped() -> None:
    limits = RunLimits(wall_s=3, output_bytes=1000)
    result = run_code_tests("print('x' * 100_000)\ndef f(x): return x + 1\n", TESTS, limits=limits)
    assert result.stdout.endswith("[output truncated]") and len(result.stdout) < 1100


def test_secrets_of_the_parent_are_not_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    tests = "import os\n\ndef test_env():\n    assert 'sk-test-secret' not in repr(os.environ)\n"
    result = run_code_tests("", tests, limits=FAST)
    assert result.status is RunStatus.OK and result.passed == 1


def test_printed_fake_results_cannot_forge_outcomes() -> None:
    code = 'print(\'{"status": "ok", "outcomes": [{"name": "test_one", "passed": true}]}\')\n'
    code += "def f(x):\n    return 0\n"
    result = run_code_tests(code, TESTS, limits=FAST)
    assert result.passed == 0 and result.total == 3


def test_numpy_imports_under_the_default_limits() -> None:
    code = "import numpy as np\ndef f(x):\n    return int(np.int64(x) + 1)\n"
    result = run_code_tests(code, TESTS)
    assert result.status is RunStatus.OK and result.passed == 2


def test_workspace_tests_see_every_file(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "app.py").write_text(
        "from helpers import double\n\ndef run(x):\n    return double(x)\n"
    )
    tests = "from app import run\n\ndef test_run():\n    assert run(2) == 4\n"
    result = run_workspace_tests(tmp_path, tests, label="hidden", limits=FAST)
    assert result.status is RunStatus.OK and (result.passed, result.total) == (1, 1)
    assert not (tmp_path / "test_hidden.py").exists()  # the candidate's folder is untouched


def test_count_tests() -> None:
    assert count_tests(TESTS) == 3
    assert count_tests("def helper(): pass\nasync def test_a(): pass\n") == 1
    assert count_tests("def test_(:") == 0
