"""Every coding question and take-home brief: the reference passes, the starter fails."""

from __future__ import annotations

import pytest

from mockloop.bankcheck import coding_problems, takehome_problems
from mockloop.content import load_library, requirements_met
from mockloop.models import Question, Round

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
