"""Pieces several commands share: building engines, choosing the candidate, the banner."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockloop.content import Library
    from mockloop.ports import Candidate, Clock, Interviewer, Judge
    from mockloop.terminal import Terminal

# One line that fits an 80-column terminal; the README lists example models.
OFFLINE_BANNER = "Offline: scripted interviewer, key-point scoring. Set MOCKLOOP_MODEL for an LLM."


def library() -> Library:
    """The built-in banks and rubrics, plus any named by MOCKLOOP_QUESTION_BANKS/RUBRICS."""
    from mockloop.content import load_library

    return load_library()


def offline_interviewer() -> Interviewer:
    """The scripted interviewer."""
    from mockloop.interviewers.scripted import ScriptedInterviewer

    return ScriptedInterviewer()


def offline_judge() -> Judge:
    """The key-point scorer."""
    from mockloop.judges.keypoints import KeypointJudge

    return KeypointJudge()


def choose_candidate(answers: Path | None, terminal: Terminal, clock: Clock) -> Candidate:
    """An answers file, else stdin when it is not a terminal, else the person at the keyboard."""
    from mockloop.candidates import ScriptedCandidate, load_answers, split_answers

    if answers is not None:
        return load_answers(answers)
    if not sys.stdin.isatty():
        # Never wait for a key that cannot come: take whatever stdin holds, then move on.
        return ScriptedCandidate(in_order=split_answers(sys.stdin.read()))
    from mockloop.interactive import TerminalCandidate

    return TerminalCandidate(terminal, clock)
