"""Every coding question and take-home brief: the reference passes, the starter fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.bankcheck import check_question, coding_problems, takehome_problems
from mockloop.cli.app import app
from mockloop.content import Library, load_library, requirements_met
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Question, Round
from mockloop.paths import content_dirs

LIBRARY = load_library()
CODING = [q for b in LIBRARY.banks if b.round is Round.CODING for q in b.questions]
TAKEHOME = [q for b in LIBRARY.banks if b.round is Round.TAKEHOME for q in b.questions]


def test_every_round_has_questions() -> None:
    assert {b.round for b in LIBRARY.banks} == set(Round)


@pytest.mark.slow
@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_coding_reference_passes_and_starter_fails(question: Question) -> None:
    if not requirements_met(question):
        pytest.skip(f"needs {', '.join(question.requires)}")
    assert coding_problems(question) == []


@pytest.mark.slow
@pytest.mark.parametrize("question", TAKEHOME, ids=lambda q: q.id)
def test_takehome_reference_passes_and_starter_fails(question: Question) -> None:
    assert takehome_problems(question) == []


# -- the checker itself: each broken question is caught, with its reason ------------------------


@pytest.fixture(scope="module")
def fixtures() -> Library:
    folder = Path(__file__).parent / "fixtures" / "question_banks"
    return load_library(
        [folder / "mini_coding.yaml", folder / "mini_takehome.yaml", folder / "mini.yaml"],
        content_dirs("rubrics"),
    )


def test_the_fixture_question_passes_the_checks(fixtures: Library) -> None:
    assert coding_problems(fixtures.question("mini-chunk")) == []


def test_a_starter_that_already_solves_the_problem_is_caught(fixtures: Library) -> None:
    question = fixtures.question("mini-chunk")
    solved = question.model_copy(update={"starter_code": question.reference_solution})
    assert coding_problems(solved) == ["starter code passes every hidden test"]


def test_too_few_hidden_tests_are_caught(fixtures: Library) -> None:
    question = fixtures.question("mini-chunk")
    assert question.tests is not None
    preamble, *tests = question.tests.hidden.split("def test_")
    first_two = preamble + "".join("def test_" + test for test in tests[:2])
    thin = question.model_copy(
        update={"tests": question.tests.model_copy(update={"hidden": first_two})}
    )
    assert coding_problems(thin) == ["2 hidden tests, want at least 5"]


def test_a_wrong_reference_solution_is_caught(fixtures: Library) -> None:
    question = fixtures.question("mini-chunk")
    wrong = question.model_copy(update={"reference_solution": question.starter_code})
    problems = coding_problems(wrong)
    assert problems and problems[0].startswith("reference solution on visible tests: ")


def test_a_workspace_file_outside_the_workspace_is_refused() -> None:
    question = TAKEHOME[0]
    escaping = question.model_copy(update={"workspace": {"../escaped.py": "x = 1\n"}})
    (problem,) = takehome_problems(escaping)
    assert problem.startswith("workspace file '../escaped.py' would escape")


def test_samples_out_of_order_are_caught(fixtures: Library) -> None:
    question = fixtures.question("mini-hybrid-search")
    strong, partial, weak = question.samples
    swapped = question.model_copy(
        update={
            "samples": [
                strong.model_copy(update={"answer": weak.answer}),
                partial,
                weak.model_copy(update={"answer": strong.answer}),
            ]
        }
    )
    result = check_question(KeypointJudge(), fixtures, swapped, run_code=False)
    assert result.problems[0].startswith("samples out of order under the offline scorer: strong ")


def test_banks_check_command_fails_on_a_broken_file(tmp_path: Path, use_banks) -> None:  # type: ignore[no-untyped-def]
    text = (Path(__file__).parent / "fixtures" / "question_banks" / "mini.yaml").read_text()
    bank = tmp_path / "mine.yaml"
    bank.write_text(text)
    use_banks(bank)
    ok = CliRunner().invoke(app, ["banks", "check", str(bank)])
    assert ok.exit_code == 0, ok.output
    # Swap the labels of the strong and weak samples: the checker must refuse the file.
    swapped = text.replace("label: strong", "label: @@").replace("label: weak", "label: strong")
    bank.write_text(swapped.replace("label: @@", "label: weak"))
    result = CliRunner().invoke(app, ["banks", "check", str(bank)])
    assert result.exit_code == 1, result.output
    assert "samples out of order under the offline scorer" in result.output
