"""Run candidate code against tests in a separate, limited Python process.

Each run gets a fresh temporary directory, `python -I`, an environment built from an allow-list
(so no API key or other secret of the parent is visible), CPU-time, memory, file-size and
wall-clock limits, and captured output capped in size. The child reports results through a file
outside its working directory. See `harness.py` for what runs inside.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

HARNESS = Path(__file__).with_name("harness.py")
SKIP = shutil.ignore_patterns(".git", "__pycache__", ".venv", "venv", "node_modules", ".mockloop*")
ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "TZ")


class RunLimits(BaseModel):
    """Limits of one run."""

    model_config = ConfigDict(frozen=True)

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 1024
    output_bytes: int = 64_000


class RunStatus(StrEnum):
    """How a run ended."""

    OK = "ok"  # the tests ran; some may have failed
    ERROR = "error"  # the code failed to load: syntax error, exception at import
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"  # killed by a signal, or the harness lost
    EXITED = "exited"  # the code ended the process itself


class TestOutcome(BaseModel):
    """One test function's result."""

    name: str
    passed: bool
    message: str = ""


class TestRun(BaseModel):
    """The result of running one set of tests."""

    label: str
    status: RunStatus
    outcomes: list[TestOutcome]
    total: int
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    detail: str = ""

    @property
    def passed(self) -> int:
        """Tests that passed."""
        return sum(o.passed for o in self.outcomes)

    @property
    def pass_rate(self) -> float:
        """Share of tests that passed (0.0 when there are none)."""
        return self.passed / self.total if self.total else 0.0


def count_tests(test_code: str) -> int:
    """Top-level `test_*` functions in test code (0 when it does not parse)."""
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return 0
    return sum(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
        for node in tree.body
    )


def run_code_tests(
    solution: str, tests: str, *, label: str = "visible", limits: RunLimits | None = None
) -> TestRun:
    """Run `tests` (which import from the module `solution`) against the candidate's code."""
    with tempfile.TemporaryDirectory(prefix="mockloop-run-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        (workdir / "solution.py").write_text(solution, encoding="utf-8")
        return _run(workdir, tests, label, limits or RunLimits())


def run_workspace_tests(
    workspace: Path, tests: str, *, label: str = "visible", limits: RunLimits | None = None
) -> TestRun:
    """Run `tests` in a copy of the candidate's workspace folder."""
    with tempfile.TemporaryDirectory(prefix="mockloop-run-") as tmp:
        workdir = Path(tmp) / "work"
        shutil.copytree(workspace, workdir, ignore=SKIP)
        return _run(workdir, tests, label, limits or RunLimits())


def _run(workdir: Path, tests: str, label: str, limits: RunLimits) -> TestRun:
    module = f"test_{label}"
    (workdir / f"{module}.py").write_text(tests, encoding="utf-8")
    total = count_tests(tests)
    private = workdir.parent / f"result-{secrets.token_hex(8)}.json"
    out_path, err_path = workdir.parent / "stdout", workdir.parent / "stderr"
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-I", str(HARNESS), str(private), module, str(workdir)],
            cwd=workdir,
            env=_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, so a timeout kills every child
            preexec_fn=_limiter(limits),
        )
        timed_out = _wait(proc, limits.wall_s)
    duration = time.monotonic() - started
    stdout, stderr = _read_capped(out_path, limits), _read_capped(err_path, limits)
    report = _report(private)
    status, detail = _verdict(proc.returncode, timed_out, report, limits)
    raw = report.get("outcomes")
    outcomes = [TestOutcome.model_validate(o) for o in (raw if isinstance(raw, list) else [])]
    run = TestRun(
        label=label,
        status=status,
        outcomes=outcomes,
        total=max(total, len(outcomes)),
        stdout=stdout,
        stderr=stderr,
        duration_s=round(duration, 3),
        detail=detail,
    )
    if status is RunStatus.OK:
        run.detail = f"{run.passed} of {run.total} tests passed"
    return run


def _environment(workdir: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in ENV_ALLOW if name in os.environ}
    env.update(
        HOME=str(workdir),
        TMPDIR=str(workdir),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _limiter(limits: RunLimits) -> Callable[[], None]:
    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # Output goes to files: cap them so a print loop cannot fill the disk.
        cap = max(limits.output_bytes * 16, 1 << 20)
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _wait(proc: subprocess.Popen[bytes], wall_s: float) -> bool:
    try:
        proc.wait(timeout=wall_s)
        return False
    except subprocess.TimeoutExpired:
        return True
    finally:
        # Whatever happened, nothing the candidate started may outlive the run.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _read_capped(path: Path, limits: RunLimits) -> str:
    with path.open("rb") as handle:
        data = handle.read(limits.output_bytes + 1)
    text = data[: limits.output_bytes].decode("utf-8", errors="replace")
    return text + "\n[output truncated]" if len(data) > limits.output_bytes else text


def _report(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _verdict(
    code: int | None, timed_out: bool, report: dict[str, object], limits: RunLimits
) -> tuple[RunStatus, str]:
    if timed_out:
        return RunStatus.TIMEOUT, f"timed out after {limits.wall_s:g} s"
    if report.get("status") in set(RunStatus):
        return RunStatus(str(report["status"])), str(report.get("detail", ""))
    if code == -signal.SIGXCPU:
        return RunStatus.TIMEOUT, f"used more than {limits.cpu_s} s of CPU time"
    if code == -signal.SIGXFSZ:
        return RunStatus.CRASHED, "wrote too much output"
    if code is not None and code < 0:
        return RunStatus.CRASHED, f"killed by signal {signal.Signals(-code).name}"
    return RunStatus.EXITED, f"the code ended the process (exit code {code}) before the tests ran"
