"""Print the grid that chose how the offline judge uses graded examples (analysis/examples.py).

Usage: .venv/bin/python scripts/fit_examples.py [--sizes]

On SemEval-2013 train only, each answer is scored with the other train answers to its question
as graded examples (its own text left out, as the judge always does), for each number of
nearest examples and each weight of their grade against the reference-only analysis. It prints
the ROC-AUC of correct vs not per corpus. The test split is never read. Takes about 4 minutes on
2 cores: every answer embeds its question's 30-90 examples once per number of neighbours.

With --sizes it prints instead how the judge's setting (NEAREST, WEIGHT) gains on the reference
alone when each question has only 3, 5, 10 or 20 examples (drawn at random, 3 draws): the
evidence for MIN_EXAMPLES.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from statistics import mean

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.examples import NEAREST, blend, nearest_grade
from mockloop.analysis.keypoints import analyse
from mockloop.models import Sample
from mockloop.validity import (
    Item,
    as_question,
    examples_by_question,
    find_semeval,
    load_items,
    roc_auc,
)

NEIGHBOURS = (1, 3, 5, 7, 9)
WEIGHTS = (0.2, 0.25, 1 / 3, 0.4, 0.5, 0.6)
SIZES = (3, 5, 10, 20)
DRAWS = 3


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
        if "--sizes" in sys.argv:
            sizes(items, examples, base, labels)
            continue
        for nearest in NEIGHBOURS:
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


def sizes(
    items: Sequence[Item],
    examples: dict[tuple[str, str], list[Sample]],
    base: list[float],
    labels: list[bool],
) -> None:
    """The judge's blend with only a few examples a question, against the reference alone."""
    sim = default_similarity()
    reference = roc_auc(base, labels)
    cells = []
    for size in SIZES:
        gains = []
        for draw in range(DRAWS):
            rng = random.Random(draw)
            scores = []
            for item, b in zip(items, base, strict=True):
                graded = examples[(item.corpus, item.question_id)]
                # Leave the answer itself out before drawing, as the judge would.
                others = [s for s in graded if s.answer != item.answer]
                drawn = rng.sample(others, min(size, len(others)))
                near = nearest_grade(item.answer, drawn, sim, NEAREST, minimum=0)
                scores.append(blend(b, near))
            gains.append(roc_auc(scores, labels) - reference)
        cells.append(f"{size} examples: {mean(gains):+.3f}")
    print("  " + "  ".join(cells))


if __name__ == "__main__":
    main()
