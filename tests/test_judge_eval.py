"""`mockloop judge eval`: agreement statistics, adversarial answers, data files, any judge."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockloop.adversarial import adversarial_answers
from mockloop.cli.app import app
from mockloop.models import Question
from mockloop.stats import quadratic_weighted_kappa, roc_auc, spearman

from conftest import MINI_BANK
from fake_openai import FakeOpenAI, serve

runner = CliRunner()
QUESTION = "How did you separate the salt from the water?"
REFERENCE = "The water was evaporated, leaving the salt."


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    yield from serve()


@pytest.fixture
def mini_only(use_banks) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)


def line(answer: str, **fields: Any) -> str:
    data = {
        "question_id": "EM_45b",
        "question": QUESTION,
        "reference_answers": [REFERENCE],
        "answer": answer,
        **fields,
    }
    return json.dumps(data)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- statistics ---------------------------------------------------------------------------------


def test_spearman_ranks_with_ties_and_undefined_cases() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ties share their mean rank: ranks (1.5, 1.5, 3) against (1, 2, 3).
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(0.8660254)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1], [1]) is None


def test_roc_auc_counts_ties_half_and_needs_both_classes() -> None:
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    assert roc_auc([0.3, 0.6, 0.4], [True, True, False]) == 0.5
    assert roc_auc([0.1, 0.2], [True, True]) is None


def test_quadratic_weighted_kappa() -> None:
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([1, 5], [5, 1]) == pytest.approx(-1.0)
    # By hand: weighted observed disagreement 1/16 against 9/48 expected by chance: 1 - 1/3.
    assert quadratic_weighted_kappa([1, 2, 3], [1, 2, 2]) == pytest.approx(2 / 3)
    assert quadratic_weighted_kappa([3, 3], [3, 3]) is None


# -- adversarial answers ------------------------------------------------------------------------


def test_adversarial_answers_echo_list_aliases_and_state_each_misconception() -> None:
    question = Question.model_validate(
        {
            "id": "stats-z-vs-t",
            "topic": "stats",
            "difficulty": "easy",
            "rubric": "fundamentals",
            "prompt": "When do you use a z-test rather than a t-test?",
            "reference_answer": "A z-test when the population variance is known.",
            "key_points": [
                {
                    "id": "known",
                    "text": "z-test: population variance known",
                    "aliases": ["known variance", "population sigma"],
                    "misconceptions": [
                        {
                            "claim": "A t-test assumes the population standard deviation is known.",
                            "correction": "That is the z-test; the t-test estimates it.",
                        }
                    ],
                },
                {"id": "small", "text": "t-test for small samples", "aliases": ["small n"]},
            ],
        }
    )
    built = adversarial_answers(question)
    assert [a.kind for a in built] == ["echo", "aliases", "all-aliases", "misconception"]
    assert built[0].answer == question.prompt
    assert built[1].answer == "known variance, small n"  # the first alias of each point
    assert built[2].answer == "known variance, population sigma, small n"
    assert built[3].answer.startswith("A t-test assumes")
    assert built[3].source == "known misconception 1"


# -- the command, offline -----------------------------------------------------------------------


def test_default_data_is_the_banks_samples_and_their_adversarial_answers(mini_only: None) -> None:
    result = runner.invoke(app, ["judge", "eval", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["judge"]["engine"] == "keypoints"
    assert report["agreement"]["answers"] == 6  # two questions, three samples each
    assert -1 <= report["agreement"]["spearman"] <= 1
    assert report["agreement"]["qwk_answers"] == 6 and report["agreement"]["roc_auc"] is None
    # Each question: its prompt echoed, its aliases listed (first of each point, then all), and
    # the mini bank's one misconception stated.
    adversarial = report["adversarial"]
    assert adversarial["answers"] == 7
    assert set(adversarial["by_kind"]) == {"echo", "aliases", "all-aliases", "misconception"}
    assert adversarial["passed"] == len(adversarial["passes"])
    assert report["injection_false_flags"]["total"] == 6
    assert report["verbatim_quotes"]["rate"] == 1.0  # the offline judge only quotes the answer
    assert report["prompt_tokens"] == 0 and report["cost_usd"] == 0.0
    assert report["fallbacks"]["count"] == 0 and report["passed"] is None


def test_human_report_names_each_figure_and_draws_no_bar_off_a_terminal(mini_only: None) -> None:
    result = runner.invoke(app, ["judge", "eval"])
    assert result.exit_code == 0, result.output
    for figure in (
        "Spearman with labels",
        "ROC-AUC",
        "Quadratic weighted kappa",
        "Adversarial pass rate",
        "Spread over 1 samples",
        "Verbatim quotes",
        "Injection false flags",
        "Tokens, cost",
        "Time",
    ):
        assert figure in result.stdout
    assert "Judging" not in result.output  # no progress bar when stderr is not a terminal


def test_data_file_in_semeval_format_with_labels_and_scores(tmp_path: Path) -> None:
    data = write(
        tmp_path,
        line("The water evaporated and left the salt behind.", label="correct"),
        line("We let the water evaporate so the salt stayed.", label="correct"),
        line("I saw a pinkish grayish color.", label="incorrect"),
        line("We used a magnet.", label="contradictory", corpus="scientsbank", split="train"),
        line("By filtering it through paper.", score=1.5),
    )
    result = runner.invoke(app, ["judge", "eval", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    agreement = report["agreement"]
    assert agreement["answers"] == 5 and agreement["roc_auc_answers"] == 4
    assert agreement["roc_auc"] == 1.0  # the evaporation answers outscore the wrong ones
    assert agreement["qwk_answers"] == 1
    assert report["adversarial"]["answers"] == 0  # data questions have no aliases or samples


def test_fail_under_compares_spearman_and_exits_1(tmp_path: Path) -> None:
    # Labels that contradict the answers: the judge disagrees with them, Spearman < 0.
    data = write(
        tmp_path,
        line("The water was evaporated, leaving the salt.", label="incorrect"),
        line("The water evaporated and the salt was left.", label="incorrect"),
        line("I do not know.", label="correct"),
        line("Pink rocks.", label="correct"),
    )
    failed = runner.invoke(app, ["judge", "eval", "--data", str(data), "--fail-under", "0.5"])
    assert failed.exit_code == 1, failed.output
    assert "vs --fail-under 0.5: FAILED" in failed.stdout
    passed = runner.invoke(app, ["judge", "eval", "--data", str(data), "--fail-under", "-1"])
    assert passed.exit_code == 0, passed.output
    assert "Spearman" in runner.invoke(app, ["judge", "eval", "--help"]).stdout


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ('{"question": "Q?", "answer": "a"', r":2: not JSON"),
        (line("x", label="sort of"), r":2: label: expected one of correct, "),
        (line("x"), r":2: label: missing \(give a label, or a numeric score\)"),
        (line("x", score="high"), r":2: score: expected a number"),
        (line("", label="correct"), r":2: answer: expected a non-empty string"),
        (
            json.dumps({"question": QUESTION, "answer": "a", "label": "correct"}),
            r":2: reference_answers: expected a non-empty list of strings",
        ),
        (line("x", label="correct", rubric="nope"), r":2: rubric: expected one of "),
        (
            line("x", label="correct", reference_answers=[REFERENCE, "ok"]),
            r":2: reference_answers\.1: String should have at least 3 characters",
        ),
        ("[1, 2]", r":2: expected a JSON object, got list"),
    ],
)
def test_a_bad_data_line_is_one_line_with_file_line_and_field(
    tmp_path: Path, bad: str, expected: str
) -> None:
    data = write(tmp_path, line("ok", label="correct"), bad)
    result = runner.invoke(app, ["judge", "eval", "--data", str(data)])
    assert result.exit_code == 2
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert re.search(re.escape(str(data)) + expected, message), message


def test_a_data_line_may_name_a_bank_question_instead(tmp_path: Path, mini_only: None) -> None:
    data = write(
        tmp_path,
        json.dumps(
            {
                "question_id": "mini-hybrid-search",
                "score": 5,
                "answer": "BM25 catches exact product codes; vectors catch paraphrases; "
                "merge both with reciprocal rank fusion.",
            }
        ),
        json.dumps({"question_id": "mini-hybrid-search", "score": 1, "answer": "No idea."}),
    )
    result = runner.invoke(app, ["judge", "eval", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agreement"]["spearman"] == 1.0


# -- the command, with a model ------------------------------------------------------------------


def verdict_for(body: dict[str, Any]) -> str:
    """A judge that gives 5 to answers mentioning evaporation, 1 otherwise, quoting them."""
    user = body["messages"][1]["content"]
    answer = user.split("<candidate_answer>\n", 1)[1].split("\n</candidate_answer>", 1)[0]
    score = 5 if "evaporat" in answer else 1
    criterion = {"score": score, "rationale": "r", "evidence": [answer[:20]]}
    return json.dumps(
        {
            "criteria": {c: criterion for c in ("correctness", "depth", "communication")},
            "missing_key_points": [],
        }
    )


def test_an_llm_judge_is_measured_with_tokens_and_samples(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.always(verdict_for)
    data = write(
        tmp_path,
        line("The water evaporated, leaving salt.", label="correct"),
        line("It evaporated away.", label="correct"),
        line("We used a magnet.", label="incorrect"),
    )
    args = [
        "judge",
        "eval",
        "--data",
        str(data),
        "--json",
        "--judge-model",
        "openai/fake-model",
        "--api-base",
        fake.base_url,
        "--samples",
        "2",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["judge"]["engine"] == "llm" and report["judge"]["model"] == "openai/fake-model"
    assert report["agreement"]["roc_auc"] == 1.0 and report["agreement"]["spearman"] == 1.0
    assert report["prompt_tokens"] > 0 and report["completion_tokens"] > 0
    assert len(fake.requests) == 6  # three answers, two samples each
    spread = report["spread"]
    assert spread["samples"] == 2 and spread["criteria"] == 9 and spread["max_spread"] == 0
    assert report["verbatim_quotes"] == {"total": 9, "count": 9, "rate": 1.0, "examples": []}


def test_judge_eval_json_schema_is_documented_and_current() -> None:
    from mockloop.judgeeval import EvalReport

    path = Path(__file__).parents[1] / "docs" / "judge-eval.schema.json"
    assert json.loads(path.read_text()) == EvalReport.model_json_schema(), (
        "docs/judge-eval.schema.json is stale: run `make json-schema`"
    )


def test_the_cost_cap_stops_an_llm_judge_eval_with_one_line(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.always(verdict_for)
    data = write(tmp_path, line("It evaporated.", label="correct"), line("No.", label="incorrect"))
    args = ["judge", "eval", "--data", str(data), "--judge-model", "openai/gpt-4o-mini",
            "--api-base", fake.base_url, "--max-cost", "0.000001"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "would exceed the cost cap" in result.output and len(result.output.splitlines()) == 1
    assert fake.requests == []


def test_an_llm_judge_is_shown_the_nearest_graded_example_of_each_band(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.always(verdict_for)
    data = write(tmp_path, line("The salt stayed once the water evaporated.", label="correct"))
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        "\n".join(
            [
                line("Salt crystals formed on the bottom of the dish.", label="correct"),
                line("The salt stayed behind once all the water had evaporated.", label="correct"),
                line("We heated it.", label="partially_correct_incomplete"),
                line("With a magnet.", label="incorrect"),
                line("We filtered it through paper.", label="contradictory"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    args = ["judge", "eval", "--data", str(data), "--examples", str(examples), "--json"]
    args += ["--judge-model", "openai/fake-model", "--api-base", fake.base_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    user = fake.requests[0]["messages"][1]["content"]
    block = user.split("<graded_examples>\n", 1)[1].split("\n</graded_examples>", 1)[0]
    shown = re.findall(r'<example grade="(\w+)">\n(.*?)\n</example>', block, re.S)
    # One per band, strong first; of two correct answers, the one nearer the candidate's.
    assert [grade for grade, _ in shown] == ["strong", "partial", "weak"]
    assert shown[0][1] == "The salt stayed behind once all the water had evaporated."
    assert shown[1][1] == "We heated it."
    assert user.index("</graded_examples>") < user.index("<candidate_turns>")
    assert json.loads(result.stdout)["judge"]["prompt_version"] == "judge-v2"


def test_without_graded_examples_the_prompt_has_none(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.always(verdict_for)
    data = write(tmp_path, line("The water evaporated, leaving salt.", label="correct"))
    args = ["judge", "eval", "--data", str(data), "--json"]
    args += ["--judge-model", "openai/fake-model", "--api-base", fake.base_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "<graded_examples>" not in fake.requests[0]["messages"][1]["content"]
