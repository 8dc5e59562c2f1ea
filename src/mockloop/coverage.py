"""The coverage table of a library: questions per round, topic and difficulty."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mockloop.content import Library
from mockloop.rounds import Difficulty, Round


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


def coverage(library: Library) -> list[CoverageRow]:
    """One row per round and topic, rounds in interview order, topics alphabetical."""
    counts: Counter[tuple[Round, str, Difficulty]] = Counter(
        (bank.round, q.topic, q.difficulty) for bank in library.banks for q in bank.questions
    )
    rows = []
    for round_ in Round:
        for topic in sorted({t for (r, t, _) in counts if r is round_}):
            per = tuple(counts[(round_, topic, d)] for d in Difficulty)
            rows.append(CoverageRow(round_, topic, per))
    return rows


def coverage_markdown(library: Library) -> str:
    """The coverage table as GitHub markdown, with a total per round."""
    header = ["Round", "Topic", *(d.value for d in Difficulty), "Total"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = coverage(library)
    for round_ in Round:
        mine = [row for row in rows if row.round is round_]
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
