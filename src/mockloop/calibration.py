"""Fit where the offline judge's signals cross from one score to the next, per rubric criterion.

The offline judge turns each criterion into a signal in [0, 1] and cuts it into a 1-5 score at
four edges. One set of edges for every criterion made a 3 mean different things: a partial
fundamentals answer got correctness 2 where its human scorer gave 3, and depth 3 where they
gave 2. Each criterion's edges are fitted here to the human scores of the banks' labelled
samples: least squares on the score, pulled towards the defaults so that sparse criteria stay
put, and subject to the checks `banks check` makes: every question's samples stay in the order
strong > partial > weak, and every adversarial answer (`banks check`'s, and each point's alias
in a short or a long sentence that says nothing about it) stays below the partial sample (or,
where the default edges already fail that, no new one rises to it). Without the last
kind, the fit set fundamentals correctness's band 3 at coverage 0.2, and alias sentences
averaged above 2. The
edges are written into the rubrics as `offline_bands` by scripts/fit_offline_bands.py; folds
grouped by question report how they do on questions they were not fitted on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mockloop.adversarial import adversarial_answers, analysis_attacks
from mockloop.bankcheck import one_answer_transcript
from mockloop.content import Library
from mockloop.judges.keypoints import BAND_EDGES, KeypointJudge, band
from mockloop.models import Criterion, Question
from mockloop.validity import spearman

Edges = tuple[float, float, float, float]
Key = tuple[str, str]  # (rubric, criterion)

STEP = 0.05  # edges move on this grid
PULL = 0.02  # squared-error cost of moving an edge by 1.0 away from the default
MIN_POINTS = 10  # fewer human scores than this keep the default edges
PASSES = 3
FOLDS = 5
ORDER = ("strong", "partial", "weak")


@dataclass(frozen=True)
class CriterionSignal:
    """One criterion of one scored answer: its signal (None when fixed), score and human score."""

    key: Key
    weight: float
    signal: float | None  # None: the score is fixed (no answer, no tests) and not banded
    score: int | None
    human: float | None
    floor: int = 1  # the lowest score the judge allowed (the rubric's offline_floor, if it applied)

    def banded(self, edges: Edges) -> int:
        """The score the judge would give with these edges (a criterion with a signal)."""
        assert self.signal is not None
        return max(self.floor, band(self.signal, edges))


@dataclass(frozen=True)
class ScoredAnswer:
    """A bank sample or adversarial answer as the offline judge saw it, criterion by criterion."""

    question_id: str
    label: str  # strong, partial, weak, or the adversary's kind
    criteria: list[CriterionSignal]

    @property
    def human(self) -> float | None:
        """The mean of the human criterion scores (None for an adversarial answer)."""
        scores = [c.human for c in self.criteria if c.human is not None]
        return sum(scores) / len(scores) if scores else None

    def overall(self, edges: dict[Key, Edges]) -> float:
        """The weighted overall the judge would give with these edges."""
        scored = []
        for c in self.criteria:
            if c.signal is not None:
                scored.append((c.weight, c.banded(edges.get(c.key, BAND_EDGES))))
            elif c.score is not None:
                scored.append((c.weight, c.score))
        total = sum(w for w, _ in scored)
        return round(sum(w * s for w, s in scored) / total, 2) if total else 0.0


class _RecordingJudge(KeypointJudge):
    """The offline judge, noting each criterion's signal as it is banded."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[float, int]] = {}

    def band(self, criterion: Criterion, signal: float, floor: int = 1) -> int:
        self.seen[criterion.id] = (signal, floor)
        return super().band(criterion, signal, floor)


def collect(library: Library) -> list[ScoredAnswer]:
    """Score every sample and adversarial answer of the banks, keeping each criterion's signal."""
    judge = _RecordingJudge()
    scored: list[ScoredAnswer] = []
    for question in library.questions:
        labelled = [(s.label.value, s.answer, s.scores) for s in question.samples]
        adversaries: list[tuple[str, str, dict[str, int]]] = [
            *((a.kind, a.answer, {}) for a in adversarial_answers(question)),
            *((kind, answer, {}) for kind, answer in analysis_attacks(question)),
        ]
        for label, answer, human in [*labelled, *adversaries]:
            scored.append(_scored(judge, library, question, label, answer, human))
    return scored


def _scored(
    judge: _RecordingJudge,
    library: Library,
    question: Question,
    label: str,
    answer: str,
    human: dict[str, int],
) -> ScoredAnswer:
    rubric = library.rubric_for(question)
    judge.seen = {}
    transcript = one_answer_transcript(question, answer, library.round_of(question.id))
    by_id = {
        s.criterion: s.score for s in judge.score_question(question, rubric, transcript).criteria
    }
    criteria = []
    for c in rubric.criteria:
        signal, floor = judge.seen.get(c.id, (None, 1))
        criteria.append(
            CriterionSignal(
                (rubric.rubric, c.id), c.weight, signal, by_id[c.id], human.get(c.id), floor
            )
        )
    return ScoredAnswer(question.id, label, criteria)


def violations(answers: Iterable[ScoredAnswer], edges: dict[Key, Edges]) -> set[tuple[str, str]]:
    """The checks these edges break: samples out of order, adversaries not below the partial."""
    by_question: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for answer in answers:
        by_question[answer.question_id][answer.label].append(answer.overall(edges))
    broken: set[tuple[str, str]] = set()
    for question, scores in by_question.items():
        if not all(label in scores for label in ORDER):
            continue
        strong, partial, weak = (scores[label][0] for label in ORDER)
        if not strong > partial > weak:
            broken.add((question, "order"))
        for kind, values in scores.items():
            if kind in ORDER:
                continue
            broken.update((question, f"{kind} {i}") for i, v in enumerate(values) if v >= partial)
    return broken


def fit_all(answers: Sequence[ScoredAnswer]) -> dict[Key, Edges]:
    """Edges per (rubric, criterion) closest to the human scores, keeping every check passed.

    Coordinate descent over a 0.05 grid, always from the judge's default edges (so fitting again
    on the same banks gives the same edges): each edge in turn takes the value that minimises
    the mean squared error plus PULL times its distance from the default, among the values that
    keep the order of the edges, keep the first edge at or above the default's (naming terms,
    0.12, must never lift a criterion off the lowest band) and break no check that the default
    edges pass.
    """
    points: dict[Key, list[tuple[CriterionSignal, float]]] = defaultdict(list)
    rubric_of: dict[Key, list[ScoredAnswer]] = defaultdict(list)
    for answer in answers:
        for c in answer.criteria:
            if c.signal is not None:
                rubric_of[c.key].append(answer)
                if c.human is not None:
                    points[c.key].append((c, c.human))
    edges: dict[Key, Edges] = {}
    keys = sorted(k for k, v in points.items() if len(v) >= MIN_POINTS)
    grid = [round(STEP * k, 2) for k in range(1, round(1 / STEP))]
    for _ in range(PASSES):
        for key in keys:
            affected = rubric_of[key]  # the answers whose score this key can change
            allowed = violations(affected, {})  # what the default edges already break
            current = list(edges.get(key, BAND_EDGES))
            for i in range(4):
                low = current[i - 1] if i else BAND_EDGES[0] - STEP / 2
                high = current[i + 1] if i < 3 else 1.0
                best: tuple[float, float] | None = None
                for g in [g for g in grid if low < g < high] or [current[i]]:
                    trial = _edges([*current[:i], g, *current[i + 1 :]])
                    cost = _cost(points[key], trial)
                    if best is not None and (cost, g) >= best:
                        continue
                    if violations(affected, {**edges, key: trial}) <= allowed:  # a subset
                        best = (cost, g)
                if best is not None:
                    current[i] = best[1]
            edges[key] = _edges(current)
    return edges


def _edges(values: list[float]) -> Edges:
    return (values[0], values[1], values[2], values[3])


def _cost(points: Sequence[tuple[CriterionSignal, float]], edges: Edges) -> float:
    error = sum((c.banded(edges) - human) ** 2 for c, human in points) / len(points)
    return error + PULL * sum(abs(e - d) for e, d in zip(edges, BAND_EDGES, strict=True))


def fold_of(question_ids: Iterable[str]) -> dict[str, int]:
    """Deterministic folds grouped by question: no question's answers in two folds."""
    return {q: k % FOLDS for k, q in enumerate(sorted(set(question_ids)))}


def spearman_with(answers: Sequence[ScoredAnswer], edges: dict[Key, Edges]) -> float:
    """Spearman of the judge's overall (with these edges) against the human mean, on samples."""
    samples = [(a.human, a.overall(edges)) for a in answers if a.human is not None]
    return spearman([h for h, _ in samples], [m for _, m in samples])


def cross_validated_spearman(answers: Sequence[ScoredAnswer]) -> float:
    """Spearman when each fold is scored with edges fitted on the other folds only."""
    folds = fold_of(a.question_id for a in answers)
    human: list[float] = []
    predicted: list[float] = []
    for k in range(FOLDS):
        edges = fit_all([a for a in answers if folds[a.question_id] != k])
        for answer in answers:
            if folds[answer.question_id] == k and answer.human is not None:
                human.append(answer.human)
                predicted.append(answer.overall(edges))
    return spearman(human, predicted)
