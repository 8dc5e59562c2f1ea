"""Adversarial answers built from a question's own content, to catch gameable banks.

Three kinds, all of which must score below the question's partial sample: the prompt echoed
back, the key points' aliases listed comma-separated, and each written misconception stated.
When one gets through, the offline analysis names the alias or point that let it (file:line).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mockloop.analysis.embedding import Similarity, default_similarity
from mockloop.analysis.keypoints import analyse
from mockloop.analysis.text import contains_phrase, stems
from mockloop.content import Library, Loc, SourceMap
from mockloop.models import Question, SampleLabel

Kind = Literal["echo", "aliases", "all-aliases", "misconception"]


@dataclass(frozen=True)
class Adversary:
    """One adversarial answer and the bank field it was built from."""

    kind: Kind
    answer: str
    loc: Loc  # within the question: ("prompt",), ("key_points", 2, "misconceptions", 0), ...
    point_id: str | None = None  # the misconception's point, for "misconception" answers

    @property
    def source(self) -> str:
        """What it was built from, for reports: `prompt`, `aliases`, `<point> misconception N`."""
        if self.kind == "misconception":
            return f"{self.point_id} misconception {int(self.loc[-1]) + 1}"
        return "prompt" if self.kind == "echo" else self.kind


@dataclass(frozen=True)
class AdversaryResult:
    """How an adversarial answer scored against the partial sample, and what let it through."""

    adversary: Adversary
    score: float
    ceiling: float  # the partial sample's score: the adversary must stay below it
    culprits: list[str]  # "file:line: why", empty when it passed
    detected: bool = True  # for misconceptions: the analysis found the stated claim

    @property
    def passed(self) -> bool:
        """True when the adversary scored below the partial sample (and was detected)."""
        return self.score < self.ceiling and self.detected


def first_aliases(question: Question) -> list[str]:
    """Each key point's first alias, for the points that have one."""
    return [p.aliases[0] for p in question.key_points if p.aliases]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def adversarial_answers(question: Question) -> list[Adversary]:
    """The echoed prompt, the aliases listed (first of each point, then all), each misconception."""
    answers = [Adversary("echo", question.prompt.strip(), ("prompt",))]
    first = first_aliases(question)
    if first:
        answers.append(Adversary("aliases", ", ".join(first), ("key_points",)))
    every = [a for p in question.key_points for a in p.aliases]
    if len(every) > len(first):
        answers.append(Adversary("all-aliases", ", ".join(every), ("key_points",)))
    for i, point in enumerate(question.key_points):
        for j, wrong in enumerate(point.misconceptions):
            claim = wrong.claim.strip().rstrip(".")
            answers.append(
                Adversary(
                    "misconception",
                    _capitalised(claim) + ".",
                    ("key_points", i, "misconceptions", j),
                    point.id,
                )
            )
    return answers


# Sentences that say nothing about the term they hold (see alias_sentences).
TRIVIAL = ("{} helps parsing.", "{} is truly wonderful.", "{} matters a great deal.")
# Long sentences round a term whose other words say nothing about the subject.
PADDING = (
    "Well, honestly, in my own experience over the years the {} thing is something that people "
    "in many different teams talk about quite a lot in meetings.",
    "I remember reading about {} in a blog post last year, and my manager mentioned it twice "
    "during our weekly planning session.",
    "To be fair, {} is one of those topics that comes up again and again whenever my colleagues "
    "and I grab coffee after lunch.",
)


def _first_aliases_in(question: Question, templates: tuple[str, ...]) -> str:
    """Each point's first alias, one sentence each, the templates taken in turn."""
    first = first_aliases(question)
    sentences = (templates[i % len(templates)].format(a) for i, a in enumerate(first))
    return " ".join(_capitalised(s) for s in sentences)


def alias_sentences(question: Question) -> str:
    """Each point's first alias in a short sentence of its own that says nothing about it."""
    return _first_aliases_in(question, TRIVIAL)


def padded_alias_sentences(question: Question) -> str:
    """Each point's first alias inside a long sentence of filler: named in passing, at length."""
    return _first_aliases_in(question, PADDING)


# Words that join terms into something shaped like a sentence, taken in turn.
GLUE = (" because ", " so ", " and therefore ", " which means ")


def alias_chain(question: Question) -> str:
    """Each point's first alias strung into one sentence by connectives: a list with verbs."""
    first = first_aliases(question)
    chain = "".join(a + GLUE[i % len(GLUE)] for i, a in enumerate(first[:-1]))
    chain += first[-1] if first else ""
    return _capitalised(chain) + "."


def shuffled_strong_sample(question: Question) -> str | None:
    """The strong sample's words in a random order (the same for a question on every run): every
    right word, no statement. None without a strong sample."""
    strong = next((s.answer for s in question.samples if s.label is SampleLabel.STRONG), None)
    if strong is None:
        return None
    tokens = strong.split()
    random.Random(question.id).shuffle(tokens)
    return " ".join(tokens)


def analysis_attacks(question: Question) -> list[tuple[str, str]]:
    """(kind, answer) of the attacks on the analysis itself, beside `adversarial_answers`.

    Not `banks check`'s kinds (a bank cannot fix them: they test the analysis, not the
    content), but answers the offline judge must score like a list of terms.
    """
    attacks = [
        ("alias-sentences", alias_sentences(question)),
        ("padded-aliases", padded_alias_sentences(question)),
        ("alias-chain", alias_chain(question)),
    ]
    if (shuffled := shuffled_strong_sample(question)) is not None:
        attacks.append(("shuffled-strong", shuffled))
    return attacks


def _where(library: Library, question: Question) -> tuple[SourceMap | None, Loc]:
    for bank in library.banks:
        for index, candidate in enumerate(bank.questions):
            if candidate.id == question.id:
                return library.sources.get(f"bank:{bank.bank}"), ("questions", index)
    return None, ()


def locate(library: Library, question: Question, loc: Loc) -> str:
    """`file:line` of a field of a question, or the question id when its file is unknown."""
    source, base = _where(library, question)
    if source is None:
        return question.id
    return f"{source.path}:{source.line_of((*base, *loc))}"


def culprits(
    library: Library, question: Question, adversary: Adversary, sim: Similarity
) -> list[str]:
    """What the offline analysis credited in an adversarial answer, with file:line."""
    analysis = analyse(question, adversary.answer, sim)
    said = stems(adversary.answer)
    found: list[str] = []
    named = [m.point.id for m in analysis.matches if m.how == "named"]
    for i, match in enumerate(analysis.matches):
        if match.score <= 0 or match.how in ("misconception", "named"):
            continue
        point = match.point
        hits = [j for j, a in enumerate(point.aliases) if contains_phrase(said, stems(a))]
        for j in hits:
            where = locate(library, question, ("key_points", i, "aliases", j))
            found.append(
                f"{where}: alias {point.aliases[j]!r} of {point.id} earned {match.score:.2f} "
                f"({match.how})"
            )
        if not hits:
            where = locate(library, question, ("key_points", i, "text"))
            found.append(f"{where}: key point {point.id} earned {match.score:.2f} ({match.how})")
    where = locate(library, question, adversary.loc)
    if named:
        found.append(f"{where}: named, not explained (small credit): {', '.join(named)}")
    if not found:
        found.append(f"{where}: {adversary.kind} answer scored on closeness to the reference")
    return found


def check_adversaries(
    score: Callable[[str], float | None],
    library: Library,
    question: Question,
    ceiling: float,
    sim: Similarity | None = None,
) -> list[AdversaryResult]:
    """Score every adversarial answer with `score(answer) -> float | None` against `ceiling`."""
    sim = sim or default_similarity()
    results = []
    for adversary in adversarial_answers(question):
        value = score(adversary.answer) or 0.0
        detected = True
        if adversary.kind == "misconception":
            found = analyse(question, adversary.answer, sim).misconceptions
            detected = any(m.point.id == adversary.point_id for m in found)
        reasons: list[str] = []
        if value >= ceiling:
            reasons = culprits(library, question, adversary, sim)
        if not detected:
            where = locate(library, question, adversary.loc)
            reasons.append(f"{where}: the misconception, stated as written, is not detected")
        results.append(AdversaryResult(adversary, value, ceiling, reasons, detected))
    return results
