"""Run every benchmark, print one markdown table, and write it to benchmarks/RESULTS.md.

Usage: python benchmarks/run.py [AREA ...]
(areas: startup offline llm batch sandbox scale tokens validity durability)
No network is used: model calls go to a fake OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import batch
import durability
import llm_overhead
import offline
import sandbox
import scale
import startup
import tokens
import validity
from common import ROOT, Row

AREAS = {
    "startup": startup.run,
    "offline": offline.run,
    "llm": llm_overhead.run,
    "batch": batch.run,
    "sandbox": sandbox.run,
    "scale": scale.run,
    "tokens": tokens.run,
    "validity": validity.run,
    "durability": durability.run,
}


def table(rows: list[Row]) -> str:
    """The rows as a GitHub markdown table."""
    lines = ["| Area | Measure | Result | Target | |", "|---|---|---|---|---|"]
    for row in rows:
        cells = [row.area, row.metric, row.value, row.target, row.status]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the chosen areas (default: all), print and save the table."""
    chosen = sys.argv[1:] or list(AREAS)
    unknown = [a for a in chosen if a not in AREAS]
    if unknown:
        raise SystemExit(f"unknown area {unknown[0]!r}; choose from {', '.join(AREAS)}")
    started = time.perf_counter()
    rows: list[Row] = []
    for area in chosen:
        print(f"running {area}…", file=sys.stderr, flush=True)
        rows.extend(AREAS[area]())
    spent = time.perf_counter() - started
    missed = [r for r in rows if r.met is False]
    header = (
        f"# mockloop benchmarks\n\n"
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.system()} {platform.machine()} · "
        f"{spent:.0f} s in all ({', '.join(chosen)}).\n\n"
        f"Targets met: {sum(r.met is True for r in rows)}, missed: {len(missed)}. "
        "Run with `make bench`; see benchmarks/README.md for what each line measures.\n\n"
    )
    text = header + table(rows)
    print(text)
    if chosen == list(AREAS):
        (ROOT / "benchmarks" / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
