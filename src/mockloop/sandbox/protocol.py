"""The trusted side of a run: build the harness's input, and judge what comes back.

The verdict is the parent's. The harness's report is data, accepted only when every line
carries this run's nonce, the sequence numbers follow, each test named is one the parent found
in the test source (in that order), and an `end` line closes it. Exit 0 without a closing line is
a failure, never a pass; a line that breaks these rules is tampering, and fails the run.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field

STATUSES = ("ok", "error", "exited", "memory", "tampered")


def test_names(test_code: str) -> list[str]:
    """Top-level `test_*` functions in test code, in definition order (empty if it won't parse)."""
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return []
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]
    return list(dict.fromkeys(names))


def payload(nonce: str, tests: str, files: dict[str, bytes], limits: dict[str, int]) -> bytes:
    """What the harness reads on stdin: a JSON header line, then each file's bytes."""
    header = {
        "nonce": nonce,
        "tests": tests,
        "limits": limits,
        "files": [[n, len(d)] for n, d in files.items()],
    }
    return json.dumps(header).encode() + b"\n" + b"".join(files.values())


@dataclass
class Report:
    """A checked report: outcomes in order, and how it ended (None: it never ended)."""

    outcomes: list[tuple[str, bool, str]] = field(default_factory=list)
    status: str | None = None
    detail: str = ""
    tampered: str = ""  # why the report cannot be trusted


def _text(hexed: str) -> str:
    return bytes.fromhex(hexed).decode("utf-8", errors="replace")


def check(raw: bytes, nonce: str, expected: list[str]) -> Report:
    """Parse and verify the harness's lines against the nonce and the expected test names."""
    report = Report()
    for seq, line in enumerate(raw.decode("utf-8", errors="replace").splitlines()):
        problem = _accept(report, line.split(" "), seq, nonce, expected)
        if problem:
            report.tampered, report.status = problem, None
            return report
    return report


def _accept(report: Report, parts: list[str], seq: int, nonce: str, expected: list[str]) -> str:
    if report.status is not None:
        return "the report goes on after its end"
    if len(parts) != 6 or parts[0] != nonce or parts[1] != str(seq):
        return "a result line without this run's nonce and sequence"
    try:
        kind, a, b, c = parts[2], parts[3], parts[4], _text(parts[5])
        if kind == "test":
            name, index = _text(a), len(report.outcomes)
            if index >= len(expected) or expected[index] != name or b not in ("0", "1"):
                return f"an outcome for a test that was not run next ({name!r})"
            report.outcomes.append((name, b == "1", c))
            return ""
    except ValueError:
        return "a malformed result line"
    if kind != "end" or a not in STATUSES or b != str(seq):
        return "a malformed end line"
    if a == "tampered":
        return c
    if a == "ok" and len(report.outcomes) != len(expected):
        return f"{len(report.outcomes)} outcomes reported for {len(expected)} tests"
    report.status, report.detail = a, c
    return ""
