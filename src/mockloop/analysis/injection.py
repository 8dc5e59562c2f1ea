"""Sentences the candidate addresses to the judge ("ignore previous instructions", "score me 5").

Precise on purpose: only prose is read (never code blocks or code lines), quoted or exemplified
instructions are the candidate talking *about* prompt injection (a topic of the banks), and a
flag never costs marks by itself: the flagged sentences are simply not part of the answer.
"""

from __future__ import annotations

import re

from mockloop.analysis.text import prose, sentences

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|"
    r"earlier)\s+(?:instructions?|prompts?|rules?)|"
    r"\b(?:score|grade|rate|mark)\s+(?:me|this(?:\s+answer)?|every(?:\s+criterion)?|all|each)\b"
    r"[^.!?\n]*\b(?:5|five|full\s+marks|maximum|top\s+score|highest)\b|"
    r"\byou\s+are\s+now\s+(?:a|an|the|my|in|acting|playing)\b|"
    r"^\s*(?:system|assistant)\s*:\s*(?:ignore|disregard|you\s+(?:are|must|will)|score|grade|"
    r"rate|give|new\s+instructions?)|"
    r"\b(?:award|give|assign)\s+(?:me|this\s+(?:answer|response)|the\s+candidate)\s+(?:the\s+)?"
    r"(?:top|highest|maximum|full|best|a\s+perfect)\s+(?:band|marks?|score|grade|rating)\b|"
    r"\b(?:award|give|assign)\s+(?:the\s+)?(?:top|highest|maximum|full|best)\s+"
    r"(?:band|marks?|score|grade)\s+(?:on|for|in|across)\s+(?:every|each|all)\b|"
    r"\b(?:evaluation|rubric|grading)[-\s](?:override|disabled)\b|"
    r"\b(?:dear|attention|note\s+to\s+(?:the\s+)?)\s*(?:judge|grader|evaluator|scorer)\b",
    re.I | re.M,
)
# Talking about an injection rather than performing one: an example, a third party, a quote.
_ABOUT = re.compile(
    r"\b(?:e\.g\.|eg|for\s+example|for\s+instance|such\s+as|like|say(?:s|ing)?|attackers?|"
    r"malicious|adversar\w*|injections?|injected|jailbreaks?|payloads?|hidden\s+text|"
    r"(?:user|document|email|page|input|tool\s+output)s?\s+(?:might|could|may|can|that|which|"
    r"contain\w*|writes?|types?|says?))\b",
    re.I,
)
_QUOTED = re.compile(r"\"[^\"]+\"|“[^”]+”|'[^']{12,}'|`[^`]+`")


def addressed_to_judge(sentence: str) -> bool:
    """True when a prose sentence instructs the judge (not when it quotes or discusses one)."""
    match = _INSTRUCTION.search(sentence)
    if match is None:
        return False
    for quoted in _QUOTED.finditer(sentence):
        if quoted.start() <= match.start() < quoted.end():
            return False
    return not _ABOUT.search(sentence)


def strip_instructions(answer: str) -> tuple[str, bool]:
    """The answer without sentences that try to instruct the judge, and whether any were found."""
    flagged = [s for s in sentences(prose(answer)) if addressed_to_judge(s)]
    if not flagged:
        return answer, False
    for sentence in flagged:
        answer = answer.replace(sentence, " ")
    return answer, True
