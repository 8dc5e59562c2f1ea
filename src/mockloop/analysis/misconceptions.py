"""Wrong claims an answer makes: a bank's misconceptions matched clause by clause.

Direction matters: "type I is a false negative" is the misconception, "type I is a false
positive" is the point. Clauses are compared to the wrong claim *and* to the key point it
contradicts, with every word kept (no question demoting: the swapped term is often a question
word), and a clause matches only when it is closer to the claim than to the point and agrees
with it in negation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mockloop.analysis.text import STOPWORDS, contains_phrase, is_statement, stem, stems, words
from mockloop.models import KeyPoint, Misconception

# A clause states a claim when it holds most of the claim's content words (recall) and its
# meaning agrees (cosine), and is closer to the claim than to the correct point by a margin.
CLAIM_RECALL = 0.6
CLAIM_COSINE = 0.7
CLAIM_MARGIN = 0.08


@dataclass(frozen=True)
class MisconceptionMatch:
    """A wrong claim the answer states, with the clause that states it."""

    point: KeyPoint
    misconception: Misconception
    quote: str

    @property
    def feedback(self) -> str:
        """What the scorecard tells the candidate."""
        return f"You said '{self.quote}'; in fact {self.misconception.correction.rstrip('.')}."


@dataclass(frozen=True)
class Clause:
    """One clause of the answer with what matching needs, computed once."""

    text: str
    stems: list[str]
    content: frozenset[str]
    negated: bool
    statement: bool


_NUMBERED = re.compile(r"\btype\s+(?:(1|one)|(2|two))\b", re.I)
# Short words that decide which way round a claim is ("type I" vs "type II", "t" vs "z").
_DECISIVE = frozenset({"i", "ii", "iii"})


@lru_cache(maxsize=4096)
def key_words(text: str) -> frozenset[str]:
    """Content stems plus the short words that tell "type I" from "type II"."""
    text = _NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", text)
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS or w in _DECISIVE)


def _recall(clause: Clause, target: str) -> float:
    target_words = key_words(target)
    return len(target_words & clause.content) / len(target_words) if target_words else 0.0


def agreement(clause: Clause, target: str, cosine: float) -> float:
    """How much a clause agrees with a claim or a point: word recall and cosine, equally."""
    return 0.5 * _recall(clause, target) + 0.5 * cosine


def states_claim(
    clause: Clause, claim: str, point: str, claim_cos: float, rival: float, negated: bool
) -> bool:
    """True when the clause states `claim` rather than a point (`rival`: best point agreement).

    The words that make the claim wrong (in the claim but not in its point: "t" in "a t-test
    assumes sigma is known", against "a z-test assumes ...") must be in the clause.
    """
    if not clause.statement or clause.negated != negated:
        return False
    if _recall(clause, claim) < CLAIM_RECALL or claim_cos < CLAIM_COSINE:
        return False
    wrong = key_words(claim) - key_words(point)
    if wrong and len(wrong & clause.content) < len(wrong) / 2:
        return False
    return agreement(clause, claim, claim_cos) > rival + CLAIM_MARGIN


def alias_stated(clause: Clause, alias: str, negated: bool) -> bool:
    """True when a clause contains a misconception's alias, with the same polarity."""
    return clause.negated == negated and contains_phrase(clause.stems, _alias_stems(alias))


@lru_cache(maxsize=4096)
def _alias_stems(alias: str) -> list[str]:
    return stems(_NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", alias))


def make_clause(text: str, negated: bool) -> Clause:
    """Precompute a clause's stems, content words and shape."""
    normal = _NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", text)
    return Clause(text, stems(normal), key_words(text), negated, is_statement(text))
