"""Graded examples: how the answers nearest to this one were graded by people.

A model judge is shown the nearest example of each band instead (`anchors`): where the
rubric's levels sit for this question.

A question whose bank (or `judge eval --examples` file) carries many graded answers lets the
offline judge compare a new answer with them, as a marker compares a script with the ones
already marked ("instance-based" short-answer grading). Paraphrases that share no word with
the one reference answer, the offline judge's weakest spot, are often close to an example.

The examples only ever add to the reference analysis, never replace it, and only for a real
answer that states something: a list of terms, an echo of the question or an off-topic answer
gets nothing from its neighbours. The constants were chosen on SemEval-2013 train, each answer
left out of its own examples (scripts/fit_examples.py prints the grid); never on a test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mockloop.analysis.embedding import Similarity
from mockloop.models import Sample, SampleLabel

# Below this many examples (the answer itself left out) the neighbours are noise, and worse:
# with the banks' three samples a sample's own neighbours are the other two bands. SemEval
# train, each answer left out, against the reference alone (Beetle / SciEntsBank): 3 examples
# a question -0.017 / +0.042 ROC-AUC, 5 -0.008 / +0.054, 10 +0.016 / +0.091, 20 +0.032 /
# +0.116 (scripts/fit_examples.py --sizes).
MIN_EXAMPLES = 10
NEAREST = 5  # graded answers consulted: the best on train, within 0.005 of 3 and 7
# Mean cosine of the nearest examples under which they are not near at all, and say nothing.
MIN_NEARNESS = 0.3
# The examples' share of the correctness signal. SemEval train rises to 0.6 (0.895 / 0.873 at
# 0.6 against 0.894 / 0.870 at 0.5); capped at half, so the examples never outweigh the
# reference analysis, which is the part that reads what the answer says.
WEIGHT = 0.5

GRADES = {SampleLabel.STRONG: 1.0, SampleLabel.PARTIAL: 0.5, SampleLabel.WEAK: 0.0}
SCORE_RANGE = (1.0, 5.0)  # a sample's human scores, when it has them, are 1-5


@dataclass(frozen=True)
class ExampleGrade:
    """The mean grade of the graded answers nearest to an answer, and how near they are."""

    grade: float  # in [0, 1]
    nearness: float  # mean cosine of those answers to this one
    count: int  # how many were consulted


def sample_grade(sample: Sample) -> float:
    """A sample's grade in [0, 1]: its human scores' mean if it has them, else its band."""
    if sample.scores:
        low, high = SCORE_RANGE
        mean = sum(sample.scores.values()) / len(sample.scores)
        return (mean - low) / (high - low)
    return GRADES[sample.label]


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def nearest_grade(
    answer: str,
    samples: Sequence[Sample],
    similarity: Similarity,
    nearest: int = NEAREST,
    minimum: int = MIN_EXAMPLES,
) -> ExampleGrade | None:
    """How the examples nearest to `answer` were graded; None when there are too few of them or
    none is near. An example with the answer's own text is left out: no answer grades itself."""
    own = _normal(answer)
    examples = [s for s in samples if _normal(s.answer) != own]
    if len(examples) < minimum:
        return None
    cosines = similarity.scores(answer, [s.answer for s in examples])
    ranked = sorted(zip(cosines, examples, strict=True), key=lambda pair: -pair[0])[:nearest]
    nearness = sum(c for c, _ in ranked) / len(ranked)
    if nearness < MIN_NEARNESS:
        return None
    grade = sum(sample_grade(s) for _, s in ranked) / len(ranked)
    return ExampleGrade(grade, nearness, len(ranked))


def anchors(answer: str, samples: Sequence[Sample], similarity: Similarity) -> list[Sample]:
    """The graded example nearest to `answer` in each band, strong first: what a model judge
    is shown of how people graded this question. The answer's own text is left out."""
    own = _normal(answer)
    examples = [s for s in samples if _normal(s.answer) != own]
    if not examples:
        return []
    bands = [[s for s in examples if s.label is label] for label in GRADES]
    if all(len(band) <= 1 for band in bands):
        # One per band, as in the built-in banks: nothing to choose, so no model to load.
        return [band[0] for band in bands if band]
    texts = [s.answer for s in examples]
    cosines = similarity.scores(answer, texts) if answer.strip() else [0.0] * len(texts)
    chosen: dict[SampleLabel, Sample] = {}
    for i in sorted(range(len(examples)), key=lambda i: -cosines[i]):  # nearest first
        chosen.setdefault(examples[i].label, examples[i])
    return [chosen[label] for label in GRADES if label in chosen]


def blend(signal: float, examples: ExampleGrade | None) -> float:
    """A correctness signal moved towards the nearest examples' grade, when there are any."""
    return signal if examples is None else (1 - WEIGHT) * signal + WEIGHT * examples.grade
