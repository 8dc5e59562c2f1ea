"""Planning a session: which questions each round asks, chosen up front so a resume is exact."""

from __future__ import annotations

import random
from collections.abc import Sequence

from mockloop import __version__
from mockloop.content import Library, SelectionError, select_questions
from mockloop.models import ROUND_DURATIONS, Difficulty, Round, RoundPlan, SessionInfo
from mockloop.store import new_session_id


def plan_session(
    library: Library,
    rounds: Sequence[Round],
    *,
    interviewer: str,
    topics: Sequence[str] = (),
    difficulty: Difficulty | None = None,
    count: int | None = None,
    seed: int | None = None,
    time_scale: float = 1.0,
    timer: bool = True,
) -> SessionInfo:
    """Choose the questions of every round up front, so a session resumes exactly."""
    rng = random.Random(seed)
    plan: list[RoundPlan] = []
    unmatched: list[SelectionError] = []
    for r in rounds:
        try:
            chosen = select_questions(
                library, r, topics=topics, difficulty=difficulty, count=count, rng=rng
            )
        except SelectionError as exc:
            # Filters over several rounds (`--topic rag --difficulty hard`) keep the rounds
            # that have such questions; only a filter that matches nothing at all is an error.
            unmatched.append(exc)
            continue
        plan.append(
            RoundPlan(round=r, question_ids=[q.id for q in chosen], time_limit_s=ROUND_DURATIONS[r])
        )
    if unmatched and (not plan or len(rounds) == 1):
        raise unmatched[0] if len(rounds) == 1 else _no_round_matches(topics, difficulty)
    return SessionInfo(
        id=new_session_id(),
        plan=plan,
        interviewer=interviewer,
        seed=seed,
        time_scale=time_scale,
        timer=timer,
        mockloop_version=__version__,
    )


def _no_round_matches(topics: Sequence[str], difficulty: Difficulty | None) -> SelectionError:
    filters = ", ".join(f for f in ("/".join(topics), difficulty or "") if f)
    return SelectionError(
        f"no questions in any round match {filters or 'the filters'}; "
        "see `mockloop banks list --questions` for what is available"
    )


def drill_session(
    library: Library,
    picks: Sequence[tuple[Round, str]],
    *,
    interviewer: str,
    timer: bool = True,
) -> SessionInfo:
    """A session asking exactly these questions, grouped by round in interview order.

    A round's time is the sum of its questions' own limits: a drill is a handful of questions,
    not a full round.
    """
    by_round: dict[Round, list[str]] = {}
    for round_, question_id in picks:
        by_round.setdefault(round_, []).append(question_id)
    plan = [
        RoundPlan(
            round=r,
            question_ids=by_round[r],
            time_limit_s=sum(library.question(q).time_limit for q in by_round[r]),
        )
        for r in Round
        if r in by_round
    ]
    return SessionInfo(
        id=new_session_id(),
        plan=plan,
        interviewer=interviewer,
        timer=timer,
        mockloop_version=__version__,
    )
