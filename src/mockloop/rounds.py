"""Round and difficulty names: plain enums with no heavy imports, cheap for the CLI to use."""

from __future__ import annotations

from enum import StrEnum


class Round(StrEnum):
    """The four rounds of a GenAI engineer interview loop, in the order they are run."""

    CODING = "coding"
    FUNDAMENTALS = "fundamentals"
    SYSTEM_DESIGN = "system_design"
    TAKEHOME = "takehome"

    @property
    def title(self) -> str:  # type: ignore[override]
        """Human name of the round."""
        return ROUND_TITLES[self]


ROUND_TITLES: dict[Round, str] = {
    Round.CODING: "Coding / backend (Python)",
    Round.FUNDAMENTALS: "LLM fundamentals",
    Round.SYSTEM_DESIGN: "GenAI system design",
    Round.TAKEHOME: "Take-home practical",
}

# Short names where space is tight: a word in lists, and a column header in tables.
ROUND_SHORT: dict[Round, str] = {
    Round.CODING: "code",
    Round.FUNDAMENTALS: "fund",
    Round.SYSTEM_DESIGN: "design",
    Round.TAKEHOME: "take-home",
}
ROUND_COLUMNS: dict[Round, str] = {
    Round.CODING: "Code",
    Round.FUNDAMENTALS: "Fund",
    Round.SYSTEM_DESIGN: "SD",
    Round.TAKEHOME: "TH",
}

# Default round durations of the loop mockloop simulates, in seconds.
ROUND_DURATIONS: dict[Round, int] = {
    Round.CODING: 45 * 60,
    Round.FUNDAMENTALS: 45 * 60,
    Round.SYSTEM_DESIGN: 60 * 60,
    Round.TAKEHOME: 60 * 60,
}


class Difficulty(StrEnum):
    """How hard a question is."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
