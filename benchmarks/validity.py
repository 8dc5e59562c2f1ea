"""Scorer validity: the offline scorer against human labels (bank samples and SemEval-2013)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import numpy as np
from common import Row

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.keypoints import (
    W_BIAS,
    W_COSINE,
    W_NEGATION,
    W_PRECISION,
    W_RECALL,
    analyse,
)
from mockloop.analysis.text import content_stems
from mockloop.bankcheck import answer_score
from mockloop.content import load_library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import KeyPoint, Question

SEMEVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2013" / "answers.jsonl"


@dataclass(frozen=True)
class Item:
    """One SemEval answer: its question, references, the answer and whether it is correct."""

    corpus: str
    split: str
    question_id: str
    question: str
    references: list[str]
    answer: str
    correct: bool


def load_semeval(path: Path = SEMEVAL) -> list[Item]:
    """All SemEval items, or [] when the data is not there (the benchmark then says so)."""
    if not path.is_file():
        return []
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        items.append(
            Item(
                d["corpus"],
                d["split"],
                d["question_id"],
                d["question"],
                d["reference_answers"],
                d["answer"],
                d["label"] == "correct",
            )
        )
    return items


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """0-based ranks, ties sharing the mean of their positions."""
    array = np.asarray(values, dtype=float)
    order = array.argsort(kind="mergesort")
    ranks = np.empty(len(array))
    ordered = array[order]
    start = 0
    while start < len(array):
        end = start
        while end + 1 < len(array) and ordered[end + 1] == ordered[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2
        start = end + 1
    return ranks


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    ranks = average_ranks(scores) + 1
    labels = np.asarray(positive, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    return float(np.corrcoef(average_ranks(a), average_ranks(b))[0, 1])


# -- scorers ------------------------------------------------------------------------------------


# The weights in mockloop.analysis.keypoints, in the order fit_logistic returns them (a negation
# mismatch lowers the probability, hence the sign); a refit that
# moves further than this means the shipped weights no longer come from this data.
SHIPPED_WEIGHTS = (W_RECALL, W_PRECISION, W_COSINE, -W_NEGATION, W_BIAS)  # mismatch lowers
WEIGHT_TOLERANCE = 0.05


def word_overlap(item: Item) -> float:
    """Baseline: best share of a reference's content words that the answer contains."""
    said = set(content_stems(item.answer))
    return max(
        (len(said & ref) / len(ref) if (ref := set(content_stems(r))) else 0.0)
        for r in item.references
    )


def as_question(item: Item) -> Question:
    """A SemEval item as a mockloop question: each reference answer is one key point."""
    points = [
        KeyPoint(id=f"ref{i}", text=reference, aliases=[])
        for i, reference in enumerate(item.references)
    ]
    return Question.model_validate(
        {
            "id": "semeval",
            "topic": "semeval",
            "difficulty": "medium",
            "time_limit": "5m",
            "rubric": "fundamentals",
            "prompt": item.question,
            "key_points": [p.model_dump() for p in points],
            "reference_answer": item.references[0],
        }
    )


def make_scorers(sim: Similarity) -> dict[str, Callable[[Item], float]]:
    """The two baselines and the offline scorer's key-point analysis."""

    def embedding_cosine(item: Item) -> float:
        return max(sim.similarity(item.answer, r) for r in item.references)

    def offline(item: Item) -> float:
        # The product's analysis: best key-point match (alias / content words / meaning).
        analysis = analyse(as_question(item), item.answer, sim)
        return max((m.score for m in analysis.matches), default=0.0)

    return {"word overlap": word_overlap, "WordLlama cosine": embedding_cosine, "offline": offline}


# -- fitting (train split only) -----------------------------------------------------------------


def signals(item: Item, sim: Similarity) -> tuple[float, float, float, float]:
    """Recall, precision, cosine and negation mismatch against the closest reference."""
    from mockloop.analysis.keypoints import NEGATION

    said = set(content_stems(item.answer))
    negated = bool(NEGATION.search(item.answer))
    best = (0.0, 0.0, 0.0, 0.0)
    for reference in item.references:
        target = set(content_stems(reference))
        shared = len(said & target)
        recall = shared / len(target) if target else 0.0
        precision = shared / len(said) if said else 0.0
        cosine = sim.similarity(item.answer, reference)
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


# -- the benchmark ------------------------------------------------------------------------------


def bank_spearman(sim: Similarity) -> tuple[dict[str, float], int, int, int]:
    """({scorer: Spearman}, samples, questions ranked strong > partial > weak, questions).

    The baselines score each sample against the question's reference answer.
    """
    library = load_library()
    judge = KeypointJudge()
    baselines = make_scorers(sim)
    human: list[float] = []
    scored: dict[str, list[float]] = defaultdict(list)
    ranked = total = 0
    for question in library.questions:
        if len(question.samples) < 3:
            continue
        total += 1
        by_label = {}
        for sample in question.samples:
            score = answer_score(judge, library, question, sample.answer) or 0.0
            by_label[sample.label.value] = score
            human.append(mean(sample.scores.values()))
            scored["offline"].append(score)
            item = Item("bank", "all", question.id, question.prompt,
                        [question.reference_answer], sample.answer, correct=False)  # fmt: skip
            for name in ("word overlap", "WordLlama cosine"):
                scored[name].append(baselines[name](item))
        ranked += by_label["strong"] > by_label["partial"] > by_label["weak"]
    rho = {name: spearman(human, values) for name, values in scored.items()}
    return rho, len(human), ranked, total


def run() -> list[Row]:
    """Spearman on the bank's labelled samples; ROC-AUC on SemEval test-unseen-answers."""
    started = time.perf_counter()
    sim = default_similarity()
    rho, samples, ranked, questions = bank_spearman(sim)
    rows = [
        Row("validity", f"bank samples: Spearman with the labels ({samples} answers): "
            f"offline vs word overlap / {sim.name} cosine",
            f"{rho['offline']:.3f} vs {rho['word overlap']:.3f} / {rho['WordLlama cosine']:.3f}",
            "beat both baselines",
            rho["offline"] > max(rho["word overlap"], rho["WordLlama cosine"])),
        Row("validity", "questions whose samples rank strong > partial > weak",
            f"{ranked} of {questions}", "all", ranked == questions),
    ]  # fmt: skip
    items = load_semeval()
    if not items:
        rows.append(Row("validity", "SemEval-2013", f"skipped: {SEMEVAL} not found"))
        return rows
    scorers = make_scorers(sim)
    by_corpus: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.split == "test-unseen-answers":
            by_corpus[item.corpus].append(item)
    for corpus, test in sorted(by_corpus.items()):
        labels = [i.correct for i in test]
        auc = {name: roc_auc([f(i) for i in test], labels) for name, f in scorers.items()}
        best_baseline = max(auc["word overlap"], auc["WordLlama cosine"])
        rows.append(
            Row(
                "validity",
                f"SemEval {corpus} test-unseen-answers ROC-AUC ({len(test)} answers): "
                f"offline vs word overlap / {sim.name} cosine",
                f"{auc['offline']:.3f} vs {auc['word overlap']:.3f} / "
                f"{auc['WordLlama cosine']:.3f}",
                "beat both baselines",
                auc["offline"] > best_baseline,
            )
        )
    # The shipped weights came from train; refitting here shows they still match train.
    train = [i for i in items if i.split == "train"]
    features = np.array([signals(i, sim) for i in train])
    weights = fit_logistic(features, np.array([i.correct for i in train], dtype=float))
    shown = ", ".join(f"{w:.2f}" for w in weights)
    drift = float(np.max(np.abs(weights - np.array(SHIPPED_WEIGHTS))))
    rows.append(
        Row("validity", f"logistic weights refit on SemEval train ({len(train)} answers): "
            "recall, precision, cosine, negation, bias; largest gap to the shipped weights",
            f"{shown}; {drift:.2f}", f"<= {WEIGHT_TOLERANCE}", drift <= WEIGHT_TOLERANCE)
    )  # fmt: skip
    rows.append(
        Row("validity", "LLM judge on a recorded replay", "no recorded replay in the repository")
    )
    rows.append(
        Row("validity", "validity benchmark wall time", f"{time.perf_counter() - started:.0f} s")
    )
    return rows
