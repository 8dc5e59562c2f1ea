"""Time left at a prompt: the toolbar's countdown and colours, and the 5- and 1-minute warnings."""

from __future__ import annotations

from dataclasses import dataclass

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.styles import Style

from mockloop.ports import Prompt
from mockloop.rounds import Round
from mockloop.timefmt import clock_time

WARN_AT = (300, 60)  # seconds left at which the candidate is warned once
SHORT_TITLES = {
    Round.CODING: "Coding",
    Round.FUNDAMENTALS: "Fundamentals",
    Round.SYSTEM_DESIGN: "System design",
    Round.TAKEHOME: "Take-home",
}
# The toolbar keeps the terminal's reverse video (readable without colour) until time is short.
TOOLBAR_STYLE = Style.from_dict(
    {
        "toolbar.warn": "noreverse bg:ansiyellow fg:ansiblack",
        "toolbar.urgent": "noreverse bg:ansired fg:ansiwhite bold",
    }
)
_HINTS = ("Esc+Enter submits · /help ", "Esc+Enter · /help ", "")
_CODE_HINTS = ("/run tests · Esc+Enter submits ", "/run · Esc+Enter ", "")


@dataclass(frozen=True)
class TimeLeft:
    """Seconds left for the question and for the round (None: no limit)."""

    question: float | None
    round: float | None

    @property
    def nearest(self) -> float | None:
        """The sooner of the two limits."""
        values = [v for v in (self.question, self.round) if v is not None]
        return min(values) if values else None

    @property
    def expired(self) -> bool:
        """True once either limit is reached."""
        nearest = self.nearest
        return nearest is not None and nearest <= 0

    @property
    def level(self) -> str:
        """`ok`, `warn` (5 minutes or less) or `urgent` (1 minute or less)."""
        nearest = self.nearest
        if nearest is None or nearest > WARN_AT[0]:
            return "ok"
        return "warn" if nearest > WARN_AT[1] else "urgent"

    def describe(self) -> str:
        """`question 5:12 · round 40:01`, or `no time limit`."""
        if self.nearest is None:
            return "no time limit"
        parts = [f"question {clock_time(self.question)}"] if self.question is not None else []
        if self.round is not None:
            parts.append(f"round {clock_time(self.round)}")
        return " · ".join(parts)


def time_left(prompt: Prompt, now: float) -> TimeLeft:
    """What is left of the prompt's limits at clock time `now`."""
    q = prompt.question_deadline
    r = prompt.round_deadline
    # One clock that agrees with the round: a question cannot outlast the round it is in.
    if q is not None and r is not None:
        q = min(q, r)
    return TimeLeft(q - now if q is not None else None, r - now if r is not None else None)


def toolbar(prompt: Prompt, left: TimeLeft, width: int) -> StyleAndTextTuples:
    """One line that fits `width`: round, question k/n, countdown, and the keys if room is left."""
    style = {"ok": "", "warn": "class:toolbar.warn", "urgent": "class:toolbar.urgent"}[left.level]
    full, short = prompt.round.title, SHORT_TITLES[prompt.round]
    hints = _CODE_HINTS if prompt.question.tests is not None else _HINTS
    # Shorter keys hint first, then a shorter round name: the countdown always stays.
    choices = [(full, hints[0]), (full, hints[1]), (short, hints[1]), (short, hints[2])]
    for title, hint in choices:
        main = f" {title} · Q{prompt.index}/{prompt.total} · {left.describe()}"
        gap = width - len(main) - len(hint)
        if gap >= 2:
            return [(style, main + " " * gap + hint)]
    return [(style, main[: max(0, width - 1)])]


class Warnings:
    """Says once when the time left crosses 5 and then 1 minute, per question and per round."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}

    def due(self, prompt: Prompt, left: TimeLeft) -> list[tuple[str, str]]:
        """(level, message) for every mark crossed since the last look."""
        messages: list[tuple[str, str]] = []
        scopes = (
            ("question", f"this question ({prompt.question.id})", left.question),
            ("round", f"the round ({prompt.round.value})", left.round),
        )
        for scope, key, value in scopes:
            if value is None:
                continue
            before = self._last.get((scope, key))
            self._last[(scope, key)] = value
            # A limit first seen below a mark (a short question, a resumed session) is no news.
            if before is None:
                continue
            for mark in WARN_AT:
                if before > mark >= value:
                    minutes = mark // 60
                    unit = "minute" if minutes == 1 else "minutes"
                    what = "this question" if scope == "question" else "the round"
                    level = "warn" if mark == WARN_AT[0] else "urgent"
                    messages.append((level, f"{minutes} {unit} left for {what}."))
        return messages
