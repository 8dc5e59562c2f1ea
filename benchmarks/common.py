"""Shared pieces of the benchmarks: result rows, timing, an isolated environment."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MOCKLOOP = str(BIN / "mockloop")
sys.path.insert(0, str(ROOT / "tests"))  # the fake OpenAI-compatible server lives there


# Peak memory is read from /proc (VmHWM), never from ru_maxrss: Linux carries a process's
# ru_maxrss across fork and exec, so a child of this runner (large once the validity area has
# loaded its models and data) would report the runner's size as its own.
HWM_SNIPPET = (
    "def _vm_hwm_mb():\n"
    "    for _line in open('/proc/self/status'):\n"
    "        if _line.startswith('VmHWM:'):\n"
    "            return int(_line.split()[1]) / 1024\n"
    "    return 0.0\n"
)
# Runs the mockloop CLI in-process and writes its peak RSS (MB) to $MOCKLOOP_BENCH_HWM at exit.
CLI_WITH_PEAK = (
    "import atexit, os, sys\n"
    + HWM_SNIPPET
    + "atexit.register(lambda: open(os.environ['MOCKLOOP_BENCH_HWM'], 'w')"
    ".write(str(_vm_hwm_mb())))\n"
    "sys.argv = ['mockloop', *sys.argv[1:]]\n"
    "from mockloop.cli.app import main\n"
    "main()\n"
)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    area: str
    metric: str
    value: str
    target: str = ""
    met: bool | None = None  # None: a figure with no target

    @property
    def status(self) -> str:
        """`ok`, `MISSED`, or blank for figures without a target."""
        return "" if self.met is None else ("ok" if self.met else "MISSED")


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a child mockloop: its own home, no model, no network price list.

    PYTHONDONTWRITEBYTECODE is dropped: a user's Python caches bytecode, and without the cache
    every run compiles mockloop from source (about +0.2 s of start-up on these machines)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MOCKLOOP_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        MOCKLOOP_HOME=str(home),
        MOCKLOOP_CONFIG=str(home / "no-config.toml"),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        **extra,
    )
    return env


def median_wall(cmd: Sequence[str], env: dict[str, str], runs: int = 9) -> float:
    """Median wall time of a command, after one untimed warm-up run (disk cache, .pyc)."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_call(call: Callable[[], object], runs: int) -> float:
    """Median seconds of an in-process call."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scratch(prefix: str) -> Path:
    """A temporary folder that lives as long as the benchmark process."""
    return Path(tempfile.mkdtemp(prefix=f"mockloop-bench-{prefix}-"))


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for the table."""
    return f"{seconds * 1000:.1f} ms"
