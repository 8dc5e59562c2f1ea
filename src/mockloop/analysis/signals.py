"""How likely a span of an answer expresses a key point: a small logistic model, general signals.

The signals transfer across questions and domains (no per-question tuning): word recall and
precision against the point once the question's words are set aside (question demoting, Mohler
et al. 2011; Sultan et al. 2016), embedding cosine without the question's words, and a negation
mismatch. The weights are fitted on SemEval-2013 *train* only by scripts/fit_keypoint_weights.py,
which prints WEIGHTS and BIAS (its docstring says which other signals were tried and why they
were left out).
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass


@dataclass(frozen=True)
class Signals:
    """What one span says about one key point, each in [0, 1]."""

    recall: float  # share of the point's demoted content words the span holds
    precision: float  # share of the span's demoted content words that are the point's
    cosine: float  # embedding cosine of the demoted span and point
    negation: float  # 1 when exactly one of span and point is negated


FEATURES = tuple(Signals.__dataclass_fields__)
# Fitted on 8,910 SemEval-2013 train answers by scripts/fit_keypoint_weights.py (it prints
# these two lines); never on a test split.
WEIGHTS = (1.05, -0.25, 2.16, -0.79)
BIAS = -1.49


def signals(point: frozenset[str], span: frozenset[str], cosine: float, flipped: bool) -> Signals:
    """The signals from the demoted content stems of point and span, their cosine and negations."""
    shared = len(point & span)
    return Signals(
        recall=shared / len(point) if point else 0.0,
        precision=shared / len(span) if span else 0.0,
        cosine=cosine,
        negation=float(flipped),
    )


def probability(values: Signals) -> float:
    """The logistic model's probability that the span expresses the point."""
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, astuple(values), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
