"""The coding round and the take-homes have enough hard, distinct and named questions."""

from __future__ import annotations

from mockloop.content import Library
from mockloop.models import Difficulty, Question, Round

MIN_CODING = 26
MIN_CODING_HARD = 5
MIN_TAKEHOMES = 6


def questions(library: Library, round_: Round) -> list[Question]:
    """Every built-in question of one round."""
    return [q for bank in library.banks if bank.round is round_ for q in bank.questions]


def test_the_coding_round_has_enough_hard_problems(builtin_library: Library) -> None:
    coding = questions(builtin_library, Round.CODING)
    hard = [q.id for q in coding if q.difficulty is Difficulty.HARD]
    assert len(coding) >= MIN_CODING, f"{len(coding)} coding questions"
    assert len(hard) >= MIN_CODING_HARD, f"hard: {hard}"


def test_take_homes_are_distinct_genai_briefs_with_one_id_prefix(builtin_library: Library) -> None:
    takehomes = questions(builtin_library, Round.TAKEHOME)
    assert len(takehomes) >= MIN_TAKEHOMES
    assert all(q.id.startswith("th-") for q in takehomes), [q.id for q in takehomes]
    titles = [q.title for q in takehomes]
    assert None not in titles and len(set(titles)) == len(titles), titles
    # Two briefs on one topic must not share their prompt's opening: that was a duplicate.
    openings = [" ".join(q.prompt.lower().split()[:8]) for q in takehomes]
    assert len(set(openings)) == len(openings), openings


def test_take_homes_meet_the_authoring_spec(builtin_library: Library) -> None:
    for q in questions(builtin_library, Round.TAKEHOME):
        assert 3 <= len(q.key_points) <= 5, q.id
        assert 2 <= len(q.follow_ups) <= 4, q.id
        assert q.checklist and q.reference_solution, q.id


def test_every_coding_question_has_a_title(builtin_library: Library) -> None:
    untitled = [q.id for q in questions(builtin_library, Round.CODING) if not q.title]
    assert not untitled, untitled
