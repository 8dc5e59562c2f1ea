"""The sandboxed runner: results, hostile code, secrets and network, each with a clear result."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mockloop.sandbox import boundary
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
BWRAP = pytest.mark.skipif(
    not boundary.bwrap_works(), reason="bubblewrap is not installed or user namespaces are off"
)


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


def test_numpy_imports_under_the_default_limits_when_required() -> None:
    code = "import numpy as np\ndef f(x):\n    return int(np.int64(x) + 1)\n"
    result = run_code_tests(code, TESTS, requires=["numpy"])
    assert result.status is RunStatus.OK and result.passed == 2, result.detail


def test_pandas_brings_what_it_needs_when_required() -> None:
    code = "import pandas as pd\ndef f(x):\n    return int(pd.Series([x]).add(1).iloc[0])\n"
    result = run_code_tests(code, TESTS, requires=["pandas"])
    assert result.status is RunStatus.OK and result.passed == 2, result.detail


@BWRAP
def test_site_packages_a_question_does_not_require_are_not_visible() -> None:
    result = run_code_tests("import numpy\n", TESTS, limits=FAST)
    assert result.status is RunStatus.ERROR
    assert "No module named 'numpy'" in result.detail and result.sandbox == "bubblewrap"


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


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Act as a machine without bubblewrap, and forget that the warning was given."""
    monkeypatch.setenv("MOCKLOOP_NO_SANDBOX", "1")
    monkeypatch.setitem(boundary._policy, "warned", False)
    monkeypatch.setattr(boundary, "_notice", [])


def test_without_a_sandbox_the_run_says_so_once(
    no_sandbox: None, caplog: pytest.LogCaptureFixture
) -> None:
    first = run_code_tests("def f(x):\n    return x + 1\n", TESTS, limits=FAST)
    second = run_code_tests("def f(x):\n    return x + 1\n", TESTS, limits=FAST)
    assert (first.sandbox, second.sandbox) == ("none", "none") and first.passed == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "mockloop.sandbox"]
    assert len(warnings) == 1 and "install bubblewrap" in warnings[0]


def test_a_required_sandbox_that_is_missing_is_an_error(
    no_sandbox: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKLOOP_REQUIRE_SANDBOX", "true")
    with pytest.raises(boundary.SandboxUnavailable, match="install bubblewrap"):
        run_code_tests("def f(x):\n    return x\n", TESTS, limits=FAST)


def test_the_bubblewrap_command_isolates_everything_but_the_runtime(tmp_path: Path) -> None:
    sandboxed = boundary._bubblewrap("/x/harness.py", [], 64)
    argv = sandboxed.command(5, "test_hidden", boundary.WORKDIR)
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    binds = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    assert str(Path.home()) not in binds and os.environ["MOCKLOOP_HOME"] not in binds
    assert "--bind" not in argv  # nothing of the host is writable
    read_only = [argv[i + 1] for i, a in enumerate(argv) if a == "--remount-ro"]
    assert "/" in read_only and "/dev" in read_only


def test_the_macos_profile_denies_the_network_and_writes_outside_the_run() -> None:
    """Only the command is checked: sandbox-exec itself is untested (no Mac here)."""
    sandboxed = boundary._sandbox_exec("/x/harness.py", [])
    argv = sandboxed.command(5, "test_hidden", "/private/tmp/run/work")
    assert argv[:3] == ["sandbox-exec", "-D", "WORK=/private/tmp/run/work"]
    profile = argv[argv.index("-p") + 1]
    assert "(deny default)" in profile and "(deny network*)" in profile
    assert '(allow file-write* (subpath (param "WORK"))' in profile
