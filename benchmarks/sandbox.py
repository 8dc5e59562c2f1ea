"""Sandbox: the wall time of one trivial test run, with bubblewrap and without an OS sandbox."""

from __future__ import annotations

import os
import statistics
import time

from common import Row

TARGET_S = 0.3
RUNS = 15
CODE = "def f(x):\n    return x + 1\n"
TESTS = "from solution import f\n\ndef test_one():\n    assert f(1) == 2\n"


def per_run(sandbox: str, requires: tuple[str, ...] = ()) -> tuple[float, str]:
    """Median wall time of RUNS trivial runs (after one warm-up) and the sandbox that ran them."""
    from mockloop.sandbox.runner import run_code_tests

    os.environ.pop("MOCKLOOP_NO_SANDBOX", None)
    if sandbox == "none":
        os.environ["MOCKLOOP_NO_SANDBOX"] = "1"
    try:
        used = run_code_tests(CODE, TESTS, requires=requires).sandbox
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            result = run_code_tests(CODE, TESTS, requires=requires)
            times.append(time.perf_counter() - start)
            assert result.passed == 1, result.detail
        return statistics.median(times), used
    finally:
        os.environ.pop("MOCKLOOP_NO_SANDBOX", None)


def run() -> list[Row]:
    """Median of 15 runs each; the bubblewrap rows are skipped where it is not available."""
    import logging

    from mockloop.sandbox.boundary import BWRAP, available

    logging.getLogger("mockloop.sandbox").setLevel(logging.ERROR)  # the "no sandbox" notice
    bare, _ = per_run("none")
    label = "trivial test run, no OS sandbox (rlimits + audit hook)"
    rows = [Row("sandbox", label, f"{bare:.3f} s")]
    if available() != BWRAP:
        return [*rows, Row("sandbox", "trivial test run in bubblewrap", "skipped: no bwrap")]
    boxed, used = per_run("bwrap")
    numpy, _ = per_run("bwrap", ("numpy",))
    return [
        *rows,
        Row(
            "sandbox",
            f"trivial test run in {used} (+{boxed - bare:.3f} s over none)",
            f"{boxed:.3f} s",
            f"< {TARGET_S} s",
            boxed < TARGET_S,
        ),
        Row(
            "sandbox", "test run in bubblewrap, numpy bound (`requires: [numpy]`)", f"{numpy:.3f} s"
        ),
    ]
