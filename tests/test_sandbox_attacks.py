"""Hostile candidate code through the public commands, each attack held off under bubblewrap.

Every attack here once worked against the audit-hook-only runner (issue 15). Each is placed in a
take-home workspace (`mockloop takehome check`) or given as a coding answer (`mockloop interview
--answers`), and the test checks the invariant the sandbox promises, not the route it took.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.sandbox import boundary
from mockloop.store import read_session

from conftest import FIXTURES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not boundary.bwrap_works(),
        reason="bubblewrap is not installed or user namespaces are disabled here",
    ),
]
runner = CliRunner()
SECRET = "sk-test-secret-0123456789"
# Candidate code reports what it achieved through the visible test's failure message.
REPORT = """
def top_words(text, k):
    raise RuntimeError("REPORT " + repr(RESULT))
"""


@pytest.fixture
def workspace(use_banks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    use_banks(FIXTURES / "question_banks" / "mini_takehome.yaml")
    folder = tmp_path / "ws"
    assert runner.invoke(app, ["takehome", "start", "mini-wordcount", str(folder)]).exit_code == 0
    return folder


def check(folder: Path, code: str) -> tuple[int, str]:
    (folder / "counter.py").write_text(code)
    started = time.monotonic()
    result = runner.invoke(app, ["takehome", "check", str(folder)])
    assert time.monotonic() - started < 30
    return result.exit_code, result.output


def test_the_sandbox_is_bubblewrap_and_says_so(workspace: Path) -> None:
    code, output = check(workspace, "RESULT = 1\n" + REPORT)
    assert code == 1 and "(sandbox: bubblewrap)" in output


def test_no_secret_from_proc_or_from_files_outside(workspace: Path, tmp_path: Path) -> None:
    home = Path(os.environ["MOCKLOOP_HOME"])
    (tmp_path / "id_rsa").write_text("PRIVATE KEY")
    attack = (
        f"""
import glob, os
RESULT = []
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        if {SECRET!r}.encode() in open(path, "rb").read():
            RESULT.append(path)
    except OSError:
        pass
outside = [{str(tmp_path / "id_rsa")!r}, {str(home)!r}, {str(FIXTURES)!r}]
for path in outside + [os.path.expanduser("~/.ssh"), "/etc/passwd"]:
    if os.path.exists(path):
        RESULT.append(path)
"""
        + REPORT
    )
    code, output = check(workspace, attack)
    assert code == 1 and "REPORT []" in output
    assert SECRET not in output and "PRIVATE KEY" not in output


def test_nothing_is_written_outside_the_workspace(workspace: Path, tmp_path: Path) -> None:
    target, index = tmp_path / "written.txt", tmp_path / "index.sqlite3"
    with sqlite3.connect(index) as db:
        db.execute("CREATE TABLE sessions (overall REAL)")
        db.execute("INSERT INTO sessions VALUES (3.0)")
    attack = (
        f"""
import sqlite3
RESULT = []
for path in [{str(target)!r}, {str(workspace / "planted.py")!r}, "/tmp/planted"]:
    try:
        open(path, "w").write("x")
        RESULT.append(path)
    except OSError:
        pass
try:
    with sqlite3.connect({str(index)!r}) as db:
        db.execute("UPDATE sessions SET overall = 1.23")
    RESULT.append("index")
except Exception:
    pass
"""
        + REPORT
    )
    code, output = check(workspace, attack)
    assert code == 1 and "REPORT [" in output
    assert not target.exists() and not (workspace / "planted.py").exists()
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT overall FROM sessions").fetchone() == (3.0,)


def test_no_packet_leaves_by_tcp_or_udp(workspace: Path) -> None:
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp.settimeout(0.5)
    udp.settimeout(0.5)
    attack = (
        f"""
import socket, _socket
RESULT = []
for make in (socket.socket, _socket.socket):
    try:
        s = make(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(("127.0.0.1", {tcp.getsockname()[1]}))
        s.sendall(b"leak")
        RESULT.append("tcp")
    except Exception:
        pass
    try:
        u = make(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"leak", ("127.0.0.1", {udp.getsockname()[1]}))
        RESULT.append("udp sent")
    except Exception:
        pass
try:
    socket.getaddrinfo("example.com", 80)
    RESULT.append("dns")
except Exception:
    pass
"""
        + REPORT
    )
    try:
        code, _ = check(workspace, attack)
        assert code == 1
        with pytest.raises(TimeoutError):
            tcp.accept()
        with pytest.raises(TimeoutError):
            udp.recvfrom(100)
    finally:
        tcp.close()
        udp.close()


def test_no_process_outlives_the_run(workspace: Path) -> None:
    marker = f"mockloop-outlive-{os.getpid()}"
    attack = (
        f"""
import os, sys
RESULT = []
child = [sys.executable, "-c", "import time; time.sleep(60)  # {marker}"]
try:
    import _posixsubprocess
    _posixsubprocess.fork_exec(child, [sys.executable.encode()], True, (), None, None,
        -1, -1, -1, -1, -1, -1, -1, -1, False, True, None, None, None, -1, None, False)
    RESULT.append("fork_exec")
except Exception as exc:
    pass
try:
    import ctypes
    ctypes.CDLL(None).system(b"sleep 60 # {marker}")
except Exception:
    pass
try:
    import __main__
    __main__.BLOCKED = ("x",)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, child)
        os._exit(0)
    RESULT.append("forked")
except Exception:
    pass
"""
        + REPORT
    )
    code, _ = check(workspace, attack)
    assert code == 1
    time.sleep(0.2)
    survivors = []
    for entry in Path("/proc").iterdir():
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                survivors.append(entry.name)
        except OSError:
            continue
    assert survivors == []


def test_killing_the_parent_does_not_end_mockloop(workspace: Path) -> None:
    attack = (
        """
import os, signal
RESULT = []
for pid in (os.getppid(), 1, -1):
    try:
        os.kill(pid, signal.SIGKILL)
        RESULT.append(pid)
    except Exception:
        pass
    try:  # no audit event covers this route
        signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGKILL)
        RESULT.append(("pidfd", pid))
    except Exception:
        pass
"""
        + REPORT
    )
    code, _ = check(workspace, attack)
    assert code == 1  # we are still here to read it


def test_a_result_file_and_exit_zero_is_not_a_pass(workspace: Path) -> None:
    forged = {"status": "ok", "outcomes": [{"name": "test_simple", "passed": True}]}
    attack = f"""
import glob, json, os
for folder in ("..", "/tmp", "/work", "."):
    try:
        with open(os.path.join(folder, "result-0000.json"), "w") as out:
            out.write({json.dumps(forged)!r})
    except OSError:
        pass
print({json.dumps(forged)!r})
os._exit(0)
"""
    code, output = check(workspace, attack)
    assert code == 1 and "before the tests ended" in output


def test_patching_the_harness_is_tampering(workspace: Path) -> None:
    attack = """
import json, sys
json.dumps = lambda *a, **k: '{"status": "ok", "outcomes": []}'
tests = sys.modules["test_visible"]

def top_words(text, k):
    tests.test_simple = lambda: None  # a test that cannot fail
    return []
"""
    code, output = check(workspace, attack)
    assert code == 1 and "tampering detected" in output


def test_a_forged_report_on_an_open_fd_is_tampering(workspace: Path) -> None:
    attack = """
import os
for fd in range(3, 64):
    try:
        os.write(fd, b"0 0 test 746573745f73696d706c65 1 \\n0 1 end ok 1 \\n")
    except OSError:
        pass
os._exit(0)
"""
    code, output = check(workspace, attack)
    # Whether a forged line reaches the report's descriptor (tampering detected) or lands
    # elsewhere (the code exited before the tests ended) depends on descriptor numbering; either
    # way the trusted side fails the run and no test is reported as passed.
    assert code == 1 and "passed" not in output.split("(sandbox")[0].lower()
    assert "tampering detected" in output or "ended the process" in output


def test_special_files_in_the_workspace_are_skipped(workspace: Path, tmp_path: Path) -> None:
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (workspace / "key.txt").symlink_to(secret)
    (workspace / "zero.txt").symlink_to("/dev/zero")
    (workspace / "outside").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(workspace / "pipe.txt")
    (workspace / "counter.py").write_text("import os\nRESULT = sorted(os.listdir('.'))\n" + REPORT)
    answers = tmp_path / "debrief.txt"
    answers.write_text("I used a Counter.\n")
    started = time.monotonic()
    result = runner.invoke(
        app, ["takehome", "submit", str(workspace), "--json", "--answers", str(answers)]
    )
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 60
    turns = read_session(Path(json.loads(result.stdout)["transcript"])).transcript.turns
    submission = next(t for t in turns if t.meta.submission)
    assert "PRIVATE KEY" not in submission.text
    skipped = " ".join(submission.meta.skipped)
    for name in ("key.txt (a symlink)", "zero.txt (a symlink)", "outside (a symlink)"):
        assert name in skipped
    assert "pipe.txt (a FIFO)" in skipped
    run = next(t for t in turns if t.meta.tests and t.meta.tests.label == "visible")
    assert "'counter.py'" in run.text and "key.txt'" not in run.text
    assert run.meta.tests and "pipe.txt (a FIFO)" in run.meta.tests.skipped


def test_total_bytes_written_are_capped(workspace: Path) -> None:
    attack = (
        """
import os
RESULT = 0
for folder in (".", "/tmp", "/dev/shm", "/", "/run"):
    try:
        for i in range(200):
            with open(os.path.join(folder, f"blob{i}"), "wb") as out:
                out.write(b"x" * (1 << 20))
            RESULT += 1
    except OSError:
        pass
"""
        + REPORT
    )
    code, output = check(workspace, attack)
    written = int(output.split("REPORT ")[1].split()[0])
    assert code == 1 and written <= 64 + 8  # MiB: the workspace and /tmp tmpfs, nothing else


def test_a_coding_answer_that_patches_the_serializer_passes_nothing(
    use_banks, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    use_banks(FIXTURES / "question_banks" / "mini_coding.yaml")
    code = (
        "import json, sys\n"
        'json.dumps = lambda *a, **k: \'{"status": "ok", "outcomes": []}\'\n'
        "import __main__\n__main__.BLOCKED = ()\n"
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-chunk": [f"```python\n{code}```", "O(n)."]}))
    result = runner.invoke(
        app, ["interview", "-r", "coding", "--no-timer", "--json", "--answers", str(answers)]
    )
    assert result.exit_code == 0, result.output
    (scored,) = json.loads(result.stdout)["scorecard"]["questions"]
    correctness = next(c for c in scored["criteria"] if c["criterion"] == "correctness")
    assert correctness["score"] == 1
    assert "(sandbox: bubblewrap)" in correctness["rationale"]
