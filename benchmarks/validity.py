"""Scorer validity: the offline judge against human labels, adversaries and the injection filter.

The figures come from mockloop.validity (shared with scripts/fit_keypoint_weights.py and the
judge evaluation command); this module only lays them out as benchmark rows.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from statistics import mean

import yaml
from common import Row

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.keypoints import analyse
from mockloop.analysis.text import garbled, sentences, words
from mockloop.bankcheck import answer_score
from mockloop.calibration import collect, cross_validated_spearman
from mockloop.content import Library, load_library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Round, SampleLabel
from mockloop.validity import (
    Item,
    auc_by_scorer,
    bank_figures,
    examples_by_question,
    find_semeval,
    flag_rate,
    load_items,
)

TARGET_AUC = {"beetle": 0.90, "scientsbank": 0.82}
# (adversarial kind, what it is, the highest mean score it may get)
MEAN_TARGETS = (
    ("echo", "echoed prompts", 1.5),
    ("aliases", "alias lists (first alias of each point)", 2.0),
    ("alias-sentences", "each first alias in a short sentence that says nothing", 2.0),
    ("padded-aliases", "each first alias in a long sentence of filler", 2.0),
    ("alias-chain", "each first alias strung into one sentence by connectives", 2.0),
    ("shuffled-strong", "the strong sample with its words shuffled", 2.0),
)


def bank_rows() -> list[Row]:
    """Spearman on the banks' samples, adversarial means and the flag rate on samples."""
    sim = default_similarity()
    library = load_library()
    figures = bank_figures(KeypointJudge(sim), library, sim)
    means = figures.adversary_means
    below = figures.adversaries_below_partial
    flagged, honest = figures.flags
    texts = [s.answer for q in library.questions for s in q.samples]
    texts += [q.reference_answer for q in library.questions]
    salad = sum(map(garbled, texts))
    rows = [
        Row("validity", f"bank samples: Spearman with the labels ({figures.samples} answers)",
            f"{figures.spearman:.3f}", ">= 0.93", figures.spearman >= 0.93),
        Row("validity", "bank samples: the same, each fifth of the questions scored with "
            "offline_bands fitted on the other four (scripts/fit_offline_bands.py)",
            f"{cross_validated_spearman(collect(library)):.3f}"),
        Row("validity", "questions whose samples rank strong > partial > weak",
            f"{figures.ranked} of {figures.questions}", "all",
            figures.ranked == figures.questions),
    ]  # fmt: skip
    rows += [
        Row("validity", f"{what}: mean score", f"{means.get(kind, 0):.2f}", f"<= {most}",
            means.get(kind, 0) <= most)
        for kind, what, most in MEAN_TARGETS
    ]  # fmt: skip
    rows += [
        Row("validity", "injection filter: honest bank samples flagged",
            f"{flagged} of {honest}", "0", flagged == 0),
        Row("validity", "word-salad filter: honest bank samples and reference answers flagged",
            f"{salad} of {len(texts)}", "0", salad == 0),
    ]  # fmt: skip
    for kind, (ok, total) in sorted(below.items()):
        rows.append(
            Row("validity", f"adversarial {kind} answers below the partial sample",
                f"{ok} of {total}", "all", ok == total)
        )  # fmt: skip
    return rows


def semeval_rows() -> list[Row]:
    """ROC-AUC on SemEval test-unseen-answers against both baselines; flag rate on all of it."""
    path = find_semeval()
    if path is None:
        return [Row("validity", "SemEval-2013", "skipped: shared/data/semeval2013 not found")]
    sim = default_similarity()
    items = load_items(path)
    by_corpus: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.split == "test-unseen-answers":
            by_corpus[item.corpus].append(item)
    # The train answers to the same question are its graded examples: the split is built for
    # that (unseen answers to seen questions). The reference-only figure is what a question
    # with no graded answers gets, and what transfers to unseen questions.
    examples = examples_by_question(i for i in items if i.split == "train")
    rows = []
    for corpus, test in sorted(by_corpus.items()):
        auc = auc_by_scorer(test, sim, examples)
        best = max(auc["word overlap"], auc["embedding cosine"])
        alone = max(auc["offline"], auc["examples alone"])
        target = TARGET_AUC.get(corpus, 0.0)
        rows += [
            Row("validity", f"SemEval {corpus} test-unseen-answers ROC-AUC ({len(test)} "
                f"answers), reference answers only: offline vs word overlap / {sim.name} cosine",
                f"{auc['offline']:.3f} vs {auc['word overlap']:.3f} / "
                f"{auc['embedding cosine']:.3f}",
                "above both", auc["offline"] > best),
            Row("validity", f"SemEval {corpus} test-unseen-answers ROC-AUC, with the train "
                "answers to the same question as graded examples: offline vs reference only / "
                "examples alone",
                f"{auc['offline + examples']:.3f} vs {auc['offline']:.3f} / "
                f"{auc['examples alone']:.3f}",
                f">= {target} and above all four", auc["offline + examples"] >= target
                and auc["offline + examples"] > max(best, alone)),
        ]  # fmt: skip
    answers = [i.answer for i in items if i.split in ("train", "test-unseen-answers")]
    flagged, total = flag_rate(answers)
    salad = sum(map(garbled, answers))
    rows += [
        Row("validity", "injection filter: SemEval train + test-unseen-answers flagged",
            f"{flagged} of {total}", "0", flagged == 0),
        Row("validity", "word-salad filter: SemEval train + test-unseen-answers flagged",
            f"{salad} of {total}", "0", salad == 0),
    ]  # fmt: skip
    return rows


DATA = Path(__file__).parent / "data"


def claim_rows() -> list[Row]:
    """Confident wrong answers and correct paraphrases (benchmarks/data): what reading claims
    from words can and cannot tell apart."""
    judge, library = KeypointJudge(), load_library()
    sim = judge.similarity
    rows = []
    for name, what in (
        ("confident_wrong", "confident wrong answers (right words, wrong claims)"),
        ("correct_paraphrases", "correct paraphrases"),
    ):
        answers = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
        reached = inferred = 0
        scores = []
        for question_id, (answer,) in answers.items():
            question = library.question(question_id)
            partial = next(s for s in question.samples if s.label is SampleLabel.PARTIAL)
            score = answer_score(judge, library, question, answer) or 0.0
            scores.append(score)
            reached += score >= (answer_score(judge, library, question, partial.answer) or 0.0)
            found = analyse(question, answer, sim).misconceptions
            inferred += any(m.misconception.claim == m.quote for m in found)
        n = len(answers)
        rows += [
            Row("validity", f"{what}: mean score, and at or above the partial sample",
                f"{mean(scores):.2f}, {reached} of {n}"),
            Row("validity", f"{what}: told as contradicting a point with no misconception written",
                f"{inferred} of {n}", "0" if name == "correct_paraphrases" else "",
                inferred == 0 if name == "correct_paraphrases" else None),
        ]  # fmt: skip
    rows.append(thin_answer_row(judge, library))
    return rows


THIN_ROUNDS = (Round.FUNDAMENTALS, Round.SYSTEM_DESIGN)
THIN_WORDS = 8  # shorter sentences ("Second, citations.") are not answers on their own


def thin_answer_row(judge: KeypointJudge, library: Library) -> Row:
    """Each sentence of a strong sample on its own: a correct but thin answer, the lazy
    candidate's. It should score like the partial sample, not like the strong one."""
    scores: list[float] = []
    for question in library.questions:
        strong = next((s for s in question.samples if s.label is SampleLabel.STRONG), None)
        if strong is None or library.round_of(question.id) not in THIN_ROUNDS:
            continue
        for sentence in sentences(strong.answer):
            if len(words(sentence)) >= THIN_WORDS:
                scores.append(answer_score(judge, library, question, sentence) or 0.0)
    high = sum(score >= 4 for score in scores)
    return Row("validity", f"one sentence of a strong sample alone ({len(scores)} sentences of "
               "the fundamentals and system design questions): mean score, and how many reach 4",
               f"{mean(scores):.2f}, {high}")  # fmt: skip


def run() -> list[Row]:
    """Every validity row, with the wall time they took."""
    started = time.perf_counter()
    rows = [*bank_rows(), *claim_rows(), *semeval_rows()]
    rows.append(
        Row("validity", "LLM judge on a recorded replay", "no recorded replay in the repository")
    )
    rows.append(
        Row("validity", "validity benchmark wall time", f"{time.perf_counter() - started:.0f} s")
    )
    return rows
