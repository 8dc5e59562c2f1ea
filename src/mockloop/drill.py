"""Drill: a practice set from the weakest topics and what is due again (spaced repetition).

Each answered question is due again after an interval set by its latest score, so a question
answered badly comes back sooner (Leitner-style boxes, short enough for interview prep):

    score < 2.5 -> 1 day, < 3.5 -> 3 days, < 4.5 -> 7 days, else 21 days.

Due questions come first, most overdue (in intervals) and lowest score first; then questions
never seen, from the weakest topics first (a topic never practised counts as middling, 3.0, so
a topic you did badly on comes before one you have not tried). Questions not yet due are left out.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from mockloop.content import Library, requirements_met
from mockloop.rounds import Round

INTERVALS = ((2.5, 1), (3.5, 3), (4.5, 7))  # (score below, days until due)
MASTERED_DAYS = 21
UNSEEN_TOPIC_MEAN = 3.0


@dataclass(frozen=True)
class Attempt:
    """The latest score of one question and when it was given."""

    question_id: str
    topic: str
    score: float
    at: datetime


@dataclass(frozen=True)
class Pick:
    """One question of a drill, and why it was picked."""

    question_id: str
    round: Round
    topic: str
    reason: str


def interval_days(score: float) -> int:
    """Days until a question with this latest score is due again."""
    return next((days for below, days in INTERVALS if score < below), MASTERED_DAYS)


def due_at(attempt: Attempt) -> datetime:
    """When a question is due again."""
    return attempt.at + timedelta(days=interval_days(attempt.score))


def plan_drill(
    library: Library,
    attempts: list[Attempt],
    *,
    now: datetime,
    count: int,
    rounds: list[Round],
    seed: int | None = None,
) -> list[Pick]:
    """Choose up to `count` questions: due ones first, then unseen ones from weak topics."""
    latest: dict[str, Attempt] = {}
    for attempt in sorted(attempts, key=lambda a: a.at):
        latest[attempt.question_id] = attempt
    pool = [
        (bank.round, q)
        for bank in library.banks
        if bank.round in rounds
        for q in bank.questions
        if requirements_met(q)
    ]
    topic_scores: dict[str, list[float]] = defaultdict(list)
    for attempt in latest.values():
        topic_scores[attempt.topic].append(attempt.score)
    topic_mean = {t: sum(v) / len(v) for t, v in topic_scores.items()}

    due: list[tuple[float, float, Pick]] = []
    unseen: list[tuple[float, float, Pick]] = []
    rng = random.Random(seed)
    for round_, question in pool:
        last = latest.get(question.id)
        if last is None:
            weakness = topic_mean.get(question.topic, UNSEEN_TOPIC_MEAN)
            reason = (
                f"new; topic {question.topic} averages {weakness:.2f}"
                if question.topic in topic_mean
                else f"new; topic {question.topic} not practised yet"
            )
            unseen.append(
                (weakness, rng.random(), Pick(question.id, round_, question.topic, reason))
            )
            continue
        when = due_at(last)
        if when > now:
            continue
        overdue = (now - when) / timedelta(days=interval_days(last.score))
        reason = f"due: scored {last.score:.1f} on {last.at:%Y-%m-%d}"
        due.append((-overdue, last.score, Pick(question.id, round_, question.topic, reason)))
    ranked = [p for *_, p in sorted(due, key=lambda d: d[:2])]
    ranked += [p for *_, p in sorted(unseen, key=lambda u: u[:2])]
    return ranked[:count]
