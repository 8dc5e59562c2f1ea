"""Run candidate code against tests in a separate, limited process inside an OS sandbox.

Each run gets the best sandbox available (boundary.py: bubblewrap on Linux), `python -I`, an
environment built from an allow-list (so no API key or other secret of the parent is visible),
CPU-time, memory, file-size and wall-clock limits, a size-limited workspace, and captured output
capped in size. The workspace is read without trusting it (workspace.py) and sent with the tests
through a pipe; results come back on an fd and are judged here (protocol.py). See `harness.py`
for what runs inside.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from mockloop.sandbox import boundary, protocol, workspace

ENV_ALLOW = ("LANG", "LC_ALL", "TZ")


class RunLimits(BaseModel):
    """Limits of one run."""

    model_config = ConfigDict(frozen=True)

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 1024
    output_bytes: int = 64_000
    workspace_mb: int = 64  # everything the run may write, workspace included (tmpfs size)


class RunStatus(StrEnum):
    """How a run ended."""

    OK = "ok"  # the tests ran; some may have failed
    ERROR = "error"  # the code failed to load: syntax error, exception at import
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"  # killed by a signal, or the harness lost
    EXITED = "exited"  # the code ended the process itself
    TAMPERED = "tampered"  # the report was forged or the tests were patched: a failed run


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
    sandbox: str = boundary.NONE  # which OS sandbox ran the code: bubblewrap, sandbox-exec, none
    skipped: list[str] = []  # workspace entries not copied in (symlinks, FIFOs, too large)

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
    return len(protocol.test_names(test_code))


def run_code_tests(
    solution: str,
    tests: str,
    *,
    label: str = "visible",
    limits: RunLimits | None = None,
    requires: Iterable[str] = (),
) -> TestRun:
    """Run `tests` (which import from the module `solution`) against the candidate's code."""
    files = workspace.Files({"solution.py": solution.encode("utf-8")})
    return _run(files, tests, label, limits or RunLimits(), list(requires))


def run_workspace_tests(
    folder: Path,
    tests: str,
    *,
    label: str = "visible",
    limits: RunLimits | None = None,
    requires: Iterable[str] = (),
) -> TestRun:
    """Run `tests` on a copy of the candidate's workspace (links and special files left out)."""
    limits = limits or RunLimits()
    files = workspace.walk(folder, max_total=(limits.workspace_mb << 20) // 2)
    files.files = {n: d for n, d in files.files.items() if not n.startswith(".mockloop")}
    return _run(files, tests, label, limits, list(requires))


def _run(
    files: workspace.Files, tests: str, label: str, limits: RunLimits, requires: list[str]
) -> TestRun:
    sandbox = boundary.choose(requires, limits.workspace_mb)
    module, expected = f"test_{label}", protocol.test_names(tests)
    nonce = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="mockloop-run-") as tmp:
        private = Path(tmp)
        workdir = sandbox.workdir or str(private / "work")
        if sandbox.workdir is None:
            Path(workdir).mkdir()
        started = time.monotonic()
        data = protocol.payload(nonce, tests, files.files, _child_limits(limits))
        code, timed_out, raw, out, err = _spawn(sandbox, private, workdir, module, data, limits)
        duration = time.monotonic() - started
    report = protocol.check(raw, nonce, expected)
    status, detail = _verdict(code, timed_out, report, limits)
    outcomes = [TestOutcome(name=n, passed=p, message=m) for n, p, m in report.outcomes]
    if status is not RunStatus.OK:
        outcomes = [o.model_copy(update={"passed": False}) for o in outcomes]
    run = TestRun(
        label=label,
        status=status,
        outcomes=outcomes,
        total=max(len(expected), len(outcomes)),
        stdout=out,
        stderr=err,
        duration_s=round(duration, 3),
        detail=detail,
        sandbox=sandbox.name,
        skipped=files.skipped,
    )
    if status is RunStatus.OK:
        run.detail = f"{run.passed} of {run.total} tests passed"
    return run


def _spawn(
    sandbox: boundary.Boundary,
    private: Path,
    workdir: str,
    module: str,
    data: bytes,
    limits: RunLimits,
) -> tuple[int | None, bool, bytes, str, str]:
    """Start the harness, wait for it, and return exit code, timeout, report and output."""
    handles = {}
    for name in ("stdin", "result", "stdout", "stderr"):
        handles[name] = (private / name).open("w+b")
    handles["stdin"].write(data)
    handles["stdin"].seek(0)
    result_fd = handles["result"].fileno()
    try:
        proc = subprocess.Popen(
            sandbox.command(result_fd, module, workdir),
            cwd=private,
            env=_environment(workdir),
            stdin=handles["stdin"],
            stdout=handles["stdout"],
            stderr=handles["stderr"],
            pass_fds=(result_fd,),
            start_new_session=True,  # its own process group, so a timeout kills every child
        )
        # Outside the sandbox view the files exist only as this process's open handles.
        for name in handles:
            (private / name).unlink()
        timed_out = _wait(proc, limits.wall_s)
        raw = _read_capped(handles["result"], 1 << 20)
        out = _text_capped(handles["stdout"], limits)
        err = _text_capped(handles["stderr"], limits)
    finally:
        for handle in handles.values():
            handle.close()
    code = proc.returncode
    if sandbox.name == boundary.BWRAP and code is not None and code > 128:
        code = -(code - 128)  # bwrap reports a child killed by signal N as 128 + N
    return code, timed_out, raw, out, err


def _environment(workdir: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in ENV_ALLOW if name in os.environ}
    env.update(
        PATH="/usr/bin:/bin",
        HOME=workdir,
        TMPDIR=workdir,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _child_limits(limits: RunLimits) -> dict[str, int]:
    """The rlimits the harness sets on itself before it reads any candidate code."""
    return {
        "cpu_s": limits.cpu_s,
        "memory": limits.memory_mb * 1024 * 1024,
        # Output goes to files: cap each; the tmpfs size caps the total under bubblewrap.
        "file_bytes": max(limits.output_bytes * 16, 1 << 20),
    }


def _wait(proc: subprocess.Popen[bytes], wall_s: float) -> bool:
    try:
        return not _exited_within(proc, wall_s)
    finally:
        # Whatever happened, nothing the candidate started may outlive the run (bubblewrap's
        # PID namespace dies with its first process; without it, the process group goes).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _exited_within(proc: subprocess.Popen[bytes], wall_s: float) -> bool:
    """Wait for the child; a pidfd wakes us the moment it exits (Popen.wait polls with sleeps)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        try:
            proc.wait(timeout=wall_s)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(wall_s * 1000))
    finally:
        os.close(pidfd)


def _read_capped(handle: object, limit: int) -> bytes:
    assert hasattr(handle, "seek") and hasattr(handle, "read")
    handle.seek(0)
    data: bytes = handle.read(limit + 1)
    return data


def _text_capped(handle: object, limits: RunLimits) -> str:
    data = _read_capped(handle, limits.output_bytes)
    text = data[: limits.output_bytes].decode("utf-8", errors="replace")
    return text + "\n[output truncated]" if len(data) > limits.output_bytes else text


def _verdict(
    code: int | None, timed_out: bool, report: protocol.Report, limits: RunLimits
) -> tuple[RunStatus, str]:
    if report.tampered:
        return RunStatus.TAMPERED, f"tampering detected: {report.tampered}"
    if timed_out:
        return RunStatus.TIMEOUT, f"timed out after {limits.wall_s:g} s"
    if report.status is not None and code == 0:
        return RunStatus(report.status), report.detail
    if code == -signal.SIGXCPU:
        return RunStatus.TIMEOUT, f"used more than {limits.cpu_s} s of CPU time"
    if code == -signal.SIGXFSZ:
        return RunStatus.CRASHED, "wrote too much output"
    if code is not None and code < 0:
        return RunStatus.CRASHED, f"killed by signal {signal.Signals(-code).name}"
    if report.status is None and code == 0:
        return RunStatus.EXITED, "the code ended the process (exit code 0) before the tests ended"
    return RunStatus.EXITED, f"the code ended the process (exit code {code}) before the tests ran"
