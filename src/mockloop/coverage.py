"""The coverage table of the banks in use: questions per round, topic and difficulty.

`banks list` is asked often and the answer only changes when a bank file does, so the table is
cached, keyed on every bank and rubric file's path, size and modification time. A cache hit
needs neither yaml nor pydantic; a miss loads (and so validates) the whole library.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mockloop.paths import cache_dir, content_fingerprint, write_cache
from mockloop.rounds import Difficulty, Round

if TYPE_CHECKING:
    from mockloop.content import Library

CACHE_NAME = "coverage.json"


@dataclass(frozen=True)
class CoverageRow:
    """Question counts for one round and topic, per difficulty."""

    round: Round
    topic: str
    per_difficulty: tuple[int, ...]

    @property
    def total(self) -> int:
        """All questions of this round and topic."""
        return sum(self.per_difficulty)


@dataclass(frozen=True)
class Coverage:
    """The table, with how many banks and questions it sums up."""

    rows: list[CoverageRow]
    banks: int

    @property
    def questions(self) -> int:
        """Every question counted in the table."""
        return sum(row.total for row in self.rows)


def coverage(library: Library) -> Coverage:
    """One row per round and topic, rounds in interview order, topics alphabetical."""
    counts: Counter[tuple[Round, str, Difficulty]] = Counter(
        (bank.round, q.topic, q.difficulty) for bank in library.banks for q in bank.questions
    )
    rows = []
    for round_ in Round:
        for topic in sorted({t for (r, t, _) in counts if r is round_}):
            per = tuple(counts[(round_, topic, d)] for d in Difficulty)
            rows.append(CoverageRow(round_, topic, per))
    return Coverage(rows, len(library.banks))


def cached_coverage() -> Coverage:
    """The coverage of the banks in use, from the cache when no file has changed."""
    key = content_fingerprint()
    path = cache_dir() / CACHE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            rows = [
                CoverageRow(Round(r["round"]), r["topic"], tuple(r["per_difficulty"]))
                for r in data["rows"]
            ]
            return Coverage(rows, int(data["banks"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache, or a damaged one: rebuild it
    from mockloop.content import cached_library  # a miss fills the library cache too

    result = coverage(cached_library())
    payload = {"key": key, "banks": result.banks, "rows": [asdict(row) for row in result.rows]}
    write_cache(CACHE_NAME, json.dumps(payload))
    return result


def coverage_markdown(result: Coverage) -> str:
    """The coverage table as GitHub markdown, with a total per round."""
    header = ["Round", "Topic", *(d.value for d in Difficulty), "Total"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for round_ in Round:
        mine = [row for row in result.rows if row.round is round_]
        for row in mine:
            counts = " | ".join(str(n) for n in row.per_difficulty)
            lines.append(f"| {round_.value} | {row.topic} | {counts} | {row.total} |")
        if mine:
            totals = [sum(col) for col in zip(*(r.per_difficulty for r in mine), strict=True)]
            cells = " | ".join(f"**{n}**" for n in totals)
            lines.append(
                f"| **{round_.value}** | **all** | {cells} | **{sum(r.total for r in mine)}** |"
            )
    return "\n".join(lines) + "\n"
