"""Fit the offline judge's logistic weights on SemEval-2013 *train* (never on a test split).

Usage: .venv/bin/python scripts/fit_keypoint_weights.py [path/to/answers.jsonl]

Each train answer is compared with its closest reference answer (as the judge compares a clause
with a key point) through the signals of mockloop.analysis.signals: content-word recall and
precision once the question's words are demoted, WordLlama cosine without the question's words,
and a negation mismatch. An L2-regularised logistic regression on correct-vs-not gives the
weights. The script prints the ROC-AUC per corpus under 5-fold cross-validation grouped by
question (no question in two folds, so the figure says how the model does on questions it has
not seen) and the `WEIGHTS` / `BIAS` lines to paste into mockloop/analysis/signals.py. The test
splits are never read. Deterministic: the same data gives the same weights.

Signals tried and left out (grouped 5-fold CV on train, Beetle / SciEntsBank; this model 0.828 /
0.727): Sultan-style soft word alignment with WordLlama token vectors (exact or stem match, else
cosine >= 0.4 or 0.5), both directions: no gain. Recall on every word, question words included:
0.841 / 0.743, and cosine without demoting: 0.832 / 0.739; but both lift vague answers that
reuse the question's words, and on the banks they cost the partial > weak ranking of 2 questions
and 1-3 adversarial checks, so they are not used. Answer and reference lengths: +0.01 on
SciEntsBank, left out because a bank's key points are far longer than SemEval's references.
An opposite word on one side only (the contradiction detector's pairs, "known" for "unknown")
read as a negation: 0.833 / 0.729, and on test-unseen-answers Beetle +0.009, SciEntsBank -0.003;
but it fired 821 times on the banks' own reference and sample texts ("harder to predict" against
"easier testing", "unlike" against "likely", "at least" against "most"), cost two reference
answers a point, and cancelled real negations ("always" against "never"), so it is not used.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path

import numpy as np

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.keypoints import NEGATION, demote
from mockloop.analysis.signals import FEATURES, Signals, signals
from mockloop.analysis.text import content_stems
from mockloop.validity import Item, find_semeval, load_items, roc_auc

FOLDS = 5


def item_signals(item: Item, sim: Similarity) -> list[Signals]:
    """The signals of the answer against each of its references."""
    qstems = frozenset(content_stems(item.question))
    answer = demote(item.answer, qstems)
    said = frozenset(content_stems(answer))
    negated = bool(NEGATION.search(item.answer))
    out = []
    for reference in item.references:
        full = frozenset(content_stems(reference))
        target = full - qstems or full
        cosine = sim.similarity(answer, demote(reference, qstems) or reference)
        flipped = negated != bool(NEGATION.search(reference))
        out.append(signals(target, said, cosine, flipped))
    return out


def closest(options: Sequence[Signals]) -> Signals:
    """The reference the answer is closest to (the one a grader would compare it with)."""
    return max(options, key=lambda s: s.recall + s.cosine)


def fit_logistic(features: np.ndarray, labels: np.ndarray, steps: int = 4000) -> np.ndarray:
    """Weights (then bias) of an L2-regularised logistic regression, by gradient descent."""
    x = np.c_[features, np.ones(len(features))]
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.5 * (x.T @ (p - labels) / len(labels) + 1e-3 * np.r_[w[:-1], 0])
    return w


def best_score(options: Sequence[Signals], w: np.ndarray) -> float:
    """The model's score against the best-matching reference, as the judge takes the best point."""
    return max(float(np.r_[astuple(s), 1.0] @ w) for s in options)


def cross_validated(train: list[Item], table: list[list[Signals]]) -> dict[str, float]:
    """ROC-AUC per corpus with folds grouped by question (no question in two folds)."""
    questions = sorted({(i.corpus, i.question_id) for i in train})
    fold = {q: k % FOLDS for k, q in enumerate(questions)}
    scores = [0.0] * len(train)
    for k in range(FOLDS):
        inside = [j for j, i in enumerate(train) if fold[(i.corpus, i.question_id)] != k]
        w = fit_logistic(
            np.array([astuple(closest(table[j])) for j in inside]),
            np.array([train[j].correct for j in inside], dtype=float),
        )
        for j, item in enumerate(train):
            if fold[(item.corpus, item.question_id)] == k:
                scores[j] = best_score(table[j], w)
    corpora = sorted({i.corpus for i in train})
    return {
        c: roc_auc(
            [s for s, i in zip(scores, train, strict=True) if i.corpus == c],
            [i.correct for i in train if i.corpus == c],
        )
        for c in corpora
    }


def main() -> None:
    """Fit on train, print the cross-validated ROC-AUC and the weights."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else find_semeval()
    if path is None:
        raise SystemExit("SemEval-2013 not found: pass its answers.jsonl or set MOCKLOOP_SEMEVAL")
    train = [i for i in load_items(path) if i.split == "train"]
    sim = default_similarity()
    table = [item_signals(i, sim) for i in train]
    cv = cross_validated(train, table)
    w = fit_logistic(
        np.array([astuple(closest(t)) for t in table]),
        np.array([i.correct for i in train], dtype=float),
    )
    weights = ", ".join(f"{v:.2f}" for v in w[:-1])
    figures = ", ".join(f"{c} {v:.3f}" for c, v in cv.items())
    sys.stdout.write(
        f"# {len(train)} SemEval-2013 train answers; {FOLDS}-fold ROC-AUC grouped by question: "
        f"{figures}\n# features: {', '.join(FEATURES)}\n"
        f"WEIGHTS = ({weights})\nBIAS = {w[-1]:.2f}\n"
    )


if __name__ == "__main__":
    main()
