"""Progress over time from the SQLite index: history rows, averages, trend, weakest topics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

from mockloop.models import interviewer_model
from mockloop.store import Index, latest_per_question

SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class HistoryRow:
    """One past session as `mockloop history` lists it."""

    session_id: str
    started_at: datetime
    rounds: list[str]
    interviewer: str
    judge: str | None
    ended: bool
    overall: float | None
    per_round: dict[str, float] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        """`offline` for the scripted interviewer, else the interviewer's model."""
        return interviewer_model(self.interviewer) or "offline"


@dataclass(frozen=True)
class TopicStat:
    """How a topic has gone: mean of the latest score of each question, and how many."""

    round: str
    topic: str
    mean: float
    answered: int
    last_seen: datetime


@dataclass(frozen=True)
class Stats:
    """Everything `mockloop stats` shows."""

    sessions: int
    per_round: dict[str, float]
    topics: list[TopicStat]
    trend: list[tuple[str, float]]  # (session id, overall), oldest first
    round_trends: dict[str, list[float]] = field(default_factory=dict)  # round -> oldest first
    trend_dates: list[datetime] = field(default_factory=list)  # when each trend session started
    # round -> (session start, round score), oldest first: the plot's per-round lines
    round_points: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)

    def weakest(self, count: int = 3) -> list[TopicStat]:
        """The lowest-scoring topics, weakest first."""
        return sorted(self.topics, key=lambda t: (t.mean, -t.answered))[:count]


def history(index: Index, limit: int = 20) -> list[HistoryRow]:
    """The most recent sessions with their overall and per-round scores, newest first."""
    rows = index.sessions(limit)
    per_round = index.round_scores([r["id"] for r in rows])
    return [
        HistoryRow(
            session_id=r["id"],
            started_at=datetime.fromisoformat(r["started_at"]),
            rounds=r["rounds"].split(","),
            interviewer=r["interviewer"],
            judge=r["judge"],
            ended=bool(r["ended"]),
            overall=r["overall"],
            per_round=per_round.get(r["id"], {}),
        )
        for r in rows
    ]


def stats(index: Index, last: int = 10) -> Stats:
    """Per-round and per-topic averages, the trend of the last sessions, weakest topics."""
    every = [r for r in index.question_scores() if r["overall"] is not None]
    # A question answered again counts once, with its latest score (as in `drill`): the averages
    # say where you stand now, the trend says how you got there.
    scores = latest_per_question(every)
    by_round: dict[str, list[float]] = defaultdict(list)
    by_topic: dict[tuple[str, str], list[float]] = defaultdict(list)
    last_seen: dict[tuple[str, str], datetime] = {}
    for row in scores:
        key = (row["round"], row["topic"])
        by_round[row["round"]].append(row["overall"])
        by_topic[key].append(row["overall"])
        seen = datetime.fromisoformat(row["scored_at"])
        last_seen[key] = max(last_seen.get(key, seen), seen)
    topics = [
        TopicStat(r, t, round(mean(values), 2), len(values), last_seen[(r, t)])
        for (r, t), values in sorted(by_topic.items())
    ]
    recent = index.scored_sessions(last)
    trend = [(r["id"], r["overall"]) for r in recent]
    per_session = index.round_scores([r["id"] for r in recent])
    round_trends: dict[str, list[float]] = defaultdict(list)
    round_points: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    dates = [datetime.fromisoformat(r["started_at"]) for r in recent]
    for row, date in zip(recent, dates, strict=True):  # oldest first; a skipped round adds none
        for round_name, value in per_session.get(row["id"], {}).items():
            round_trends[round_name].append(value)
            round_points[round_name].append((date, value))
    return Stats(
        sessions=len({r["session_id"] for r in every}),
        per_round={k: round(mean(v), 2) for k, v in by_round.items()},
        topics=topics,
        trend=trend,
        round_trends=dict(round_trends),
        trend_dates=dates,
        round_points=dict(round_points),
    )


def sparkline(values: list[float], low: float = 1.0, high: float = 5.0) -> str:
    """Scores as a row of block characters on the fixed 1-5 scale (so charts compare)."""
    span = high - low
    steps = len(SPARK) - 1
    return "".join(SPARK[round((min(max(v, low), high) - low) / span * steps)] for v in values)
