"""Score a whole transcript with any judge and aggregate per round and overall."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import mean

from mockloop.content import Library
from mockloop.models import QuestionScore, Round, RoundScore, Scorecard, Transcript, TurnKind
from mockloop.ports import Judge

STUDY_BELOW = 3.5  # questions scoring under this feed "study next"


def asked_questions(transcript: Transcript) -> list[str]:
    """Ids of the questions that were put to the candidate, in order."""
    seen: dict[str, None] = {}
    for turn in transcript.turns:
        if turn.kind is TurnKind.QUESTION and turn.question_id:
            seen.setdefault(turn.question_id)
    return list(seen)


def score_transcript(transcript: Transcript, library: Library, judge: Judge) -> Scorecard:
    """Score every asked question of a transcript and aggregate the results."""
    scores: list[QuestionScore] = []
    for question_id in asked_questions(transcript):
        question = library.question(question_id)
        score = judge.score_question(question, library.rubric_for(question), transcript)
        if skipped(transcript, question_id) and SKIPPED not in score.flags:
            score = score.model_copy(update={"flags": [*score.flags, SKIPPED]})
        scores.append(score)
    return aggregate(transcript.session.id, judge, scores, library)


SKIPPED = "skipped"  # a QuestionScore flag: the candidate skipped without answering


def skipped(transcript: Transcript, question_id: str) -> bool:
    """True when the candidate skipped the question and never answered it.

    Its score still counts in the scorecard, but progress (stats, drill) treats it as not
    attempted rather than as a weak topic.
    """
    own = [t for t in transcript.turns if t.question_id == question_id]
    answered = any(t.kind is TurnKind.ANSWER and t.text.strip() for t in own)
    return not answered and any(t.meta.action == "skip" for t in own)


def aggregate(
    session_id: str, judge: Judge, scores: list[QuestionScore], library: Library
) -> Scorecard:
    """Per-round means, the overall mean of rounds, and what to study next."""
    by_round: dict[Round, list[QuestionScore]] = defaultdict(list)
    for score in scores:
        by_round[score.round].append(score)
    rounds = [
        RoundScore(round=r, overall=_mean(s.overall for s in qs), questions=len(qs))
        for r, qs in sorted(by_round.items(), key=lambda item: list(Round).index(item[0]))
    ]
    return Scorecard(
        session_id=session_id,
        judge=judge.info,
        questions=scores,
        rounds=rounds,
        overall=_mean(r.overall for r in rounds),
        study_next=study_next(scores, library),
    )


def study_next(scores: list[QuestionScore], library: Library) -> list[str]:
    """Weak topics first, each with the key points that were missed."""
    weak = sorted(
        (s for s in scores if s.overall is None or s.overall < STUDY_BELOW),
        key=lambda s: s.overall or 0.0,
    )
    advice: list[str] = []
    for score in weak:
        question = library.question(score.question_id)
        missed = [question.key_point(p).text for p in score.missed_points][:3]
        detail = f": {'; '.join(missed)}" if missed else ""
        advice.append(f"{score.topic}{detail}")
    return advice


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 2) if present else None
