"""Print the grid that chose how the offline judge uses graded examples (analysis/examples.py).

Usage: .venv/bin/python scripts/fit_examples.py

On SemEval-2013 train only, each answer is scored with the other train answers to its question
as graded examples (its own text left out, as the judge always does), for each number of
nearest examples and each weight of their grade against the reference-only analysis. It prints
the ROC-AUC of correct vs not per corpus. The test split is never read. Takes about 4 minutes on
2 cores: every answer embeds its question's 30-90 examples once per number of neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.examples import nearest_grade
from mockloop.analysis.keypoints import analyse
from mockloop.validity import (
    Item,
    as_question,
    examples_by_question,
    find_semeval,
    load_items,
    roc_auc,
)

NEAREST = (1, 3, 5, 7, 9)
WEIGHTS = (0.2, 0.25, 1 / 3, 0.4, 0.5, 0.6)


def reference_only(items: Sequence[Item]) -> list[float]:
    """The offline analysis's coverage of the reference answers, with no examples."""
    sim = default_similarity()
    scores = []
    for item in items:
        analysis = analyse(as_question(item), item.answer, sim)
        scores.append(analysis.coverage)
    return scores


def main() -> None:
    """Print one line of ROC-AUCs per corpus and number of nearest examples."""
    path = find_semeval()
    if path is None:
        raise SystemExit("shared/data/semeval2013/answers.jsonl not found (or $MOCKLOOP_SEMEVAL)")
    sim = default_similarity()
    train = [i for i in load_items(path) if i.split == "train"]
    examples = examples_by_question(train)
    for corpus in sorted({i.corpus for i in train}):
        items = [i for i in train if i.corpus == corpus]
        labels = [i.correct for i in items]
        base = reference_only(items)
        print(f"{corpus}: reference only {roc_auc(base, labels):.3f} ({len(items)} answers)")
        for nearest in NEAREST:
            grades = [
                nearest_grade(i.answer, examples[(i.corpus, i.question_id)], sim, nearest)
                for i in items
            ]
            cells = []
            for weight in WEIGHTS:
                blended = [
                    b if g is None else (1 - weight) * b + weight * g.grade
                    for b, g in zip(base, grades, strict=True)
                ]
                cells.append(f"w {weight:.2f}: {roc_auc(blended, labels):.3f}")
            print(f"  nearest {nearest}: " + "  ".join(cells))


if __name__ == "__main__":
    main()
