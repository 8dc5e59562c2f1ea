"""Start-up: `mockloop --help` and `mockloop banks list` next to bare Python; what they import."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from common import MOCKLOOP, Row, isolated_env, median_wall, scratch

TARGET_S = 0.25
HEAVY = ("litellm", "tiktoken", "wordllama", "numpy")
_PROBE = (
    "import sys, json\n"
    "from mockloop.cli.app import app\n"
    "try:\n"
    "    app(sys.argv[1:], prog_name='mockloop')\n"
    "except SystemExit:\n"
    "    pass\n"
    "sys.stderr.write(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"
)


def imported_heavy(args: list[str], env: dict[str, str]) -> list[str]:
    """Which heavy modules a command imports (run in a fresh interpreter)."""
    probe = _PROBE.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(result.stderr.strip().splitlines()[-1]))


def cold_banks_list(bare: float, runs: int = 5) -> Row:
    """`banks list` with an empty cache, as on the first run after installing or editing a bank.

    The target is for the warm run people meet every day; this row shows what the cache saves.
    """
    times = []
    for index in range(runs):
        env = isolated_env(scratch(f"startup-cold-{index}"))
        start = time.perf_counter()
        subprocess.run([MOCKLOOP, "banks", "list"], env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    wall = statistics.median(times)
    return Row(
        "start-up",
        "mockloop banks list, cold cache (first run after an install or a bank edit)",
        f"+{wall - bare:.3f} s ({wall:.3f} s)",
    )


def run() -> list[Row]:
    """Median of 9 runs each, warm."""
    env = isolated_env(scratch("startup"))
    bare = median_wall([sys.executable, "-c", "pass"], env)
    rows = [Row("start-up", "python -c pass (baseline)", f"{bare:.3f} s")]
    for label, args in (
        ("mockloop --help", ["--help"]),
        ("mockloop banks list", ["banks", "list"]),
    ):
        wall = median_wall([MOCKLOOP, *args], env)
        extra = wall - bare
        rows.append(
            Row(
                "start-up",
                f"{label}: above bare Python",
                f"+{extra:.3f} s ({wall:.3f} s)",
                f"<= +{TARGET_S:.2f} s",
                extra <= TARGET_S,
            )
        )
        if args == ["banks", "list"]:
            rows.append(cold_banks_list(bare))
        heavy = imported_heavy(args, env)
        rows.append(
            Row(
                "start-up",
                f"{label}: heavy imports",
                ", ".join(heavy) or "none",
                "no litellm",
                "litellm" not in heavy,
            )
        )
    return rows
