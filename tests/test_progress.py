"""History, stats and drill on a seeded index; the plot; spaced repetition."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.drill import Attempt, interval_days, plan_drill
from mockloop.models import (
    JudgeInfo,
    QuestionScore,
    Round,
    RoundPlan,
    RoundScore,
    Scorecard,
    SessionInfo,
)
from mockloop.progress import history, sparkline, stats
from mockloop.store import Index

runner = CliRunner()
DAY0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
OFFLINE = JudgeInfo(engine="keypoints", prompt_version="keypoints-v1")


def seed_session(
    index: Index, number: int, scores: dict[tuple[Round, str, str], float], *, ended: bool = True
) -> str:
    """A session on day `number` with the given (round, topic, question) -> score."""
    session_id = f"2026-11-{number + 1:02d}-s{number:03d}"
    rounds = sorted({r for r, _, _ in scores}, key=list(Round).index)
    info = SessionInfo(
        id=session_id,
        started_at=DAY0 + timedelta(days=number),
        plan=[
            RoundPlan(round=r, question_ids=[q for rr, _, q in scores if rr is r], time_limit_s=60)
            for r in rounds
        ],
        interviewer="scripted",
    )
    index.upsert_session(info, Path(f"/nowhere/{session_id}.jsonl"), ended=ended)
    questions = [
        QuestionScore(
            question_id=q, round=r, topic=t, rubric="fundamentals", criteria=[], overall=value
        )
        for (r, t, q), value in scores.items()
    ]
    per_round = {r: [v for (rr, _, _), v in scores.items() if rr is r] for r in rounds}
    card = Scorecard(
        session_id=session_id,
        judge=OFFLINE,
        scored_at=DAY0 + timedelta(days=number, hours=1),
        questions=questions,
        rounds=[
            RoundScore(round=r, overall=sum(v) / len(v), questions=len(v))
            for r, v in per_round.items()
        ],
        overall=sum(scores.values()) / len(scores),
    )
    index.record_scorecard(card)
    return session_id


@pytest.fixture
def seeded() -> Index:
    index = Index()
    f, sd = Round.FUNDAMENTALS, Round.SYSTEM_DESIGN
    seed_session(index, 0, {(f, "rag", "q-rag"): 2.0, (f, "python", "q-py"): 4.0})
    seed_session(index, 1, {(f, "rag", "q-rag2"): 3.0, (sd, "agents", "q-agent"): 1.5})
    seed_session(index, 2, {(f, "python", "q-py2"): 5.0, (sd, "agents", "q-agent2"): 2.5})
    return index


def test_history_lists_sessions_newest_first_with_per_round_scores(seeded: Index) -> None:
    rows = history(seeded)
    assert [r.session_id for r in rows] == [
        "2026-11-03-s002",
        "2026-11-02-s001",
        "2026-11-01-s000",
    ]
    assert rows[0].per_round == {"fundamentals": 5.0, "system_design": 2.5}
    assert rows[0].overall == 3.75 and rows[0].engine == "offline" and rows[0].judge == "keypoints"


def test_stats_averages_trend_and_weakest_topics(seeded: Index) -> None:
    result = stats(seeded, last=10)
    assert result.sessions == 3
    assert result.per_round == {"fundamentals": 3.5, "system_design": 2.0}
    means = {t.topic: (t.mean, t.answered) for t in result.topics}
    assert means == {"rag": (2.5, 2), "python": (4.5, 2), "agents": (2.0, 2)}
    assert [t.topic for t in result.weakest(2)] == ["agents", "rag"]
    assert [score for _, score in result.trend] == [3.0, 2.25, 3.75]  # oldest first
    assert result.round_trends == {"fundamentals": [3.0, 3.0, 5.0], "system_design": [1.5, 2.5]}


def test_a_question_answered_again_counts_once_with_its_latest_score(seeded: Index) -> None:
    f = Round.FUNDAMENTALS
    seed_session(seeded, 3, {(f, "rag", "q-rag"): 4.0})  # was 2.0 on day 0
    result = stats(seeded, last=10)
    assert result.sessions == 4
    means = {t.topic: (t.mean, t.answered) for t in result.topics}
    assert means["rag"] == (3.5, 2)  # q-rag 4.0 and q-rag2 3.0; the old 2.0 no longer counts
    assert result.per_round["fundamentals"] == 4.0  # 4.0, 3.0, 4.0, 5.0
    assert result.trend[-1][1] == 4.0  # the trend still shows every session


def test_sparkline_uses_the_fixed_one_to_five_scale() -> None:
    assert sparkline([1.0, 3.0, 5.0]) == "▁▅█"
    assert sparkline([0.0, 9.0]) == "▁█"


def test_history_and_stats_commands(seeded: Index) -> None:
    listed = runner.invoke(app, ["history"])
    assert listed.exit_code == 0, listed.output
    assert "2026-11-03-s002" in listed.stdout and "3.75" in listed.stdout
    shown = runner.invoke(app, ["stats", "--last", "3"])
    assert shown.exit_code == 0, shown.output
    assert "Trend, last 3: " + sparkline([3.0, 2.25, 3.75]) in shown.stdout
    assert "Weakest topics: agents (system design, 2.00), rag (fundamentals, 2.50)" in " ".join(
        shown.stdout.split()
    )


def test_a_round_of_skips_shows_skip_not_a_blank_or_a_weak_score() -> None:
    index = Index()
    session_id = seed_session(index, 0, {(Round.FUNDAMENTALS, "rag", "q-rag"): 1.0})
    card = Scorecard(
        session_id=session_id,
        judge=OFFLINE,
        scored_at=DAY0 + timedelta(hours=2),
        questions=[
            QuestionScore(
                question_id="q-rag",
                round=Round.FUNDAMENTALS,
                topic="rag",
                rubric="fundamentals",
                criteria=[],
                overall=1.0,
                flags=["skipped"],
            )
        ],
        rounds=[RoundScore(round=Round.FUNDAMENTALS, overall=1.0, questions=1)],
        overall=1.0,
    )
    index.record_scorecard(card)
    listed = runner.invoke(app, ["history"])
    assert listed.exit_code == 0, listed.output
    (line,) = [row for row in listed.stdout.splitlines() if session_id in row]
    # Engine, then Code Fund SD TH, All, Status: fundamentals was played, every answer skipped.
    assert line.split()[3:] == ["offline", "·", "skip", "·", "·", "1.00", "done"], line


def test_empty_history_says_how_to_start() -> None:
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 0
    assert "No sessions yet. Start one with `mockloop interview`." in result.stderr


def test_stats_plot_writes_a_png(seeded: Index, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "trend.png"
    result = runner.invoke(app, ["stats", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # What the plot draws: a dated line per round beside the overall one.
    drawn = stats(seeded)
    assert len(drawn.trend_dates) == len(drawn.trend) == 3
    assert set(drawn.round_points) == {"fundamentals", "system_design"}
    assert all(isinstance(date, datetime) for date, _ in drawn.round_points["fundamentals"])


def test_plot_without_matplotlib_says_how_to_install_it(
    seeded: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import now raises ImportError
    result = runner.invoke(app, ["stats", "--plot", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert result.stderr == "error: --plot needs matplotlib: pip install 'mockloop[plot]'\n"


# -- drill ---------------------------------------------------------------------------------------


@pytest.fixture
def library(builtin_library: Library) -> Library:
    return builtin_library


def fundamentals(library: Library) -> list[tuple[str, str]]:
    return [
        (q.id, q.topic) for b in library.banks if b.round is Round.FUNDAMENTALS for q in b.questions
    ]


def test_a_worse_score_comes_back_sooner() -> None:
    scores = [1 + step / 20 for step in range(81)]  # 1.00, 1.05, ... 5.00
    intervals = [interval_days(score) for score in scores]
    assert intervals == sorted(intervals)  # never sooner for a better score
    assert intervals[0] == 1 and intervals[-1] > 7 * intervals[0]


def test_drill_puts_due_questions_first_then_weak_topics(library: Library) -> None:
    questions = fundamentals(library)
    (bad, bad_topic), (good, good_topic) = (
        questions[0],
        next(q for q in questions if q[1] != questions[0][1]),
    )
    now = DAY0 + timedelta(days=2)
    attempts = [
        Attempt(bad, bad_topic, 1.5, DAY0),  # due after 1 day: due now
        Attempt(good, good_topic, 4.9, DAY0),  # due after 21 days: not yet
    ]
    picks = plan_drill(library, attempts, now=now, count=4, rounds=[Round.FUNDAMENTALS], seed=1)
    ids = [p.question_id for p in picks]
    assert ids[0] == bad and good not in ids
    assert picks[0].reason.startswith("due: scored 1.5")
    # New questions from the weak topic come before topics never practised.
    same_topic_new = [q for q, t in questions if t == bad_topic and q != bad]
    assert same_topic_new, f"the test needs a second {bad_topic} question"
    assert picks[1].question_id in same_topic_new
    assert picks[1].reason == f"new; topic {bad_topic} averages 1.50"


def test_drill_list_command_reads_the_index(library: Library) -> None:
    index = Index()
    question = library.questions[0]
    round_ = library.round_of(question.id)
    seed_session(index, 0, {(round_, question.topic, question.id): 1.0})
    result = runner.invoke(app, ["drill", "--list", "-n", "3", "--round", round_.value])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]  # the list is --list's output: stdout
    assert first.startswith(f"1. {question.id} ") and "due: scored 1.0" in first


def test_drill_runs_its_questions_with_a_simulated_candidate(library: Library) -> None:
    result = runner.invoke(
        app,
        [
            "drill",
            "-n",
            "2",
            "--round",
            "fundamentals",
            "--seed",
            "3",
            "--json",
            "--no-timer",
            "--candidate-model",
            "simulated:strong",
        ],
    )
    assert result.exit_code == 0, result.output

    card = json.loads(result.stdout)["scorecard"]
    assert len(card["questions"]) == 2 and card["overall"] >= 4.0
    # A strong answer pushes those questions a week or more out: the next drill picks others.
    again = runner.invoke(
        app, ["drill", "--list", "-n", "2", "--round", "fundamentals", "--seed", "3"]
    )
    assert again.exit_code == 0, again.output
    listed = re.findall(r"^\d+\. (\S+)", again.stdout, re.M)
    done = {q["question_id"] for q in card["questions"]}
    assert len(listed) == 2 and not done & set(listed)
