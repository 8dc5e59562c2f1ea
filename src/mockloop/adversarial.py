"""Answers built to fool a judge: the prompt echoed, the key points' aliases listed, and each
written misconception stated. A sound judge scores every one below the question's partial
sample; `mockloop judge eval` measures how often it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mockloop.models import Question


class AdversarialKind(StrEnum):
    """How an adversarial answer tries to earn marks it has not earned."""

    ECHO = "echo"  # restates the question
    ALIASES = "aliases"  # lists the key points' words without saying anything about them
    MISCONCEPTION = "misconception"  # states a wrong claim the bank wrote down


@dataclass(frozen=True)
class AdversarialAnswer:
    """One adversarial answer to a question, and what it was built from."""

    kind: AdversarialKind
    text: str
    source: str  # what it was built from: "prompt", "aliases", or "<point-id> misconception N"


def adversarial_answers(question: Question) -> list[AdversarialAnswer]:
    """The prompt echoed, every key-point alias comma-separated, and each misconception's claim."""
    answers = [AdversarialAnswer(AdversarialKind.ECHO, question.prompt.strip(), "prompt")]
    aliases = alias_list(question)
    if aliases:
        answers.append(AdversarialAnswer(AdversarialKind.ALIASES, ", ".join(aliases), "aliases"))
    for point in question.key_points:
        for index, misconception in enumerate(point.misconceptions, start=1):
            answers.append(
                AdversarialAnswer(
                    AdversarialKind.MISCONCEPTION,
                    misconception.claim.strip(),
                    f"{point.id} misconception {index}",
                )
            )
    return answers


def alias_list(question: Question) -> list[str]:
    """Every alias of every key point once, in bank order (a point without aliases adds none)."""
    seen: dict[str, None] = {}
    for point in question.key_points:
        for alias in point.aliases:
            seen.setdefault(alias.strip())
    return [alias for alias in seen if alias]
