"""Runs inside the sandbox: materialise the workspace, run each hidden `test_*`, report on an fd.

Executed as a script (`python -I harness.py RESULT_FD MODULE WORKDIR SITE`), never imported by
mockloop. Before any candidate code is imported it reads everything it needs from stdin (a
per-run nonce, the test source and the workspace files; stdin is then closed, so the tests are
never on disk where the candidate could read them), captures the functions it reports with, and
records the code object of every test function. Each result goes to RESULT_FD as one line of hex
fields led by the nonce; the parent accepts nothing else (see protocol.py).

The audit hook below is a second line only: the OS sandbox (boundary.py) is the boundary.
"""

import ast
import contextlib
import json
import os
import resource
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn


class _Reporter:
    """Writes result lines; holds references taken before any candidate code ran."""

    def __init__(self, fd: int, nonce: str) -> None:
        self._write, self._exit, self._encode = os.write, os._exit, str.encode
        self._fd, self._nonce, self._seq = fd, nonce, 0
        self._streams = (sys.stdout, sys.stderr)

    def _line(self, kind: str, a: str, b: str, c: str) -> None:
        fields = (self._nonce, str(self._seq), kind, a, b, self._encode(c, "utf-8").hex())
        self._write(self._fd, self._encode(" ".join(fields) + "\n", "utf-8"))
        self._seq += 1

    def test(self, name: str, passed: bool, message: str) -> None:
        """One test's outcome."""
        self._line("test", self._encode(name, "utf-8").hex(), "1" if passed else "0", message)

    def end(self, status: str, detail: str) -> NoReturn:
        """The last line; then leave at once, before atexit handlers or threads can act."""
        self._line("end", status, str(self._seq), detail)
        for stream in self._streams:
            with contextlib.suppress(BaseException):  # output is best effort
                stream.flush()
        self._exit(0)


def _load() -> tuple[str, str, dict[str, bytes], dict[str, int]]:
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    limits = {str(k): int(v) for k, v in header["limits"].items()}
    _limit(resource.RLIMIT_CPU, limits["cpu_s"], limits["cpu_s"] + 1)
    _limit(resource.RLIMIT_AS, limits["memory"])
    _limit(resource.RLIMIT_CORE, 0)
    files = {str(name): stdin.read(int(size)) for name, size in header["files"]}
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the payload is gone for good once candidate code can run
    os.close(null)
    return str(header["nonce"]), str(header["tests"]), files, limits


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    """Set a limit here, in the child: spawning without preexec_fn lets the parent use vfork."""
    resource.setrlimit(which, (soft, soft if hard is None else hard))


def _materialise(workdir: str, files: dict[str, bytes]) -> None:
    root = Path(workdir).resolve()
    for name, data in files.items():
        target = (root / name).resolve()
        if root not in target.parents:
            continue  # the parent never sends such a name; refuse it anyway
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _guard_factory() -> Callable[[str, tuple[object, ...]], None]:
    blocked = (
        "os.fork",
        "os.forkpty",
        "os.posix_spawn",
        "os.exec",
        "os.spawn",
        "os.system",
        "os.kill",
        "os.killpg",
        "subprocess.Popen",
        "pty.spawn",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.bind",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.cdata",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys._current_frames",
    )
    startswith, reimport = str.startswith, ("_posixsubprocess", "posix", "_signal")

    def guard(event: str, args: tuple[object, ...]) -> None:
        if startswith(event, blocked) or (event == "import" and args[0] in reimport):
            raise PermissionError(f"{event} is not allowed in the mockloop sandbox")

    return guard


_SOURCE: dict[str, list[str]] = {}  # test source by its code's file name: it is never on disk


def _failure(exc: BaseException) -> str:
    import traceback

    try:
        if isinstance(exc, AssertionError):
            frames = traceback.extract_tb(exc.__traceback__, limit=None)
            where = ""
            if frames:
                last = frames[-1]
                lines = _SOURCE.get(last.filename, [])
                line = last.lineno or 0
                where = last.line or (lines[line - 1] if 0 < line <= len(lines) else "")
                where = where.strip()
            text = f"AssertionError: {exc}" if str(exc) else f"AssertionError: {where}"
            return text + _compared(exc, where)
        return f"{type(exc).__name__}: {exc}"
    except BaseException:  # a hostile __str__ must not stop the report
        return type(exc).__name__


def _expected(code: types.CodeType) -> dict[str, list[types.CodeType]]:
    found: dict[str, list[types.CodeType]] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name.startswith("test_"):
            found.setdefault(const.co_name, []).append(const)
    return found


def _refuse(*_: object) -> int:
    raise PermissionError("this call is not allowed in the mockloop sandbox")


def _lock_down(site: str) -> None:
    """Close the doors the audit hook cannot see, then install the hook."""
    import _posixsubprocess

    _posixsubprocess.fork_exec = _refuse
    # Calls that raise no audit event: spawning, and signalling another process through a pidfd.
    import _signal  # type: ignore[import-not-found]
    import posix
    import signal

    for owner in (posix, os, _signal, signal):
        for name in ("pidfd_open", "pidfd_send_signal"):
            if hasattr(owner, name):
                setattr(owner, name, _refuse)
    if site:
        import ctypes  # noqa: F401  numpy imports it; loading it opens libpython, refused later
    sys.addaudithook(_guard_factory())


def _compared(exc: BaseException, line: str) -> str:
    """For `assert got == expected`: both values, evaluated again in the failing frame."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    try:
        node = ast.parse(line).body[0]
        test = node.test if isinstance(node, ast.Assert) else None
        if tb is None or not isinstance(test, ast.Compare) or not isinstance(test.ops[0], ast.Eq):
            return ""
        scope = (tb.tb_frame.f_globals, tb.tb_frame.f_locals)
        got, expected = (
            eval(ast.unparse(side), *scope) for side in (test.left, test.comparators[0])
        )
    except Exception:  # a multi-line assert, or a side that cannot be evaluated again
        return ""
    return f" (expected {expected!r:.200}, got {got!r:.200})"


def main() -> None:
    """Load everything, lock down, import the tests (and with them the candidate's code), run."""
    result_fd, module_name, workdir, site = int(sys.argv[1]), *sys.argv[2:5]
    nonce, source, files, limits = _load()
    _materialise(workdir, files)
    _limit(resource.RLIMIT_FSIZE, limits["file_bytes"])  # after the workspace is written
    code = compile(source, f"<{module_name}>", "exec")
    _SOURCE[code.co_filename] = source.splitlines()
    expected = _expected(code)
    emit = _Reporter(result_fd, nonce)
    del nonce, source, files
    # Workspace, stdlib, then the site-packages entries a question requires: nothing else.
    sys.argv, sys.path[:0] = [sys.argv[0]], [workdir]
    sys.dont_write_bytecode = True  # -I ignores PYTHONDONTWRITEBYTECODE
    if site:
        sys.path.append(site)
    os.chdir(workdir)
    _lock_down(site)
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        emit.end("exited", f"the code called sys.exit({exc.code}) while loading")
    except MemoryError:
        emit.end("memory", "ran out of memory while loading")
    except SyntaxError as exc:
        name = Path(exc.filename or "solution.py").name
        emit.end("error", f"SyntaxError in {name} line {exc.lineno}: {exc.msg}")
    except BaseException as exc:
        emit.end("error", f"{_failure(exc)} (while loading the code)")
    _run_tests(module, expected, emit)


def _run_tests(
    module: types.ModuleType, expected: dict[str, list[types.CodeType]], emit: _Reporter
) -> NoReturn:
    names = [n for n in list(vars(module)) if n.startswith("test_")]
    if sorted(names) != sorted(expected):
        emit.end("tampered", "the test module's functions are not the ones sent")
    for name in names:
        test = vars(module).get(name)
        # The test must be the one compiled from the hidden source, unpatched, before and after.
        if not _genuine(test, expected[name]):
            emit.end("tampered", f"{name} is not the test that was sent")
        assert callable(test)
        passed, message = _call(test, name, emit)
        if vars(module).get(name) is not test or not _genuine(test, expected[name]):
            emit.end("tampered", f"{name} was replaced while it ran")
        emit.test(name, passed, message)
    emit.end("ok", "")


def _call(test: Callable[[], object], name: str, emit: _Reporter) -> tuple[bool, str]:
    try:
        test()
    except SystemExit as exc:
        emit.test(name, False, f"sys.exit({exc.code})")
        emit.end("exited", f"the code called sys.exit({exc.code}) in {name}")
    except MemoryError:
        emit.test(name, False, "MemoryError")
        emit.end("memory", f"ran out of memory in {name}")
    except BaseException as exc:
        return False, _failure(exc)
    return True, ""


def _genuine(test: object, codes: list[types.CodeType]) -> bool:
    return (
        isinstance(test, types.FunctionType)
        and type(test) is types.FunctionType
        and any(test.__code__ is c for c in codes)
    )


main()
