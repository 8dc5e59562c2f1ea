"""The offline interviewer: asks bank questions and picks follow-ups on what the answer missed."""

from __future__ import annotations

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.keypoints import analyse
from mockloop.models import FollowUp, Question, Role, Round, Turn, TurnKind
from mockloop.ports import Notice

FRAMING: dict[Round, str] = {
    Round.CODING: (
        "Welcome to the coding round. I'll give you a problem to solve in Python; talk me through "
        "your approach, then write the code. We'll discuss complexity and failure modes after."
    ),
    Round.FUNDAMENTALS: (
        "This is the LLM fundamentals round. I'll ask conceptual questions; explain them as you "
        "would to a colleague: what it is, why it works, and where it breaks."
    ),
    Round.SYSTEM_DESIGN: (
        "Welcome to the system design round. Start from requirements, then walk me through the "
        "architecture, how you would evaluate it, and the trade-offs you are making."
    ),
    Round.TAKEHOME: (
        "This is the take-home round. You build the brief in a workspace folder, in your own "
        "editor; when you submit it, the tests run and then you walk me through your choices."
    ),
}


def misconception_follow_up(quote: str) -> str:
    """Challenge a wrong claim without giving the correction away."""
    return f'You said "{quote.strip().rstrip(".")}". Are you sure? Walk me through why that holds.'


class ScriptedInterviewer:
    """Deterministic interviewer driven by the bank's follow-ups; no model needed."""

    name = "scripted"

    def __init__(self, similarity: Similarity | None = None) -> None:
        self.similarity = similarity or default_similarity()

    def enter_round(self, round_: Round, questions: list[Question]) -> None:
        """The scripted interviewer keeps no per-round state."""

    def open_round(self, round_: Round, questions: list[Question]) -> str:
        """A fixed framing per round."""
        count = len(questions)
        plural = "question" if count == 1 else "questions"
        return f"{FRAMING[round_]} We have {count} {plural}."

    def ask(self, question: Question, index: int, total: int) -> str:
        """The bank's prompt, as written."""
        return question.prompt.strip()

    def follow_up(self, question: Question, turns: list[Turn]) -> str | None:
        """The first unasked follow-up probing a missed key point; None when nothing is missed."""
        remaining = self._unasked(question, turns)
        answers = "\n\n".join(
            t.text for t in turns if t.role is Role.CANDIDATE and t.kind is TurnKind.ANSWER
        )
        analysis = analyse(question, answers, self.similarity)
        if analysis.verdict == "non_answer":
            return _nudge(question, turns)
        if analysis.verdict != "answer":
            return None  # probing an empty or "I don't know" answer only wastes the clock
        # A wrong claim is the first thing a good interviewer follows up on.
        for wrong in analysis.misconceptions:
            challenge = misconception_follow_up(wrong.quote)
            if challenge not in {t.text.strip() for t in turns if t.kind is TurnKind.FOLLOW_UP}:
                return challenge
        missed = {m.point.id for m in analysis.missed}
        if not missed:
            return _stretch(question, turns)
        choice = next((f for f in remaining if f.probes in missed), None)
        # Something was missed but no follow-up probes it: any unasked one still opens it up.
        choice = choice or (remaining[0] if remaining else None)
        return choice.ask.strip() if choice else None

    def hint(self, question: Question, turns: list[Turn]) -> str:
        """Point at an area the answer has not reached, without stating the key point."""
        given = sum(1 for t in turns if t.kind is TurnKind.HINT)
        answers = " ".join(t.text for t in turns if t.role is Role.CANDIDATE)
        missed = [m.point for m in analyse(question, answers, self.similarity).missed]
        probes = {f.probes: f.ask for f in question.follow_ups}
        candidates = [probes[p.id] for p in missed if p.id in probes] or list(probes.values())
        if not candidates:
            return "Think about why the approach works, and where it would break."
        return f"Hint: consider this angle: {candidates[given % len(candidates)].strip()}"

    def close_round(self, round_: Round) -> str:
        """A fixed closing line."""
        return f"That's the end of the {round_.title} round. Thank you."

    def end_sitting(self) -> None:
        """The scripted interviewer spends nothing."""

    def drain_notices(self) -> list[Notice]:
        """The scripted interviewer has nothing to report."""
        return []

    @staticmethod
    def _unasked(question: Question, turns: list[Turn]) -> list[FollowUp]:
        asked = {t.text.strip() for t in turns if t.kind is TurnKind.FOLLOW_UP}
        return [f for f in question.follow_ups if f.ask.strip() not in asked]


NUDGE = "No problem, let's reason it out together."


def _nudge(question: Question, turns: list[Turn]) -> str | None:
    """After "I don't know": one smaller step into the question, asked once."""
    asked = [t.text for t in turns if t.kind is TurnKind.FOLLOW_UP]
    if any(text.startswith(NUDGE) for text in asked):
        return None
    step = question.follow_ups[0].ask.strip() if question.follow_ups else ""
    return f"{NUDGE} {step or 'What is the first thing you would try, and why?'}"


def _stretch(question: Question, turns: list[Turn]) -> str | None:
    """After an answer that covered every key point: push further (scale, budget, failure)."""
    asked = {t.text.strip() for t in turns if t.kind is TurnKind.FOLLOW_UP}
    return next((s.strip() for s in question.stretch_follow_ups if s.strip() not in asked), None)
