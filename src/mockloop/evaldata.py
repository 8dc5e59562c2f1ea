"""Labelled answers for `mockloop judge eval`: the banks' samples, their adversarial answers,
and JSON-lines files in the SemEval-2013 format (README: "Judge eval").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import mean
from typing import Any

from pydantic import ValidationError

from mockloop.adversarial import Adversary, adversarial_answers
from mockloop.content import Library
from mockloop.models import Question, Round, Rubric, Sample, SampleLabel

DEFAULT_RUBRIC = "fundamentals"
# Labels a data line may carry: their rank for Spearman, and whether they count as correct for
# ROC-AUC (None: the label is a quality band, not a correct/incorrect verdict).
LABELS: dict[str, tuple[float, bool | None]] = {
    "correct": (1.0, True),
    "partially_correct_incomplete": (0.5, False),
    "contradictory": (0.0, False),
    "incorrect": (0.0, False),
    "irrelevant": (0.0, False),
    "non_domain": (0.0, False),
    SampleLabel.STRONG.value: (3.0, None),
    SampleLabel.PARTIAL.value: (2.0, None),
    SampleLabel.WEAK.value: (1.0, None),
}


# The band an example with each label stands for among a question's samples.
EXAMPLE_BANDS: dict[str, SampleLabel] = {
    "correct": SampleLabel.STRONG,
    "partially_correct_incomplete": SampleLabel.PARTIAL,
    "contradictory": SampleLabel.WEAK,
    "incorrect": SampleLabel.WEAK,
    "irrelevant": SampleLabel.WEAK,
    "non_domain": SampleLabel.WEAK,
    **{band.value: band for band in SampleLabel},
}


class DataError(ValueError):
    """A data line that cannot be used: `file:line: field: what was expected`."""


@dataclass(frozen=True)
class EvalItem:
    """One answer to score, with its human label or score, or the adversarial answer it is."""

    question: Question
    rubric: Rubric
    round: Round
    answer: str
    source: str  # "bank sample" or file:line
    label: str | None = None
    score: float | None = None  # a human score (1-5 for the banks' samples)
    adversarial: Adversary | None = None

    @property
    def human(self) -> float | None:
        """The value the judge's score is ranked against: the score, else the label's rank."""
        if self.score is not None:
            return self.score
        return LABELS[self.label][0] if self.label is not None else None

    @property
    def correct(self) -> bool | None:
        """True or False for correct/incorrect labels; None for bands, scores and adversarial."""
        return LABELS[self.label][1] if self.label is not None else None


def bank_items(library: Library) -> list[EvalItem]:
    """Every labelled sample in the banks, then the adversarial answers of each question that
    has a partial sample to compare them with."""
    samples: list[EvalItem] = []
    adversarial: list[EvalItem] = []
    for question in library.questions:
        rubric, round_ = library.rubric_for(question), library.round_of(question.id)
        for sample in question.samples:
            human = mean(sample.scores.values()) if sample.scores else None
            samples.append(
                EvalItem(
                    question,
                    rubric,
                    round_,
                    sample.answer,
                    "bank sample",
                    label=sample.label.value,
                    score=human,
                )
            )
        if any(s.label is SampleLabel.PARTIAL for s in question.samples):
            adversarial += [
                EvalItem(question, rubric, round_, a.answer, "adversarial", adversarial=a)
                for a in adversarial_answers(question)
            ]
    return samples + adversarial


def load_data(
    paths: list[Path], library: Library, examples: Mapping[str, list[Sample]] | None = None
) -> list[EvalItem]:
    """Items from JSON-lines files; the first bad line raises DataError naming file:line: field.
    `examples` (load_examples) become extra samples of the questions they were given for."""
    items: list[EvalItem] = []
    questions: dict[tuple[str, str, tuple[str, ...], str], Question] = {}
    for where, data in _lines(paths):
        item = data_item(data, where, library, questions)
        graded = (examples or {}).get(question_key(data))
        if graded:
            samples = [*item.question.samples, *graded]
            item = replace(item, question=item.question.model_copy(update={"samples": samples}))
        items.append(item)
    if not items:
        raise DataError(f"{', '.join(map(str, paths))}: no answers (want one JSON object a line)")
    return items


def load_examples(paths: list[Path]) -> dict[str, list[Sample]]:
    """Labelled answers from JSON-lines files as graded examples, by question (question_key):
    the offline judge compares an answer with the nearest of them (analysis/examples.py)."""
    examples: dict[str, list[Sample]] = {}
    for where, data in _lines(paths):
        answer = _text(data, "answer", where)
        label = _label(data, where)
        if label is None:
            raise DataError(f"{where}: label: missing (an example needs a label, not a score)")
        key = question_key(data)
        if not key:
            raise DataError(f"{where}: question: missing (give question_id or question)")
        examples.setdefault(key, []).append(Sample(label=EXAMPLE_BANDS[label], answer=answer))
    return examples


def question_key(data: dict[str, Any]) -> str:
    """Which question a line answers, to match examples with data: its id, else its text."""
    for field in ("question_id", "question"):
        if isinstance(value := data.get(field), str) and value.strip():
            return f"{field}:{value.strip()}"
    return ""


def _lines(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file:line, object) for every non-blank line of the files."""
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if line.strip():
                where = f"{path}:{number}"
                yield where, parse_line(line, where)


def parse_line(line: str, where: str) -> dict[str, Any]:
    """One JSON-lines line as an object, or DataError."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(data).__name__}")
    return data


def data_item(
    data: dict[str, Any],
    where: str,
    library: Library,
    cache: dict[tuple[str, str, tuple[str, ...], str], Question] | None = None,
) -> EvalItem:
    """One data line as an item (questions are built once per cache); DataError if unusable."""
    cache = {} if cache is None else cache
    answer = _text(data, "answer", where)
    label, score = _label(data, where), _score(data, where)
    if label is None and score is None:
        raise DataError(f"{where}: label: missing (give a label, or a numeric score)")
    if "question" not in data and isinstance(data.get("question_id"), str):
        question = _bank_question(data["question_id"], where, library)
        rubric, round_ = library.rubric_for(question), library.round_of(question.id)
    else:
        rubric = _rubric(data, where, library)
        round_ = rubric.round
        question = _question(data, where, rubric, cache)
    return EvalItem(question, rubric, round_, answer, where, label=label, score=score)


def _text(data: dict[str, Any], field: str, where: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: {field}: expected a non-empty string")
    return value


def _label(data: dict[str, Any], where: str) -> str | None:
    value = data.get("label")
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().lower() not in LABELS:
        raise DataError(f"{where}: label: expected one of {', '.join(LABELS)}, got {value!r}")
    return value.strip().lower()


def _score(data: dict[str, Any], where: str) -> float | None:
    value = data.get("score")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"{where}: score: expected a number, got {value!r}")
    return float(value)


def _bank_question(question_id: str, where: str, library: Library) -> Question:
    try:
        return library.question(question_id)
    except Exception:  # UnknownQuestion; the message names the id
        raise DataError(
            f"{where}: question: missing, and question_id {question_id!r} is not a bank question"
        ) from None


def _rubric(data: dict[str, Any], where: str, library: Library) -> Rubric:
    name = data.get("rubric", DEFAULT_RUBRIC)
    if not isinstance(name, str) or name not in library.rubrics:
        known = ", ".join(sorted(library.rubrics))
        raise DataError(f"{where}: rubric: expected one of {known}, got {name!r}")
    return library.rubrics[name]


def _question(
    data: dict[str, Any],
    where: str,
    rubric: Rubric,
    cache: dict[tuple[str, str, tuple[str, ...], str], Question],
) -> Question:
    prompt = _text(data, "question", where)
    references = data.get("reference_answers")
    if (
        not isinstance(references, list)
        or not references
        or not all(isinstance(r, str) and r.strip() for r in references)
    ):
        raise DataError(f"{where}: reference_answers: expected a non-empty list of strings")
    raw_id = str(data.get("question_id") or "")
    key = (raw_id, prompt, tuple(references), rubric.rubric)
    if key not in cache:
        cache[key] = _as_question(raw_id, prompt, references, rubric, where)
    return cache[key]


def _as_question(
    raw_id: str, prompt: str, references: list[str], rubric: Rubric, where: str
) -> Question:
    """A data line's question as a bank question (reference_question), or DataError."""
    try:
        return reference_question(raw_id, prompt, references, rubric.rubric)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        # key_points.0.text is the first reference, key_points.0.alternatives.N the (N+2)th.
        if loc[:3] == ["key_points", "0", "text"]:
            loc = ["reference_answers", "0"]
        elif loc[:3] == ["key_points", "0", "alternatives"] and len(loc) > 3:
            loc = ["reference_answers", str(int(loc[3]) + 1)]
        raise DataError(f"{where}: {'.'.join(loc) or 'question'}: {first['msg']}") from None


def reference_question(
    raw_id: str,
    prompt: str,
    references: Sequence[str],
    rubric: str,
    samples: Sequence[Sample] = (),
) -> Question:
    """A question known only by its reference answers, as in SemEval: any one of them is a
    complete answer, so they are wordings of one key point. Raises ValidationError."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", raw_id.lower()).strip("-_")[:80] or "data-question"
    return Question.model_validate(
        {
            "id": slug,
            "topic": "data",
            "difficulty": "medium",
            "rubric": rubric,
            "prompt": prompt,
            "key_points": [
                {"id": "reference", "text": references[0], "alternatives": list(references[1:])}
            ],
            "reference_answer": references[0],
            "samples": list(samples),
        }
    )
