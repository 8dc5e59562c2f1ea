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

from mockloop.analysis.text import (
    STOPWORDS,
    clauses,
    contains_phrase,
    is_statement,
    stem,
    stems,
    words,
)
from mockloop.models import KeyPoint, Misconception

# A clause states a claim when it holds most of the claim's content words (recall) and its
# meaning agrees (cosine), and is closer to the claim than to the correct point by a margin.
CLAIM_RECALL = 0.6
CLAIM_COSINE = 0.7
CLAIM_MARGIN = 0.08
SWAP_WORDS = 2  # a claim that differs from its point by this few words is a swap
SWAP_RECALL = 0.8  # ... and a clause states it only with this share of its words

_REPORTERS = (
    r"people|folks|others|many|textbooks?|tutorials?|articles?|blogs?|beginners|juniors|"
    r"candidates|(?:a\s+lot|lots)\s+of\s+(?:people|folks)|(?:some|many|most)\s+people"
)
_REPORTING = r"say|says|said|think|thinks|believe|believes|claim|claims|assume|assumes"
# A clause that reports or debunks a claim instead of making it: "many textbooks say a z-test
# is for large samples", "it is a common myth that ...", "people often think type I is a false
# negative". Experts answer by naming the misconception they correct: that is no wrong claim.
DISTANCED = re.compile(
    rf"\b(?:myths?|misconceptions?|misbeliefs?|fallac(?:y|ies)|contrary\s+to|not\s+true\s+that|"
    rf"(?:{_REPORTERS})\s+(?:\w+ly\s+|often\s+|still\s+|sometimes\s+)?(?:{_REPORTING})|"
    rf"(?:it\s+is|it's|is|are)\s+(?:often\s+|commonly\s+|widely\s+|sometimes\s+)?"
    rf"(?:said|believed|claimed|thought|assumed)\s+that|"
    rf"wrongly|mistakenly|incorrectly)\b",
    re.I,
)


def distanced(text: str) -> bool:
    """True when the text reports or debunks a claim rather than making it."""
    return bool(DISTANCED.search(text))


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
# Stopwords that make a claim wrong by how far it reaches ("LangSmith *only* works with
# LangChain"): a clause without them does not state the claim, however many other words match.
_QUANTIFIERS = frozenset({"only", "always", "all", "every", "more", "most"})


@lru_cache(maxsize=4096)
def key_words(text: str) -> frozenset[str]:
    """Content stems plus the short words that tell "type I" from "type II"."""
    text = _NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", text)
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS or w in _DECISIVE)


@lru_cache(maxsize=4096)
def _quantifiers(text: str) -> frozenset[str]:
    """The stems of the text's words that say how far it reaches ("only", "always")."""
    return frozenset(stem(w) for w in words(text) if w in _QUANTIFIERS)


@lru_cache(maxsize=4096)
def _decisive(claim: str) -> frozenset[str]:
    """The claim's one-letter names and numerals, which a swap must repeat: "z", "ii"."""
    return frozenset(w for w in key_words(claim) if w in _DECISIVE or len(w) == 1)


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
    reach = _quantifiers(claim) - _quantifiers(point)
    if reach - set(clause.stems) and len(clauses(claim)) == 1:
        return False  # (a claim of several clauses may say "only" in another one)
    if agreement(clause, claim, claim_cos) > rival + CLAIM_MARGIN:
        return True
    # A swap: the claim differs from its point by one or two words ("z" for "t"), the clause
    # has them, and more of the claim's words than of the point's. "A z-test is used when the
    # variance is unknown and estimated from the sample standard deviation" states the swapped
    # claim, though the cosine, lifted by the point's "standard deviation", prefers the point.
    # Claims that differ by more words are left to the margin above: the words of "the p-value
    # is the probability that the null is true" also fit "the probability, assuming the null
    # is true, of ...".
    # Nearly all of the claim must be there: "a t-test is used when the variance is unknown"
    # has the "t" of the swapped "a t-test assumes sigma is known" but not its "known". So must
    # its one-letter names and numerals: "a type I error is rejecting a true null, a false
    # positive" has the words of "a type II error is a false positive" but not its "ii".
    if not 0 < len(wrong) <= SWAP_WORDS:
        return False
    # Read comma by comma: "a z-test assumes sigma is known, a t-test is used when it is
    # unknown" pairs each test with its own condition, though the whole clause holds every word
    # of the swapped "a t-test assumes sigma is known".
    for part in _comma_parts(clause):
        if (wrong | _decisive(claim)) <= part.content:
            said = _recall(part, claim)
            if said >= SWAP_RECALL and said > _recall(part, point):
                return True
    return False


def _comma_parts(clause: Clause) -> list[Clause]:
    """The clause's comma-separated parts as clauses of their own (the clause if it has none)."""
    parts = [p for p in clause.text.split(",") if words(p)]
    if len(parts) < 2:
        return [clause]
    return [make_clause(p, clause.negated) for p in parts]


def alias_stated(clause: Clause, alias: str, negated: bool) -> bool:
    """True when a clause contains a misconception's alias, with the same polarity."""
    return clause.negated == negated and contains_phrase(clause.stems, _alias_stems(alias))


@lru_cache(maxsize=4096)
def _alias_stems(alias: str) -> list[str]:
    return stems(_NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", alias))


def make_clause(text: str, negated: bool, read: str | None = None) -> Clause:
    """Precompute a clause's stems, content words and shape, from `read` when given (the text
    as it is to be read, e.g. code without its names; `text` is what is quoted)."""
    read = text if read is None else read
    normal = _NUMBERED.sub(lambda m: "type i" if m.group(1) else "type ii", read)
    return Clause(text, stems(normal), key_words(read), negated, is_statement(read))
