"""The offline judge: scores criteria from key-point coverage, reference similarity and tests."""

from __future__ import annotations

from collections.abc import Callable

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.examples import MIN_EXAMPLES, NEAREST, blend
from mockloop.analysis.examples import WEIGHT as EXAMPLES_WEIGHT
from mockloop.analysis.keypoints import (
    EXPLAINS,
    VOUCHED,
    Analysis,
    PointMatch,
    analyse,
    strip_instructions,
)
from mockloop.analysis.submission import own_text
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

# v3: per-criterion offline_bands from the rubric; v4: graded samples as examples;
# v5: contradictions no misconception names (swaps, opposite words, dismissals);
# v6: a criterion's offline_floor for a point stated with nothing wrong
PROMPT_VERSION = "keypoints-v6"
# Upper edges of bands 1-4 for a signal in [0, 1]; at or above the last edge is a 5.
BAND_EDGES = (0.15, 0.35, 0.60, 0.80)


def band(value: float, edges: tuple[float, ...] = BAND_EDGES) -> int:
    """Map a signal in [0, 1] onto a 1-5 score."""
    return 1 + sum(value >= edge for edge in edges)


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
            settings={
                "similarity": self.similarity.name,
                # The defaults; a criterion with offline_bands in its rubric uses those.
                "band_edges": list(BAND_EDGES),
                "bands": "each criterion's offline_bands from its rubric, else band_edges",
                "floors": "each criterion's offline_floor from its rubric: the least for a key "
                "point stated with nothing wrong",
                "examples": f"questions with {MIN_EXAMPLES}+ graded samples: the {NEAREST} "
                f"nearest weigh {EXAMPLES_WEIGHT:.2f} of correctness",
            },
        )

    def band(self, criterion: Criterion, signal: float, floor: int = 1) -> int:
        """The 1-5 score for a signal by the rubric's bands (or the defaults), at least `floor`."""
        return max(floor, band(signal, criterion.offline_bands or BAND_EDGES))

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        """Score every criterion of the rubric for one question."""
        # Only what the candidate wrote: the starter code and the brief's files are not theirs.
        said = own_text(question, transcript.candidate_text(question.id))
        analysis = analyse(question, said, self.similarity)
        answer, _ = strip_instructions(said)  # what the judge is told is not an answer
        tests = _tests(rubric, question, transcript, analysis)
        scorers: dict[OfflineSignal, Callable[[Criterion], CriterionScore]] = {
            OfflineSignal.COVERAGE: lambda c: self._coverage(c, analysis),
            OfflineSignal.SIMILARITY: lambda c: self._similarity(c, analysis, answer, tests),
            OfflineSignal.CLARITY: lambda c: self._clarity(c, analysis, answer),
            OfflineSignal.TESTS: lambda c: tests or _no_tests(c),
        }
        criteria = [scorers[c.offline_signal](c) for c in rubric.criteria]
        flags = [] if analysis.verdict == "answer" else [_VERDICT_FLAGS[analysis.verdict]]
        if analysis.instructs_judge and analysis.verdict != "instructions_only":
            flags.append(INSTRUCTION_FLAG)
        flags.extend(m.feedback for m in analysis.misconceptions)
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
        wrong = [m.misconception for m in matches if m.misconception is not None]
        named = [m.point.id for m in matches if m.how == "named"]
        missed = ", ".join(m.point.id for m in matches if not m.covered) or "none"
        which = f"{criterion.name.lower()} key point" if own else "key point"
        which += "" if len(matches) == 1 else "s"
        rationale = f"Covered {len(covered)} of {len(matches)} {which}; missed: {missed}."
        if named:
            rationale += f" Named, not explained: {', '.join(named)}."
        rationale += "".join(f" {w.feedback}" for w in wrong)
        if (near := analysis.examples) is not None:
            rationale += (
                f" The {near.count} graded sample answers nearest to this one average "
                f"{near.grade:.0%} (they count for {EXAMPLES_WEIGHT:.0%})."
            )
        signal = blend(sum(m.score for m in matches) / len(matches), near)
        # A wrong claim costs more than the point it cancels: correctness is about being right.
        signal -= MISCONCEPTION_PENALTY * len(wrong)
        floor = _floor(criterion, covered, analysis)
        score = self.band(criterion, max(0.0, signal), floor)
        if score > band(max(0.0, signal), criterion.offline_bands or BAND_EDGES):
            rationale += f" At least {floor}: a key point is stated and nothing said is wrong."
        return CriterionScore(
            criterion=criterion.id,
            score=score,
            rationale=rationale,
            evidence=[
                *(Evidence(quote=m.evidence, supports=m.point.id) for m in covered if m.evidence),
                *(Evidence(quote=w.quote, supports=f"misconception:{w.point.id}") for w in wrong),
            ],
            flags=[f"misconception: {w.point.id}" for w in wrong],
        )

    def _similarity(
        self, criterion: Criterion, analysis: Analysis, answer: str, tests: CriterionScore | None
    ) -> CriterionScore:
        if analysis.verdict != "answer":
            return _lowest(criterion, analysis)
        # Depth is explanation of substance (why, how, trade-offs, numbers), not length or
        # closeness alone: capped by what the answer actually states.
        signal = 0.45 * analysis.coverage + 0.25 * analysis.relevance + 0.3 * analysis.explanation
        signal = min(signal, analysis.coverage + DEPTH_OVER_COVERAGE)
        # A wrong claim is not depth either: each one costs here as it does in correctness.
        signal -= MISCONCEPTION_PENALTY * len(analysis.misconceptions)
        if analysis.statement_share < 0.5:
            signal = min(signal, 0.1)  # a list of terms explains nothing
        score = self.band(criterion, max(0.0, signal))
        note = ""
        if tests is not None and tests.score is not None and score > tests.score:
            # Code that fails its tests is not high-quality code: quality never outranks them.
            score, note = tests.score, f" Capped at the hidden-test score ({tests.score})."
        quote = _explaining_quote(analysis)
        return CriterionScore(
            criterion=criterion.id,
            score=score,
            rationale=(
                f"Key-point coverage {analysis.coverage:.0%}, explanation (why, how, trade-offs, "
                f"numbers) {analysis.explanation:.0%}, closeness to the reference "
                f"{analysis.raw_relevance:.2f} ({self.similarity.name} cosine).{note}"
            ),
            evidence=[Evidence(quote=quote, supports=criterion.id)] if quote else [],
        )

    def _clarity(self, criterion: Criterion, analysis: Analysis, answer: str) -> CriterionScore:
        if analysis.verdict != "answer":
            return _lowest(criterion, analysis)
        count = len(words(answer))
        parts = sentences(answer)
        longest = max((len(words(p)) for p in parts), default=0)
        shape = [
            label
            for label, applies in (
                ("too short", count < 25),
                ("too long", count > 450),
                ("run-on", longest > 60),
                ("a list of terms, not sentences", analysis.statement_share < 0.5),
            )
            if applies
        ]
        signal = 0.3 + 0.3 * analysis.relevance + 0.2 * analysis.statement_share
        signal += 0.0 if shape else 0.2
        # Clear about nothing is not clear: communication follows substance.
        signal = min(signal, 0.3 + 0.7 * analysis.coverage)
        if analysis.statement_share < 0.5:
            signal = min(signal, 0.3)
        said = ", ".join(shape) if shape else "well-sized, in sentences"
        return CriterionScore(
            criterion=criterion.id,
            score=self.band(criterion, signal),
            rationale=f"On-topic ({analysis.relevance:.0%}); {count} words: {said}.",
        )


def _floor(criterion: Criterion, covered: list[PointMatch], analysis: Analysis) -> int:
    """The rubric's floor when it applies, else 1.

    A point stated with nothing wrong said anywhere in the answer is the rubric's "core idea is
    right", however many others are missing; the bands grade completeness above it. Graded
    answers nearest to this one that people mostly marked wrong overrule it: the "point" is
    then more likely a surface match than the core idea.
    """
    if not criterion.offline_floor or not covered or analysis.misconceptions:
        return 1
    if analysis.examples is not None and analysis.examples.grade < VOUCHED:
        return 1
    return criterion.offline_floor


def _explaining_quote(analysis: Analysis) -> str | None:
    """The evidence of the best covered point, preferring one that explains (why, how)."""
    covered = sorted(analysis.covered, key=lambda m: -m.score)
    quotes = [m.evidence for m in covered if m.evidence]
    explaining = [q for q in quotes if EXPLAINS.search(q)]
    return next(iter(explaining or quotes), None)


MISCONCEPTION_PENALTY = 0.15
DEPTH_OVER_COVERAGE = 0.25  # depth may exceed what the answer covers by this much, no more
INSTRUCTION_FLAG = "the answer tries to instruct the judge; those sentences were ignored"
_VERDICT_FLAGS = {
    "instructions_only": "the answer only tries to instruct the judge",
    "empty": "no answer given",
    "non_answer": "the candidate said they did not know",
    "off_topic": "the answer is off-topic",
    "echo": "the answer restates the question",
    "garbled": "the answer's words are not in sentences (word salad)",
}


def _lowest(criterion: Criterion, analysis: Analysis) -> CriterionScore:
    return CriterionScore(
        criterion=criterion.id,
        score=1,
        rationale=f"Lowest band: {_VERDICT_FLAGS[analysis.verdict]}.",
    )


def _no_tests(criterion: Criterion) -> CriterionScore:
    return CriterionScore(
        criterion=criterion.id,
        score=None,
        rationale="Insufficient evidence: the hidden tests were never run (no /submit).",
        flags=["insufficient evidence"],
    )


def _tests(
    rubric: Rubric, question: Question, transcript: Transcript, analysis: Analysis
) -> CriterionScore | None:
    """The hidden-test criterion, or None when the rubric has none or the tests never ran."""
    criterion = next((c for c in rubric.criteria if c.offline_signal is OfflineSignal.TESTS), None)
    if criterion is None:
        return None
    if analysis.verdict in ("empty", "instructions_only"):
        # Nothing of the candidate's own: the starter passing some tests earns them nothing.
        return _lowest(criterion, analysis)
    runs = [
        t
        for t in transcript.for_question(question.id)
        if t.meta.tests is not None and t.meta.tests.label == "hidden"
    ]
    if not runs:
        return None
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
