"""Runs inside the sandboxed child: import the tests, run each `test_*`, report as JSON.

Executed as a script (`python -I harness.py RESULT MODULE WORKDIR`), never imported by mockloop.
The audit hook below refuses process creation and network access to candidate code. It guards
against accidents and runaway code (a fork bomb, a stray HTTP call), not against hostile native
code: the resource limits and the separate process are what keep mockloop itself safe.
"""

import ast
import importlib
import json
import sys
import traceback
from pathlib import Path

BLOCKED = (
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.exec",
    "os.spawn",
    "os.system",
    "subprocess.Popen",
    "pty.spawn",
    "socket.connect",
    "socket.getaddrinfo",
    "socket.bind",
)


def _guard(event: str, args: object) -> None:
    if event.startswith(BLOCKED):
        raise PermissionError(f"{event} is not allowed in the mockloop sandbox")


def _failure(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        frames = traceback.extract_tb(exc.__traceback__)
        where = (frames[-1].line or "").strip() if frames else ""
        text = f"AssertionError: {exc}" if str(exc) else f"AssertionError: {where}"
        return text + _compared(exc, where)
    return f"{type(exc).__name__}: {exc}"


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
    result_path, module_name, workdir = sys.argv[1:4]
    # Opened before any candidate code runs; the path lives outside the candidate's folder.
    out = Path(result_path).open("w", encoding="utf-8")  # noqa: SIM115
    sys.argv = [sys.argv[0]]
    sys.path.insert(0, workdir)
    outcomes: list[dict[str, object]] = []

    def report(status: str, detail: str = "") -> None:
        out.write(json.dumps({"status": status, "detail": detail, "outcomes": outcomes}))
        out.flush()

    sys.addaudithook(_guard)
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exc:
        return report("exited", f"the code called sys.exit({exc.code}) while loading")
    except MemoryError:
        return report("memory", "ran out of memory while loading")
    except SyntaxError as exc:
        name = Path(exc.filename or "solution.py").name
        return report("error", f"SyntaxError in {name} line {exc.lineno}: {exc.msg}")
    except BaseException as exc:
        return report("error", f"{_failure(exc)} (while loading the code)")
    for name, test in list(vars(module).items()):
        if not (name.startswith("test_") and callable(test)):
            continue
        try:
            test()
            outcomes.append({"name": name, "passed": True, "message": ""})
        except SystemExit as exc:
            outcomes.append({"name": name, "passed": False, "message": f"sys.exit({exc.code})"})
            return report("exited", f"the code called sys.exit({exc.code}) in {name}")
        except MemoryError:
            outcomes.append({"name": name, "passed": False, "message": "MemoryError"})
            return report("memory", f"ran out of memory in {name}")
        except BaseException as exc:
            outcomes.append({"name": name, "passed": False, "message": _failure(exc)})
    report("ok")


main()
