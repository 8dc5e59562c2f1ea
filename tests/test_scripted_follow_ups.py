"""Offline follow-ups: a probe wherever something was missed, a nudge after "I don't know", and a
stretch question (scale, budget, failure) after an answer that covered everything."""

from __future__ import annotations

from mockloop.content import Library
from mockloop.interviewers.scripted import NUDGE, ScriptedInterviewer
from mockloop.models import Question, Role, Round, Turn, TurnKind


def turns(question: Question, *answers: str, follow_ups: tuple[str, ...] = ()) -> list[Turn]:
    result = [
        Turn(
            seq=0,
            round=Round.FUNDAMENTALS,
            question_id=question.id,
            role=Role.INTERVIEWER,
            kind=TurnKind.QUESTION,
            text=question.prompt,
        )
    ]
    for text in follow_ups:
        result.append(
            Turn(
                seq=len(result),
                round=Round.FUNDAMENTALS,
                question_id=question.id,
                role=Role.INTERVIEWER,
                kind=TurnKind.FOLLOW_UP,
                text=text,
            )
        )
    for text in answers:
        result.append(
            Turn(
                seq=len(result),
                round=Round.FUNDAMENTALS,
                question_id=question.id,
                role=Role.CANDIDATE,
                kind=TurnKind.ANSWER,
                text=text,
            )
        )
    return result


def sample(question: Question, label: str) -> str:
    return next(s.answer for s in question.samples if s.label == label)


def test_i_dont_know_gets_one_nudge(mini_library: Library) -> None:
    question = mini_library.question("mini-hybrid-search")
    interviewer = ScriptedInterviewer()
    nudge = interviewer.follow_up(question, turns(question, "I don't know."))
    assert nudge is not None and nudge.startswith(NUDGE)
    again = interviewer.follow_up(question, turns(question, "I don't know.", follow_ups=(nudge,)))
    assert again is None or not again.startswith(NUDGE)


def test_a_partial_answer_gets_a_probe(mini_library: Library) -> None:
    question = mini_library.question("mini-hybrid-search")
    asked = ScriptedInterviewer().follow_up(question, turns(question, sample(question, "weak")))
    assert asked in {f.ask.strip() for f in question.follow_ups}


def test_a_strong_answer_gets_a_stretch_question(mini_library: Library) -> None:
    base = mini_library.question("mini-hybrid-search")
    stretch = "Traffic grows tenfold overnight and the re-ranker is down: what do you change?"
    question = base.model_copy(update={"stretch_follow_ups": [stretch]})
    covered = " ".join(kp.text for kp in question.key_points)
    assert ScriptedInterviewer().follow_up(question, turns(question, covered)) == stretch
    done = turns(question, covered, follow_ups=(stretch,))
    assert ScriptedInterviewer().follow_up(question, done) is None
