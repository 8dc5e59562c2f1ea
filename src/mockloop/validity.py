"""Measuring the offline judge against labels: SemEval-2013, bank samples, adversaries, injection.

A library (not only a benchmark) so `make bench`, the fitting script and `mockloop judge eval`
share one definition of each figure. Pure Python: no numpy needed to compute a ROC-AUC.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from mockloop import stats
from mockloop.analysis.embedding import Similarity
from mockloop.analysis.examples import blend, nearest_grade
from mockloop.analysis.injection import strip_instructions
from mockloop.analysis.keypoints import analyse
from mockloop.analysis.text import content_stems
from mockloop.content import Library
from mockloop.evaldata import reference_question
from mockloop.models import Question, Sample, SampleLabel
from mockloop.ports import Judge


def find_semeval() -> Path | None:
    """The SemEval-2013 answers file: $MOCKLOOP_SEMEVAL, else shared/data/ above the checkout."""
    import os

    if os.environ.get("MOCKLOOP_SEMEVAL"):
        return Path(os.environ["MOCKLOOP_SEMEVAL"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "semeval2013" / "answers.jsonl"
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Item:
    """One labelled answer: its question, references, the answer and whether it is correct."""

    corpus: str
    split: str
    question_id: str
    question: str
    references: list[str]
    answer: str
    correct: bool


def load_items(path: Path) -> list[Item]:
    """SemEval-style JSON lines (corpus, split, question, reference_answers, answer, label)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        items.append(
            Item(
                d.get("corpus", ""),
                d.get("split", ""),
                d.get("question_id", ""),
                d["question"],
                list(d["reference_answers"]),
                d["answer"],
                d["label"] == "correct",
            )
        )
    return items


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """ROC-AUC (mockloop.stats); a sample of one class has none, which is a bug in the data."""
    value = stats.roc_auc(scores, positive)
    if value is None:
        raise ValueError("ROC-AUC needs both correct and incorrect answers")
    return value


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman correlation (mockloop.stats); constant scores correlate with nothing: 0."""
    value = stats.spearman(a, b)
    return 0.0 if value is None else value


def word_overlap(item: Item) -> float:
    """Baseline: best share of a reference's content words that the answer contains."""
    said = set(content_stems(item.answer))
    return max(
        (len(said & ref) / len(ref) if (ref := set(content_stems(r))) else 0.0)
        for r in item.references
    )


def as_question(item: Item, examples: Sequence[Sample] = ()) -> Question:
    """A SemEval item as a mockloop question, as `judge eval --data` builds it: its reference
    answers are wordings of one key point, and its graded examples (if any) are samples."""
    return reference_question(
        item.question_id, item.question, item.references, "fundamentals", examples
    )


def as_sample(item: Item) -> Sample:
    """A labelled answer as a graded example: correct is strong, anything else weak."""
    label = SampleLabel.STRONG if item.correct else SampleLabel.WEAK
    return Sample(label=label, answer=item.answer)


Examples = Mapping[tuple[str, str], Sequence[Sample]]  # (corpus, question_id) -> examples


def examples_by_question(items: Iterable[Item]) -> dict[tuple[str, str], list[Sample]]:
    """Labelled answers as graded examples of their question."""
    examples: dict[tuple[str, str], list[Sample]] = {}
    for item in items:
        examples.setdefault((item.corpus, item.question_id), []).append(as_sample(item))
    return examples


def scorers(
    sim: Similarity, examples: Examples | None = None
) -> dict[str, Callable[[Item], float]]:
    """The two baselines and the offline analysis (its coverage of the references); with
    examples, also the nearest examples' grade alone (a third baseline) and the offline
    analysis that compares each answer with the graded examples of its question."""

    def embedding_cosine(item: Item) -> float:
        return max(sim.scores(item.answer, item.references), default=0.0)

    def offline_with(item: Item, graded: Sequence[Sample]) -> float:
        analysis = analyse(as_question(item, graded), item.answer, sim)
        return blend(analysis.coverage, analysis.examples)

    found: dict[str, Callable[[Item], float]] = {
        "word overlap": word_overlap,
        "embedding cosine": embedding_cosine,
        "offline": lambda item: offline_with(item, ()),
    }
    if examples is not None:

        def graded(item: Item) -> Sequence[Sample]:
            return examples.get((item.corpus, item.question_id), ())

        def examples_alone(item: Item) -> float:
            near = nearest_grade(item.answer, graded(item), sim)
            return 0.5 if near is None else near.grade

        found["examples alone"] = examples_alone
        found["offline + examples"] = lambda item: offline_with(item, graded(item))
    return found


def auc_by_scorer(
    items: Sequence[Item], sim: Similarity, examples: Examples | None = None
) -> dict[str, float]:
    """ROC-AUC of correct vs not for each scorer."""
    labels = [i.correct for i in items]
    return {
        name: roc_auc([f(i) for i in items], labels) for name, f in scorers(sim, examples).items()
    }


@dataclass(frozen=True)
class BankFigures:
    """How the judge does on the banks' labelled samples and adversarial answers."""

    spearman: float
    samples: int
    ranked: int  # questions whose samples score strong > partial > weak
    questions: int
    adversary_means: dict[str, float]  # kind -> mean score
    adversaries_below_partial: dict[str, tuple[int, int]]  # kind -> (below, total)
    flags: tuple[int, int]  # (answers flagged as instructing the judge, honest answers)


def bank_figures(judge: Judge, library: Library, sim: Similarity) -> BankFigures:
    """Spearman on bank samples, adversarial means and the injection flag rate on samples."""
    from mockloop.adversarial import adversarial_answers, analysis_attacks
    from mockloop.bankcheck import answer_score

    def score(question: Question, answer: str) -> float:
        return answer_score(judge, library, question, answer) or 0.0

    human: list[float] = []
    machine: list[float] = []
    ranked = total = flagged = honest = 0
    by_kind: dict[str, list[float]] = {}
    below: dict[str, list[bool]] = {}
    for question in library.questions:
        labelled = {}
        for sample in question.samples:
            value = score(question, sample.answer)
            labelled[sample.label.value] = value
            honest += 1
            flagged += strip_instructions(sample.answer)[1]
            if sample.scores:
                human.append(mean(sample.scores.values()))
                machine.append(value)
        if len(labelled) < 3 or "partial" not in labelled:
            continue
        total += 1
        ranked += labelled["strong"] > labelled["partial"] > labelled["weak"]
        attacks: list[tuple[str, str]] = [(a.kind, a.answer) for a in adversarial_answers(question)]
        attacks += analysis_attacks(question)
        for kind, answer in attacks:
            value = score(question, answer)
            by_kind.setdefault(kind, []).append(value)
            below.setdefault(kind, []).append(value < labelled["partial"])
    return BankFigures(
        spearman(human, machine),
        len(human),
        ranked,
        total,
        {k: mean(v) for k, v in by_kind.items()},
        {k: (sum(v), len(v)) for k, v in below.items()},
        (flagged, honest),
    )


def flag_rate(answers: Iterable[str]) -> tuple[int, int]:
    """(answers the injection filter flags, answers): for honest answers it should be 0."""
    flags = total = 0
    for answer in answers:
        total += 1
        flags += strip_instructions(answer)[1]
    return flags, total
