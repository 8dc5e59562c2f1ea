"""Graded examples: an answer is also compared with the answers people graded for its question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.examples import (
    MIN_EXAMPLES,
    NEAREST,
    anchors,
    nearest_grade,
    sample_grade,
)
from mockloop.analysis.keypoints import analyse
from mockloop.bankcheck import one_answer_transcript
from mockloop.cli.app import app
from mockloop.content import load_library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import CriterionScore, Question, Round, Sample, SampleLabel
from mockloop.validity import Item, as_question, examples_by_question

runner = CliRunner()
QUESTION = "How did you separate the salt from the water?"
REFERENCE = "The water was evaporated, leaving the salt."
# Right and wrong answers as pupils word them: the right ones share no content word with the
# reference, which is why a reference-only judge misses them.
RIGHT = [
    "Leave it in the sun so it dries and the crystals stay behind.",
    "Heat it until it dries up and crystals are left.",
    "Put it somewhere warm until it is dry and only crystals remain.",
    "Let the liquid dry away in the sun, the crystals stay.",
    "Boil it until nothing wet is left, then you see the crystals.",
    "We left the dish in the sunlight and it dried into crystals.",
    "Warm it on a hot plate till it dries and white crystals are left.",
]
WRONG = [
    "Use a filter paper to catch it.",
    "Pour it through a strainer.",
    "Shake it well and wait.",
    "Stir it with a spoon.",
    "Pour it through a coffee filter.",
    "Use a magnet to pull it out.",
    "We filtered it with paper.",
]
PARAPHRASE = "It dried up in sunlight."
FILTERING = "Filter it through some paper."

sim = default_similarity()


def item(answer: str, correct: bool = True, split: str = "test") -> Item:
    return Item("demo", split, "salt", QUESTION, [REFERENCE], answer, correct)


def examples(right: list[str] = RIGHT, wrong: list[str] = WRONG) -> list[Sample]:
    graded = [item(a, True, "train") for a in right] + [item(a, False, "train") for a in wrong]
    return examples_by_question(graded)[("demo", "salt")]


def judged(question: Question, answer: str) -> CriterionScore:
    """The offline judge's correctness for one answer, under the built-in fundamentals rubric."""
    rubric = load_library().rubrics["fundamentals"]
    transcript = one_answer_transcript(question, answer, Round.FUNDAMENTALS)
    score = KeypointJudge(sim).score_question(question, rubric, transcript)
    return next(c for c in score.criteria if c.criterion == "correctness")


def correctness(question: Question, answer: str) -> int:
    return judged(question, answer).score


def test_a_right_paraphrase_is_vouched_for_and_a_wrong_answer_is_not() -> None:
    alone = analyse(as_question(item(PARAPHRASE)), PARAPHRASE, sim)
    graded = analyse(as_question(item(PARAPHRASE), examples()), PARAPHRASE, sim)
    # No word of the reference: alone the judge calls it off topic; its neighbours were right.
    assert alone.verdict == "off_topic" and alone.examples is None
    assert graded.verdict == "answer"
    assert graded.examples is not None and graded.examples.grade == 1.0
    assert graded.examples.count == NEAREST
    wrong = analyse(as_question(item(FILTERING), examples()), FILTERING, sim)
    assert wrong.examples is not None and wrong.examples.grade == 0.0


def test_the_judge_gives_correctness_for_what_its_neighbours_earned_and_says_so() -> None:
    with_examples = as_question(item(PARAPHRASE), examples())
    without = as_question(item(PARAPHRASE))
    assert correctness(with_examples, PARAPHRASE) > correctness(without, PARAPHRASE)
    assert correctness(as_question(item(FILTERING), examples()), FILTERING) <= correctness(
        as_question(item(FILTERING)), FILTERING
    )
    rationale = judged(with_examples, PARAPHRASE).rationale
    assert f"The {NEAREST} graded sample answers nearest to this one average 100%" in rationale


def test_too_few_examples_say_nothing() -> None:
    few = examples(RIGHT[:5], WRONG[:4])
    assert len(few) == MIN_EXAMPLES - 1
    assert nearest_grade(PARAPHRASE, few, sim) is None
    assert analyse(as_question(item(PARAPHRASE), few), PARAPHRASE, sim).verdict == "off_topic"


def test_an_answer_is_never_its_own_example() -> None:
    graded = examples()
    # The same text graded strong (whitespace and case aside) is left out, so it changes nothing.
    echoed = [*graded, Sample(label=SampleLabel.STRONG, answer="  it DRIED up in sunlight. ")]
    assert nearest_grade(PARAPHRASE, echoed, sim) == nearest_grade(PARAPHRASE, graded, sim)
    # ...and leaving it out can take a question below the minimum.
    just_enough = [*graded[: MIN_EXAMPLES - 1], Sample(label=SampleLabel.STRONG, answer=PARAPHRASE)]
    assert nearest_grade(PARAPHRASE, just_enough, sim) is None


def test_a_list_of_the_examples_words_gets_nothing_from_them() -> None:
    listed = "sun, crystals, dry, heat, warm"
    analysis = analyse(as_question(item(listed), examples()), listed, sim)
    assert analysis.examples is None
    assert correctness(as_question(item(listed), examples()), listed) == 1


def test_a_sample_is_graded_by_its_human_scores_else_its_band() -> None:
    assert sample_grade(Sample(label=SampleLabel.PARTIAL, answer="x")) == 0.5
    scored = Sample(label=SampleLabel.PARTIAL, answer="x", scores={"correctness": 5, "depth": 3})
    assert sample_grade(scored) == 0.75


def test_the_banks_three_samples_a_question_are_too_few(builtin_library) -> None:  # type: ignore[no-untyped-def]
    # The bank figures and `banks check` measure the judge as it is without examples.
    assert max(len(q.samples) for q in builtin_library.questions) < MIN_EXAMPLES


# -- mockloop judge eval --examples -------------------------------------------------------------


def _jsonl(path: Path, answers: list[tuple[str, str]]) -> Path:
    lines = [
        json.dumps(
            {
                "question_id": "salt",
                "question": QUESTION,
                "reference_answers": [REFERENCE],
                "answer": answer,
                "label": label,
            }
        )
        for answer, label in answers
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _auc(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["judge", "eval", "--json", *args])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_judge_eval_takes_graded_examples_and_ranks_paraphrases_better(tmp_path: Path) -> None:
    test = [
        (PARAPHRASE, "correct"),
        ("The sun dried it.", "correct"),
        ("Sunshine made it all crystals.", "correct"),
        (FILTERING, "incorrect"),
        ("Pour it through a sieve.", "incorrect"),
        ("Stir it a lot.", "incorrect"),
    ]
    data = _jsonl(tmp_path / "test.jsonl", test)
    graded = _jsonl(
        tmp_path / "train.jsonl",
        [(a, "correct") for a in RIGHT] + [(a, "incorrect") for a in WRONG],
    )
    without = _auc("--data", str(data))
    with_examples = _auc("--data", str(data), "--examples", str(graded))
    assert with_examples["graded_examples"] == len(RIGHT) + len(WRONG)
    assert without["graded_examples"] == 0
    auc_without = without["agreement"]["roc_auc"]  # type: ignore[index]
    auc_with = with_examples["agreement"]["roc_auc"]  # type: ignore[index]
    assert auc_with == 1.0 and auc_with > auc_without


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--examples", "{graded}"], "error: --examples: give the answers they are examples for"),
        (["--data", "{data}", "--examples", "{scored}"], "scored.jsonl:1: label: missing"),
    ],
)
def test_judge_eval_examples_errors_are_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    files = {
        "data": _jsonl(tmp_path / "data.jsonl", [(PARAPHRASE, "correct")]),
        "graded": _jsonl(tmp_path / "graded.jsonl", [(FILTERING, "incorrect")]),
        "scored": tmp_path / "scored.jsonl",
    }
    files["scored"].write_text(json.dumps({"question_id": "salt", "answer": "a", "score": 3}))
    result = runner.invoke(app, ["judge", "eval", *(a.format(**files) for a in args)])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


# -- a bank of your own with graded answers, through an interview --------------------------------


def test_an_interview_on_a_bank_with_graded_samples_uses_them(
    tmp_path: Path,
    use_banks,  # type: ignore[no-untyped-def]
) -> None:
    bank = {
        "bank": "salt",
        "round": "fundamentals",
        "questions": [
            {
                "id": "salt-water",
                "topic": "chemistry",
                "difficulty": "easy",
                "rubric": "fundamentals",
                "prompt": QUESTION,
                "key_points": [{"id": "evaporate", "text": REFERENCE}],
                "reference_answer": REFERENCE,
                "samples": [{"label": "strong", "answer": a} for a in RIGHT]
                + [{"label": "weak", "answer": a} for a in WRONG],
            }
        ],
    }
    path = tmp_path / "salt.yaml"
    path.write_text(json.dumps(bank))  # JSON is YAML
    use_banks(path)
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"salt-water": [PARAPHRASE]}))
    result = runner.invoke(
        app, ["interview", "-q", "salt-water", "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    (question,) = json.loads(result.stdout)["scorecard"]["questions"]
    correctness = next(c for c in question["criteria"] if c["criterion"] == "correctness")
    assert (
        f"The {NEAREST} graded sample answers nearest to this one average 100%"
        in (correctness["rationale"])
    )
    assert "the answer is off-topic" not in question["flags"]


class _NoModel:
    """A similarity that must not be asked: choosing among one sample per band needs none."""

    name = "none"

    def similarity(self, a: str, b: str) -> float:
        raise AssertionError("similarity asked")

    def best(self, query: str, candidates: list[str]) -> tuple[int, float]:
        raise AssertionError("similarity asked")

    def scores(self, query: str, candidates: list[str]) -> list[float]:
        raise AssertionError("similarity asked")


def test_one_sample_per_band_is_shown_without_loading_a_model() -> None:
    # The built-in banks' case, on every model-judged question: the embedding model (about
    # 90 MB) stays unloaded, which kept `score --batch` of 2,000 transcripts under 300 MB.
    question = load_library().question("stats-z-vs-t-test")
    shown = anchors("anything", question.samples, _NoModel())
    assert [s.label for s in shown] == [SampleLabel.STRONG, SampleLabel.PARTIAL, SampleLabel.WEAK]
    weak = next(s for s in question.samples if s.label is SampleLabel.WEAK)
    assert SampleLabel.WEAK not in {
        s.label for s in anchors(weak.answer, question.samples, _NoModel())
    }
