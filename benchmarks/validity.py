"""Scorer validity: the offline scorer against human labels (bank samples and SemEval-2013)."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import Row

from mockloop import stats
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
from mockloop.content import Library, load_library
from mockloop.evaldata import EvalItem, bank_items, data_item
from mockloop.judgeeval import EvalReport, measure, score_items
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import KeyPoint, Question

# ../shared beside the checkout (/work/main), or beside the folder of worktrees (/work/wt/NAME).
_DATA = Path("shared") / "data" / "semeval2013" / "answers.jsonl"
_HERE = Path(__file__).resolve()
SEMEVAL = next(
    (p / _DATA for p in _HERE.parents[2:4] if (p / _DATA).is_file()), _HERE.parents[2] / _DATA
)


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


def load_semeval(path: Path | None = None) -> list[Item]:
    """All SemEval items, or [] when the data is not there (the benchmark then says so)."""
    path = path or SEMEVAL
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
    """ROC-AUC from mockloop.stats (NaN when one class is missing)."""
    value = stats.roc_auc(scores, positive)
    return math.nan if value is None else value


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman from mockloop.stats (NaN when undefined)."""
    value = stats.spearman(a, b)
    return math.nan if value is None else value


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


def bank_spearman(
    sim: Similarity, library: Library
) -> tuple[dict[str, float], int, int, int, EvalReport]:
    """({scorer: Spearman}, samples, questions ranked strong > partial > weak, questions, the
    judge eval report of the offline judge on the bank samples and their adversarial answers).

    The offline scores come from `mockloop judge eval`'s library; the baselines score each
    sample against the question's reference answer.
    """
    judge = KeypointJudge(sim)
    started = time.perf_counter()
    scored = score_items(judge, bank_items(library))
    report = measure(judge.info, scored, samples=1, seconds=time.perf_counter() - started)
    baselines = make_scorers(sim)
    human: list[float] = []
    values: dict[str, list[float]] = defaultdict(list)
    by_question: dict[str, dict[str, float]] = defaultdict(dict)
    for s in scored:
        item = s.item
        if item.adversarial is not None or not item.question.samples or item.score is None:
            continue
        overall = s.score.overall or 0.0
        by_question[item.question.id][item.label or ""] = overall
        human.append(item.score)
        values["offline"].append(overall)
        question = item.question
        baseline_item = Item("bank", "all", question.id, question.prompt,
                             [question.reference_answer], item.answer, correct=False)  # fmt: skip
        for name in ("word overlap", "WordLlama cosine"):
            values[name].append(baselines[name](baseline_item))
    full = [q for q in by_question.values() if len(q) >= 3]
    ranked = sum(q.get("strong", 0) > q.get("partial", 0) > q.get("weak", 0) for q in full)
    rho = {name: spearman(human, v) for name, v in values.items()}
    return rho, len(human), ranked, len(full), report


def judge_eval_rows(report: EvalReport) -> list[Row]:
    """The `mockloop judge eval` figures of the offline judge on the banks (issue 14 targets)."""
    kinds = report.adversarial.by_kind
    rows = [
        Row("validity", f"judge eval, bank samples: Spearman / QWK ({report.agreement.answers})",
            f"{report.agreement.spearman} / {report.agreement.qwk}", ">= 0.93 Spearman",
            (report.agreement.spearman or 0) >= 0.93),
    ]  # fmt: skip
    for kind, target in (("echo", 1.5), ("aliases", 2.0)):
        if kind in kinds:
            k = kinds[kind]
            rows.append(
                Row("validity", f"judge eval, adversarial {kind} answers: mean score "
                    f"({k.passed} of {k.answers} at or above the partial sample)",
                    f"{k.mean_score}", f"<= {target}", (k.mean_score or 0) <= target)
            )  # fmt: skip
    if "misconception" in kinds:
        k = kinds["misconception"]
        rows.append(Row("validity", "judge eval, stated misconceptions at or above the partial "
                        "sample", f"{k.passed} of {k.answers}", "0", k.passed == 0))  # fmt: skip
    flags = report.injection_false_flags
    rows.append(Row("validity", f"judge eval, injection false flags on honest samples "
                    f"({flags.total})", str(flags.count), "0", flags.count == 0))  # fmt: skip
    return rows


def semeval_judge_auc(items: list[Item], library: Library, sim: Similarity) -> dict[str, float]:
    """ROC-AUC of the offline judge's overall score, per corpus, through judge eval's library."""
    aucs: dict[str, float] = {}
    judge = KeypointJudge(sim)
    for corpus in sorted({i.corpus for i in items}):
        chosen: list[EvalItem] = [
            data_item({"question_id": i.question_id, "question": i.question,
                       "reference_answers": i.references, "answer": i.answer,
                       "label": "correct" if i.correct else "incorrect"},
                      f"semeval:{n}", library)
            for n, i in enumerate(items) if i.corpus == corpus
        ]  # fmt: skip
        scored = score_items(judge, chosen)
        report = measure(judge.info, scored, samples=1, seconds=0.0)
        aucs[corpus] = report.agreement.roc_auc or math.nan
    return aucs


def run() -> list[Row]:
    """Spearman on the bank's labelled samples; ROC-AUC on SemEval test-unseen-answers."""
    started = time.perf_counter()
    sim = default_similarity()
    library = load_library()
    rho, samples, ranked, questions, report = bank_spearman(sim, library)
    rows = [
        Row("validity", f"bank samples: Spearman with the labels ({samples} answers): "
            f"offline vs word overlap / {sim.name} cosine",
            f"{rho['offline']:.3f} vs {rho['word overlap']:.3f} / {rho['WordLlama cosine']:.3f}",
            "beat both baselines",
            rho["offline"] > max(rho["word overlap"], rho["WordLlama cosine"])),
        Row("validity", "questions whose samples rank strong > partial > weak",
            f"{ranked} of {questions}", "all", ranked == questions),
        *judge_eval_rows(report),
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
    test = [i for i in items if i.split == "test-unseen-answers"]
    for corpus, judge_auc in semeval_judge_auc(test, library, sim).items():
        rows.append(
            Row("validity", f"judge eval, SemEval {corpus} test-unseen-answers: ROC-AUC of the "
                "offline judge's overall score", f"{judge_auc:.3f}")
        )  # fmt: skip
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
