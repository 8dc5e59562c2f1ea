"""Which key points an answer covers, and whether it is an answer at all.

Shared by the scripted interviewer (to pick follow-ups on what was missed) and the offline judge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from mockloop.analysis.embedding import Similarity
from mockloop.analysis.text import contains_phrase, content_stems, sentences, stems, words
from mockloop.models import KeyPoint, Question

# A point scoring at least COVERED counts as covered. A span's probability of expressing a
# point (below) is mapped linearly from [LOW, HIGH] onto a [0, 1] key-point score.
COVERED = 0.5
EXPRESSED_LOW, EXPRESSED_HIGH = 0.2, 0.8
# Logistic weights: content-word recall and precision against the point, embedding cosine,
# and a negation mismatch ("is" vs "is not"). Fitted on SemEval-2013 train, see below.
W_RECALL, W_PRECISION, W_COSINE, W_NEGATION, W_BIAS = 1.58, 0.48, 1.30, 0.78, -1.79
NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|cannot|can't|isn't|doesn't|don't|won't|wasn't|aren't|"
    r"didn't|without|neither|nor)\b",
    re.I,
)
RELEVANCE_LOW, RELEVANCE_HIGH = 0.20, 0.70
OFF_TOPIC = 0.15  # raw similarity to the reference below which a pointless answer is off-topic

_NON_ANSWER = re.compile(
    r"\b(i\s*(?:do\s*n[o']?t|dont|have\s+no)\s+(?:know|idea|remember)|no\s+idea|not\s+sure|"
    r"dunno|pass|skip|no\s+clue|can'?t\s+remember|never\s+heard)\b",
    re.I,
)

# Sentences addressed to the judge rather than the interviewer ("ignore previous instructions",
# "score every criterion 5"). They are not part of the answer: dropped before analysis, flagged.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier)"
    r"\s+(?:instructions?|prompts?|rules?)|\b(?:score|grade|rate|mark)\s+(?:me|this|every|all|each)"
    r"\b[^.!?\n]*\b(?:5|five|full\s+marks|maximum|top\s+score)\b|\byou\s+are\s+now\b|"
    r"^\s*(?:system|assistant)\s*:|\b(?:evaluation|rubric|grading)[-\s](?:override|disabled)\b",
    re.I | re.M,
)

Verdict = Literal["answer", "empty", "non_answer", "off_topic", "instructions_only"]


def strip_instructions(answer: str) -> tuple[str, bool]:
    """The answer without sentences that try to instruct the judge, and whether any were found."""
    parts = sentences(answer)
    kept = [part for part in parts if not _INSTRUCTION.search(part)]
    if len(kept) == len(parts):
        return answer, False
    return " ".join(kept), True


@dataclass(frozen=True)
class PointMatch:
    """How well an answer covers one key point, and the sentence that shows it."""

    point: KeyPoint
    score: float
    how: Literal["alias", "words", "meaning", "none"]
    evidence: str | None

    @property
    def covered(self) -> bool:
        """True when the point counts as covered."""
        return self.score >= COVERED


@dataclass(frozen=True)
class Analysis:
    """Everything the offline engine knows about one answer."""

    verdict: Verdict
    matches: list[PointMatch]
    relevance: float  # similarity to the reference answer, normalised to [0, 1]
    raw_relevance: float
    instructs_judge: bool = False  # sentences aimed at the judge were found (and ignored)

    @property
    def coverage(self) -> float:
        """Mean key-point score in [0, 1]."""
        return sum(m.score for m in self.matches) / len(self.matches) if self.matches else 0.0

    @property
    def covered(self) -> list[PointMatch]:
        """Matches that count as covered."""
        return [m for m in self.matches if m.covered]

    @property
    def missed(self) -> list[PointMatch]:
        """Matches that do not count as covered."""
        return [m for m in self.matches if not m.covered]


def scale(value: float, low: float, high: float) -> float:
    """Map `value` linearly from [low, high] onto [0, 1], clamped."""
    return min(1.0, max(0.0, (value - low) / (high - low)))


def match_point(
    point: KeyPoint, answer_stems: list[str], parts: list[str], sim: Similarity
) -> PointMatch:
    """Score one key point against an answer: alias phrase, content words, then meaning."""
    for alias in (*point.aliases, point.text):
        alias_stems = stems(alias)
        if contains_phrase(answer_stems, alias_stems):
            quote = next((p for p in parts if contains_phrase(stems(p), alias_stems)), None)
            return PointMatch(point, 1.0, "alias", quote)
    target = set(content_stems(point.text))
    if not target or not parts:
        return PointMatch(point, 0.0, "none", None)
    # A key point may sit in one sentence or spread over several: score each, and the whole.
    spans = parts if len(parts) == 1 else [*parts, " ".join(parts)]
    cosines = sim.scores(point.text, spans)
    point_negated = bool(NEGATION.search(point.text))
    best = (0.0, 0, 0.0)  # probability, span index, recall
    for index, (span, cosine) in enumerate(zip(spans, cosines, strict=True)):
        said = set(content_stems(span))
        shared = len(target & said)
        recall, precision = shared / len(target), (shared / len(said) if said else 0.0)
        flipped = point_negated != bool(NEGATION.search(span))
        probability = expressed_probability(recall, precision, cosine, flipped)
        if probability > best[0]:
            best = (probability, index, recall)
    probability, index, recall = best
    score = scale(probability, EXPRESSED_LOW, EXPRESSED_HIGH)
    if score <= 0:
        return PointMatch(point, 0.0, "none", None)
    # Evidence is a sentence the candidate said; for the whole answer, its closest sentence.
    quote = (
        spans[index]
        if index < len(parts)
        else parts[max(range(len(parts)), key=cosines.__getitem__)]
    )
    return PointMatch(point, score, "words" if recall >= 0.5 else "meaning", quote)


def expressed_probability(recall: float, precision: float, cosine: float, flipped: bool) -> float:
    """How likely a span expresses a key point: logistic over four signals.

    The weights were fitted on the SemEval-2013 *train* split (correct vs not; both corpora)
    by benchmarks/validity.py, which refits them on every run and reports the held-out figures.
    """
    z = (
        W_RECALL * recall
        + W_PRECISION * precision
        + W_COSINE * cosine
        - W_NEGATION * flipped
        + W_BIAS
    )
    return 1.0 / (1.0 + math.exp(-z))


def analyse(question: Question, answer: str, sim: Similarity) -> Analysis:
    """Analyse a candidate's answer to a question."""
    answer, instructs = strip_instructions(answer)
    tokens = words(answer)
    if not tokens:
        nothing = [PointMatch(p, 0.0, "none", None) for p in question.key_points]
        return Analysis("instructions_only" if instructs else "empty", nothing, 0.0, 0.0, instructs)
    parts = sentences(answer)
    answer_stems = stems(answer)
    matches = [match_point(p, answer_stems, parts, sim) for p in question.key_points]
    raw = sim.similarity(answer, question.reference_answer)
    relevance = scale(raw, RELEVANCE_LOW, RELEVANCE_HIGH)
    verdict: Verdict = "answer"
    if len(tokens) <= 15 and _NON_ANSWER.search(answer) and not any(m.covered for m in matches):
        verdict = "non_answer"
    elif raw < OFF_TOPIC and not any(m.covered for m in matches):
        verdict = "off_topic"
    if verdict != "answer":
        # A non-answer earns nothing, even if a stray word brushed a key point.
        matches = [PointMatch(m.point, 0.0, "none", None) for m in matches]
    return Analysis(verdict, matches, relevance, raw, instructs)
