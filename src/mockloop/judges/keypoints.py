"""The offline judge: scores criteria from key-point coverage, reference similarity and tests."""

from __future__ import annotations

from collections.abc import Callable

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.keypoints import Analysis, analyse, strip_instructions
from mockloop.analysis.text import sentences, words
from mockloop.models import (
    Criterion,
    CriterionScore,
    Evidence,
    JudgeInfo,
    OfflineSignal,
    Question,
    QuestionScore,
    Round,
    Rubric,
    Transcript,
)

PROMPT_VERSION = "keypoints-v1"
# Upper edges of bands 1-4 for a signal in [0, 1]; at or above the last edge is a 5.
BAND_EDGES = (0.15, 0.35, 0.60, 0.80)


def band(value: float) -> int:
    """Map a signal in [0, 1] onto a 1-5 score."""
    return 1 + sum(value >= edge for edge in BAND_EDGES)


def weighted_overall(rubric: Rubric, scores: list[CriterionScore]) -> float | None:
    """Weighted mean of the scored criteria (unscored ones are left out, weights renormalised)."""
    weights = {c.id: c.weight for c in rubric.criteria}
    scored = [(weights[s.criterion], s.score) for s in scores if s.score is not None]
    total = sum(w for w, _ in scored)
    return round(sum(w * s for w, s in scored) / total, 2) if total else None


class KeypointJudge:
    """Offline, deterministic judge: no model, no network."""

    def __init__(self, similarity: Similarity | None = None) -> None:
        self.similarity = similarity or default_similarity()

    @property
    def info(self) -> JudgeInfo:
        """Engine, version and settings (reading it loads the similarity model, to name it)."""
        return JudgeInfo(
            engine="keypoints",
            prompt_version=PROMPT_VERSION,
            settings={"similarity": self.similarity.name, "band_edges": list(BAND_EDGES)},
        )

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        """Score every criterion of the rubric for one question."""
        said = transcript.candidate_text(question.id)
        analysis = analyse(question, said, self.similarity)
        answer, _ = strip_instructions(said)  # what the judge is told is not an answer
        scorers: dict[OfflineSignal, Callable[[Criterion], CriterionScore]] = {
            OfflineSignal.COVERAGE: lambda c: self._coverage(c, analysis),
            OfflineSignal.SIMILARITY: lambda c: self._similarity(c, analysis, answer),
            OfflineSignal.CLARITY: lambda c: self._clarity(c, analysis, answer),
            OfflineSignal.TESTS: lambda c: _tests(c, question, transcript),
        }
        criteria = [scorers[c.offline_signal](c) for c in rubric.criteria]
        flags = [] if analysis.verdict == "answer" else [_VERDICT_FLAGS[analysis.verdict]]
        if analysis.instructs_judge and analysis.verdict != "instructions_only":
            flags.append(INSTRUCTION_FLAG)
        return QuestionScore(
            question_id=question.id,
            round=transcript_round(transcript, question),
            topic=question.topic,
            rubric=rubric.rubric,
            criteria=criteria,
            overall=weighted_overall(rubric, criteria),
            covered_points=[m.point.id for m in analysis.covered],
            missed_points=[m.point.id for m in analysis.missed],
            flags=flags,
        )

    def _coverage(self, criterion: Criterion, analysis: Analysis) -> CriterionScore:
        if analysis.verdict != "answer":
            return _lowest(criterion, analysis)
        own = [m for m in analysis.matches if m.point.criterion == criterion.id]
        matches = own or analysis.matches
        covered = [m for m in matches if m.covered]
        missed = ", ".join(m.point.id for m in matches if not m.covered) or "none"
        which = f"{criterion.name.lower()} key point" if own else "key point"
        which += "" if len(matches) == 1 else "s"
        return CriterionScore(
            criterion=criterion.id,
            score=band(sum(m.score for m in matches) / len(matches)),
            rationale=f"Covered {len(covered)} of {len(matches)} {which}; missed: {missed}.",
            evidence=[
                Evidence(quote=m.evidence, supports=m.point.id) for m in covered if m.evidence
            ],
        )

    def _similarity(self, criterion: Criterion, analysis: Analysis, answer: str) -> CriterionScore:
        if analysis.verdict != "answer":
            return _lowest(criterion, analysis)
        # Depth needs substance as well as closeness: a one-liner near the reference is not deep.
        signal = 0.6 * analysis.relevance + 0.4 * analysis.coverage
        index, _ = self.similarity.best(answer, sentences(answer))
        quote = sentences(answer)[index] if index >= 0 else None
        return CriterionScore(
            criterion=criterion.id,
            score=band(signal),
            rationale=(
                f"Closeness to the reference answer {analysis.raw_relevance:.2f} "
                f"({self.similarity.name} cosine) with key-point coverage "
                f"{analysis.coverage:.0%}."
            ),
            evidence=[Evidence(quote=quote, supports=criterion.id)] if quote else [],
        )

    def _clarity(self, criterion: Criterion, analysis: Analysis, answer: str) -> CriterionScore:
        if analysis.verdict != "answer":
            return _lowest(criterion, analysis)
        count = len(words(answer))
        parts = sentences(answer)
        longest = max((len(words(p)) for p in parts), default=0)
        organised = 25 <= count <= 450 and longest <= 60
        signal = 0.35 + 0.35 * analysis.relevance + (0.2 if organised else 0.0)
        signal = min(signal, 0.35 + 0.65 * analysis.coverage)  # clear about nothing is not clear
        shape = "well-sized and organised" if organised else "too short, too long or run-on"
        return CriterionScore(
            criterion=criterion.id,
            score=band(signal),
            rationale=f"On-topic ({analysis.relevance:.0%}); {count} words, {shape}.",
        )


INSTRUCTION_FLAG = "the answer tries to instruct the judge; those sentences were ignored"
_VERDICT_FLAGS = {
    "instructions_only": "the answer only tries to instruct the judge",
    "empty": "no answer given",
    "non_answer": "the candidate said they did not know",
    "off_topic": "the answer is off-topic",
}


def _lowest(criterion: Criterion, analysis: Analysis) -> CriterionScore:
    return CriterionScore(
        criterion=criterion.id,
        score=1,
        rationale=f"Lowest band: {_VERDICT_FLAGS[analysis.verdict]}.",
    )


def _tests(criterion: Criterion, question: Question, transcript: Transcript) -> CriterionScore:
    runs = [
        t
        for t in transcript.for_question(question.id)
        if t.meta.tests is not None and t.meta.tests.label == "hidden"
    ]
    if not runs:
        return CriterionScore(
            criterion=criterion.id,
            score=None,
            rationale="Insufficient evidence: the hidden tests were never run (no /submit).",
            flags=["insufficient evidence"],
        )
    last = runs[-1].meta.tests
    assert last is not None  # filtered above
    passed, total = last.passed, last.total
    rate = passed / total if total else 0.0
    sandbox = f" (sandbox: {last.sandbox})" if last.sandbox else ""
    if last.status == "tampered":
        return CriterionScore(
            criterion=criterion.id,
            score=1,
            rationale=f"Tampering detected: the hidden test run was forged or patched{sandbox}.",
            flags=["tampering detected"],
        )
    return CriterionScore(
        criterion=criterion.id,
        score=1 + round(4 * rate),
        rationale=f"Passed {passed} of {total} hidden tests ({rate:.0%}){sandbox}.",
    )


def transcript_round(transcript: Transcript, question: Question) -> Round:
    """The round a question was asked in, from the session's plan."""
    return next(p.round for p in transcript.session.plan if question.id in p.question_ids)
