"""Fit the offline judge's logistic weights on SemEval-2013 *train* (never on a test split).

Usage: .venv/bin/python scripts/fit_keypoint_weights.py [path/to/answers.jsonl]

Signals per answer, against its closest reference once the question's words are demoted:
content-word recall and precision, WordLlama cosine, and a negation mismatch. Prints the
weights line to paste into mockloop/analysis/keypoints.py and the train ROC-AUC it reaches.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.keypoints import NEGATION, demote
from mockloop.analysis.text import content_stems
from mockloop.validity import Item, load_items, roc_auc

DEFAULT = Path(__file__).resolve().parents[3] / "shared" / "data" / "semeval2013" / "answers.jsonl"


def signals(item: Item) -> tuple[float, float, float, float]:
    """Demoted recall, precision, cosine and negation mismatch against the closest reference."""
    sim = default_similarity()
    qstems = frozenset(content_stems(item.question))
    answer = demote(item.answer, qstems)
    said = set(content_stems(answer))
    negated = bool(NEGATION.search(item.answer))
    best = (0.0, 0.0, 0.0, 0.0)
    for reference in item.references:
        target = set(content_stems(reference)) - qstems or set(content_stems(reference))
        shared = len(said & target)
        recall = shared / len(target) if target else 0.0
        precision = shared / len(said) if said else 0.0
        cosine = sim.similarity(answer, demote(reference, qstems) or reference)
        flipped = float(negated != bool(NEGATION.search(reference)))
        if recall + cosine > best[0] + best[2]:
            best = (recall, precision, cosine, flipped)
    return best


def fit_logistic(features: np.ndarray, labels: np.ndarray, steps: int = 4000) -> np.ndarray:
    """Weights (then bias) of an L2-regularised logistic regression, by gradient descent."""
    x = np.c_[features, np.ones(len(features))]
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.5 * (x.T @ (p - labels) / len(labels) + 1e-3 * np.r_[w[:-1], 0])
    return w


def main() -> None:
    """Fit on train, print the weights and the train ROC-AUC."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    train = [i for i in load_items(path) if i.split == "train"]
    features = np.array([signals(i) for i in train])
    labels = np.array([i.correct for i in train], dtype=float)
    w = fit_logistic(features, labels)
    auc = roc_auc(list(np.c_[features, np.ones(len(features))] @ w), [bool(v) for v in labels])
    sys.stdout.write(
        f"# fitted on {len(train)} SemEval-2013 train answers; train ROC-AUC {auc:.3f}\n"
        f"W_RECALL, W_PRECISION, W_COSINE, W_NEGATION, W_BIAS = "
        f"{w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f}, {-w[3]:.2f}, {w[4]:.2f}\n"
    )


if __name__ == "__main__":
    main()
