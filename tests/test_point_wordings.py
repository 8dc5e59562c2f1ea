"""A key point worded several ways (SemEval's several reference answers): the closest counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.keypoints import analyse
from mockloop.bankcheck import one_answer_transcript
from mockloop.cli.app import app
from mockloop.content import load_library
from mockloop.evaldata import load_data
from mockloop.judges.keypoints import KeypointJudge
from mockloop.judges.llm import judge_messages
from mockloop.models import KeyPoint, Question

runner = CliRunner()
sim = default_similarity()
QUESTION = "Why does the bulb light up when the switch is closed?"
BEST = "Closing the switch completes a closed path between the bulb and the battery."
MINIMAL = "The bulb is in a closed circuit with the battery."
ANSWER = "The bulb is now in a closed circuit with the battery, so current flows."


def question(*alternatives: str) -> Question:
    point = KeyPoint(id="closed-path", text=BEST, alternatives=list(alternatives))
    return Question(
        id="bulb",
        topic="circuits",
        difficulty="easy",
        rubric="fundamentals",
        prompt=QUESTION,
        key_points=[point],
        reference_answer=BEST,
    )


def test_an_answer_is_judged_against_the_wording_it_comes_closest_to() -> None:
    alone = analyse(question(), ANSWER, sim).matches[0]
    worded = analyse(question(MINIMAL), ANSWER, sim).matches[0]
    assert worded.score > alone.score and worded.covered
    # The match still names the point as the bank wrote it.
    assert worded.point.text == BEST and worded.point.id == "closed-path"
    # A wording that does not fit changes nothing.
    unrelated = analyse(question("Batteries store chemical energy."), ANSWER, sim).matches[0]
    assert unrelated.score == pytest.approx(alone.score, abs=1e-6)  # float noise of batching


def test_a_data_lines_references_are_the_wordings_of_one_point(tmp_path: Path) -> None:
    line = {
        "question_id": "BULB_1",
        "question": QUESTION,
        "reference_answers": [BEST, MINIMAL, "The switch closes the circuit."],
        "answer": ANSWER,
        "label": "correct",
    }
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(line) + "\n")
    (item,) = load_data([path], load_library())
    (point,) = item.question.key_points
    assert point.text == BEST and point.alternatives == [MINIMAL, "The switch closes the circuit."]
    result = runner.invoke(app, ["judge", "eval", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    # Covering one reference fully is a complete answer, not a third of one.
    assert json.loads(result.stdout)["agreement"]["answers"] == 1
    library = load_library()
    transcript = one_answer_transcript(item.question, ANSWER, item.round)

    score = KeypointJudge(sim).score_question(
        item.question, library.rubrics["fundamentals"], transcript
    )
    assert score.covered_points == ["reference"]


def test_the_llm_judge_is_shown_every_wording() -> None:
    q = question(MINIMAL)
    transcript = one_answer_transcript(q, ANSWER, load_library().round_of("rag-hyde"))
    prompt = judge_messages(q, load_library().rubrics["fundamentals"], transcript)[-1]["content"]
    assert f"- closed-path: {BEST}\n  or, in other words: {MINIMAL}" in prompt


def test_a_bank_point_may_carry_alternatives_and_a_bad_one_is_named(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "bank: circuits\nround: fundamentals\nquestions:\n"
        "  - id: bulb\n    topic: circuits\n    difficulty: easy\n    rubric: fundamentals\n"
        f"    prompt: {QUESTION}\n    reference_answer: {BEST}\n"
        "    key_points:\n      - id: closed-path\n"
        f"        text: {BEST}\n        alternatives: ['{MINIMAL}', 'ok']\n"
    )
    result = runner.invoke(app, ["banks", "validate", str(bank)])
    assert result.exit_code == 1
    assert (
        f"{bank}:13: questions[0].key_points[0].alternatives[1]: string should have at least 3"
        in result.output
    )
