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

from mockloop.bankcheck import answer_score
from mockloop.content import load_library
from mockloop.judges.analysis import analyse
from mockloop.judges.embedding import Similarity, default_similarity
from mockloop.judges.keypoints import KeypointJudge
from mockloop.judges.text import content_stems
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


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    values = np.asarray(scores, dtype=float)
    labels = np.asarray(positive, dtype=bool)
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties)."""

    def rank(x: Sequence[float]) -> np.ndarray:
        values = np.asarray(x, dtype=float)
        order = values.argsort(kind="mergesort")
        ranks = np.empty(len(values))
        sv = values[order]
        i = 0
        while i < len(values):
            j = i
            while j + 1 < len(values) and sv[j + 1] == sv[i]:
                j += 1
            ranks[order[i : j + 1]] = (i + j) / 2
            i = j + 1
        return ranks

    return float(np.corrcoef(rank(a), rank(b))[0, 1])


# -- scorers ------------------------------------------------------------------------------------


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
