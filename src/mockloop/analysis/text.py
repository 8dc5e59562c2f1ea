"""Text normalisation for the offline scorer: words, light stemming, sentences."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|(?:^|\s)[-*•]\s+")

# Function words plus interview filler: they say nothing about which idea an answer covers.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each etc
    even ever every few for from further had has have having he her here hers him his how
    however i if in into is it its itself just let like may me might more most much must my
    myself no nor not now of off often on once one only or other our ours out over own per
    quite rather really same say says she should so some such than that the their theirs
    them then there these they thing things think this those through thus to too under until
    up upon us use used uses using very via was way we well were what when where whether
    which while who whom why will with within without would yes yet you your yours basically
    actually kind sort lot lots get gets got make makes made need needs want wants go goes
    going know mean means something someone
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ness",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "ly",
    "es",
    "s",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately light stemmer: enough to match plurals and verb forms, nothing clever."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            word = base
            break
    # "saturate" and "saturates" (or "merge" and "merged") must meet at the same stem.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def stems(text: str) -> list[str]:
    """Stemmed word tokens, stopwords kept (phrases need them)."""
    return [stem(w) for w in words(text)]


def content_stems(text: str) -> list[str]:
    """Stemmed tokens without stopwords: the words that carry meaning."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def sentences(text: str) -> list[str]:
    """Split an answer into sentences and bullet items, dropping empties."""
    parts = (p.strip(" \t-*•") for p in _SENTENCE.split(text))
    return [p for p in parts if p and len(words(p)) > 0]


def contains_phrase(haystack: list[str], phrase: list[str]) -> bool:
    """True when `phrase` occurs as a contiguous run in `haystack` (both stemmed)."""
    if not phrase:
        return False
    n = len(phrase)
    first = phrase[0]
    return any(
        haystack[i] == first and haystack[i : i + n] == phrase for i in range(len(haystack) - n + 1)
    )
