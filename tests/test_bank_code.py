"""Every coding question and take-home brief: the reference passes, the starter fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockloop.content import load_library, requirements_met
from mockloop.models import Question, Round
from mockloop.runner import RunStatus, run_code_tests, run_workspace_tests

LIBRARY = load_library()
CODING = [q for b in LIBRARY.banks if b.round is Round.CODING for q in b.questions]
TAKEHOME = [q for b in LIBRARY.banks if b.round is Round.TAKEHOME for q in b.questions]
_FILE = re.compile(r"^# file: (\S+)\n", re.M)


def test_every_round_has_questions() -> None:
    assert {b.round for b in LIBRARY.banks} == set(Round)


@pytest.mark.slow
@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_coding_reference_passes_and_starter_fails(question: Question) -> None:
    if not requirements_met(question):
        pytest.skip(f"needs {', '.join(question.requires)}")
    assert question.tests and question.reference_solution and question.starter_code
    for label in ("visible", "hidden"):
        result = run_code_tests(question.reference_solution, getattr(question.tests, label))
        assert result.status is RunStatus.OK and result.passed == result.total > 0, result
    hidden = run_code_tests(question.starter_code, question.tests.hidden)
    assert hidden.passed < hidden.total
    assert hidden.total >= 5


def solved_files(reference: str) -> dict[str, str]:
    """`# file: name` sections of a take-home reference solution."""
    parts = _FILE.split(reference)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("question", TAKEHOME, ids=lambda q: q.id)
def test_takehome_reference_passes_and_starter_fails(question: Question, tmp_path: Path) -> None:
    assert question.tests and question.workspace and question.reference_solution
    for name, content in question.workspace.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    starter = run_workspace_tests(tmp_path, question.tests.hidden, label="hidden")
    assert starter.passed < starter.total
    for name, content in solved_files(question.reference_solution).items():
        (tmp_path / name).write_text(content)
    for label in ("visible", "hidden"):
        result = run_workspace_tests(tmp_path, getattr(question.tests, label), label=label)
        assert result.status is RunStatus.OK and result.passed == result.total > 0, result
