"""Which key points an answer states, which wrong claims it makes, and whether it is an answer.

Shared by the scripted interviewer (to pick follow-ups) and the offline judge. Claims, not
keywords: a point is covered only by a clause that says something (a statement, not a list
item) whose words and meaning agree with the point once the question's own words are set aside
(question demoting, Mohler et al. 2011; Sultan et al. 2016). Naming a term earns a little
"named, not explained" credit and never covers a point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from mockloop.analysis.contradictions import dismissals, opposites, swaps
from mockloop.analysis.embedding import Similarity, similarity_matrix
from mockloop.analysis.examples import ExampleGrade, nearest_grade
from mockloop.analysis.injection import strip_instructions as strip_instructions
from mockloop.analysis.misconceptions import (
    Clause,
    MisconceptionMatch,
    agreement,
    alias_stated,
    distanced,
    make_clause,
    states_claim,
)
from mockloop.analysis.signals import probability as expressed
from mockloop.analysis.signals import signals
from mockloop.analysis.text import (
    clauses,
    contains_phrase,
    content_stems,
    garbled,
    is_code_line,
    is_list,
    is_question,
    prose,
    sentences,
    stem,
    stems,
    verbatim,
    without_names,
    words,
)
from mockloop.models import KeyPoint, Question

# A point scoring at least COVERED counts as covered. A span's probability of expressing a
# point (below) is mapped linearly from [LOW, HIGH] onto a [0, 1] key-point score.
COVERED = 0.5
# A term named in a list or in passing: named, not explained. Below the judge's first band edge
# (0.15), so naming every term of a question never lifts correctness off the lowest band.
NAMED = 0.12
FRAGMENT = 0.45  # a verbless fragment may come close to a point but never covers it
EXPRESSED_LOW, EXPRESSED_HIGH = 0.2, 0.8
# An alias inside a statement that also says something of its own (more than OWN_WORDS content
# words beyond the alias and the question's words, or OWN_WORDS of which one agrees with the
# point) covers the point at ALIAS_STATED; an alias alone, in a list, a fragment or a trivial
# sentence, is only named. Hand-set (SemEval has no aliases).
ALIAS_STATED, OWN_WORDS = 0.7, 2
SHORT = 10  # words: a sentence this short round an alias must agree with the point
OWN_TOPICAL = 0.2  # ... and a longer one's own words must be this often the subject's words
# Calling what follows false: "it is false that ...", "it is wrong to claim ...".
_DISOWNED = (
    r"(?:false|untrue|wrong|incorrect|a\s+mistake)\s+(?:that|to\s+(?:say|claim|think|believe))"
)
NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|cannot|can't|isn't|doesn't|don't|won't|wasn't|aren't|"
    rf"didn't|without|neither|nor|{_DISOWNED})\b",
    re.I,
)
# Denying a term ("I won't dwell on requirements") rather than qualifying it ("without scaling").
DENIAL = re.compile(rf"\b(?:not|never|no|cannot|\w+n't|won't|{_DISOWNED})\b", re.I)
RELEVANCE_LOW, RELEVANCE_HIGH = 0.20, 0.70
OFF_TOPIC = 0.15  # raw similarity to the reference below which a pointless answer is off-topic
VOUCHED = 0.5  # nearest examples' mean grade that vouches for an answer being on topic
ECHO = 0.8  # share of the answer's content words taken from the question: a restated question
# ... and the share of the question's content words it repeats: a short answer that reuses a
# few words of a long question ("it indicates there is sugar in the food") restates nothing.
RESTATED = 0.5
MAX_SPANS = 400  # clauses compared with every point: keeps a 50,000-character answer linear
RELEVANCE_CHARS = 12_000  # closeness to the reference is read on the answer's opening

_NON_ANSWER = re.compile(
    r"\b(i\s*(?:do\s*n[o']?t|dont|have\s+no)\s+(?:know|idea|remember)|no\s+idea|not\s+sure|"
    r"dunno|pass|skip|no\s+clue|can'?t\s+remember|never\s+heard)\b",
    re.I,
)
EXPLAINS = re.compile(
    r"\b(?:because|since|so\s+that|therefore|thus|hence|which\s+means|this\s+means|that\s+is\s+"
    r"why|in\s+order\s+to|instead\s+of|whereas|however|but|unless|trade-?offs?|at\s+the\s+cost|"
    r"downside|cost|latency|faster|slower|cheaper|for\s+example|e\.g\.|for\s+instance|versus|"
    r"vs\.?|depends|if|when|otherwise|\d+(?:\.\d+)?\s*(?:%|x|ms|s|gb|mb|k|m|tokens?)?)\b",
    re.I,
)

Verdict = Literal[
    "answer", "empty", "non_answer", "off_topic", "instructions_only", "echo", "garbled"
]
How = Literal["alias", "words", "meaning", "named", "misconception", "none"]


@dataclass(frozen=True)
class PointMatch:
    """How well an answer covers one key point, and the clause that shows it."""

    point: KeyPoint
    score: float
    how: How
    evidence: str | None
    misconception: MisconceptionMatch | None = None
    strength: float = 0.0  # the best clause's unclamped probability: ranks answers finely

    @property
    def covered(self) -> bool:
        """True when the point counts as covered."""
        return self.score >= COVERED


@dataclass(frozen=True)
class Analysis:
    """Everything the offline engine knows about one answer."""

    verdict: Verdict
    matches: list[PointMatch]
    relevance: float  # demoted similarity to the reference answer, normalised to [0, 1]
    raw_relevance: float
    instructs_judge: bool = False  # sentences aimed at the judge were found (and ignored)
    misconceptions: list[MisconceptionMatch] = field(default_factory=list)
    statement_share: float = 0.0  # share of the answer's words inside statements
    explanation: float = 0.0  # why / how / trade-offs / numbers, in [0, 1]
    echo: float = 0.0  # share of the answer's content words that the question uses
    examples: ExampleGrade | None = None  # how the nearest graded samples were graded

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

    @property
    def named(self) -> list[PointMatch]:
        """Points whose terms were named but not explained."""
        return [m for m in self.matches if m.how == "named"]


def scale(value: float, low: float, high: float) -> float:
    """Map `value` linearly from [low, high] onto [0, 1], clamped."""
    return min(1.0, max(0.0, (value - low) / (high - low)))


def demote(text: str, question_stems: frozenset[str]) -> str:
    """The text without the content words the question uses (what it adds to the question)."""
    if not question_stems:
        return text
    return " ".join(w for w in words(text) if stem(w) not in question_stems)


def question_stems(question: Question) -> frozenset[str]:
    """The stems of the question prompt's content words."""
    return frozenset(content_stems(question.prompt))


@dataclass(frozen=True)
class _Spans:
    """The answer's clauses and sentences, with their demoted forms and shapes."""

    texts: list[str]
    demoted: list[str]
    clauses: list[Clause]
    code: list[bool]
    terms: frozenset[str]  # content stems of every key point's aliases
    said: list[frozenset[str]]  # content stems of each demoted span
    lists: list[bool]  # the span is a list of terms
    # Share of the span's own words (neither the question's nor any point's terms) that the
    # reference answer or a key point uses: does what it says beyond the term belong to the
    # subject at all? Filler round a term ("people in many teams talk about it in meetings")
    # scores 0 where an explanation in the subject's words does not.
    topical: list[float]
    # The span strings together the terms of several points and nothing else ("final state
    # because tool sequence because cost per task"): a list of terms with verbs for commas.
    chains: list[bool]


def _spans(
    answer: str,
    qstems: frozenset[str],
    terms: frozenset[str],
    vocabulary: frozenset[str],
    aliases: list[list[list[str]]],  # per key point, each alias's stems
) -> _Spans:
    texts: list[str] = []
    heads: list[int] = []  # each span's sentence, as the index of the sentence's first span
    for sentence in sentences(answer):
        parts = clauses(sentence)
        spans = parts if len(parts) == 1 else [sentence, *parts]
        heads.extend([len(texts)] * len(spans))
        texts.extend(spans)
        if len(texts) >= MAX_SPANS:
            break
    texts, heads = texts[:MAX_SPANS], heads[:MAX_SPANS]
    # A question states nothing ("Could it be that a z-test assumes sigma is known?"), nor does
    # any clause of it: it names what it asks about, as a list does.
    asked = [is_question(texts[head]) for head in heads]
    code = [is_code_line(t) for t in texts]
    # Code is read without its names: "t = unknown_variance and heavier_tails" names terms.
    read = [without_names(t) if c else t for t, c in zip(texts, code, strict=True)]
    demoted = [demote(r, qstems) for r in read]
    said = [frozenset(content_stems(d)) for d in demoted]
    links = [chained(r, qstems, terms, aliases, s) for r, s in zip(read, said, strict=True)]
    # The clauses of a chain are its links: each is part of the list, whatever it holds.
    chains = [link or links[head] for link, head in zip(links, heads, strict=True)]
    made = []
    for text, words_read, question in zip(texts, read, asked, strict=True):
        clause = make_clause(text, bool(NEGATION.search(words_read)), words_read)
        made.append(replace(clause, statement=False) if question else clause)
    return _Spans(
        texts,
        demoted,
        made,
        code,
        terms,
        said,
        [is_list(r) or question for r, question in zip(read, asked, strict=True)],
        [_share(own_words(s, terms, qstems), vocabulary) for s in said],
        chains,
    )


CHAIN_POINTS = 3  # the terms of this many points in one span, with no word of its own
# Connectives and verbs of mere relation ("X leads to Y", "X helps Y") join terms without
# saying anything about them: they are not a span's own words when telling a chain.
_CONNECTIVE_TEXT = "therefore thus hence consequently also furthermore moreover additionally"
_CONNECTIVE_TEXT += " plus then finally firstly secondly lastly overall"
_CONNECTIVE_TEXT += " leads lead causes cause helps help improves improve matters matter means mean"
_CONNECTIVE_TEXT += " makes make uses use needs need gives give affects affect enables enable"
_CONNECTIVE_TEXT += " reduces reduce increases increase allows allow requires require involves"
_CONNECTIVE_TEXT += " involve includes include relates relate depends depend"
CONNECTIVES = frozenset(stem(w) for w in _CONNECTIVE_TEXT.split())


def chained(
    text: str,
    qstems: frozenset[str],
    terms: frozenset[str],
    aliases: list[list[list[str]]],
    said: frozenset[str] | None = None,  # the span's demoted content stems, if known
) -> bool:
    """True when a span strings together the terms of CHAIN_POINTS points and says nothing
    else: no word of its own beyond connectives."""
    if said is None:
        said = frozenset(content_stems(demote(text, qstems)))
    if own_words(said, terms, qstems) - CONNECTIVES:
        return False
    tokens = stems(text)
    named = sum(any(contains_phrase(tokens, a) for a in point) for point in aliases)
    return named >= CHAIN_POINTS


def own_words(said: frozenset[str], terms: frozenset[str], qstems: frozenset[str]) -> set[str]:
    """A span's words that are neither the question's nor any key point's terms."""
    return {w for w in said - terms - qstems if len(w) > 2}


def _share(words_: set[str], vocabulary: frozenset[str]) -> float:
    return len(words_ & vocabulary) / len(words_) if words_ else 0.0


def match_point(
    point: KeyPoint,
    spans: _Spans,
    cosines: list[float],
    qstems: frozenset[str],
) -> PointMatch:
    """Score one key point against the answer's spans (demoted words, meaning, aliases)."""
    every = frozenset(content_stems(point.text))
    target = every - qstems or every
    if not target:
        return PointMatch(point, 0.0, "none", None)
    point_negated = bool(NEGATION.search(point.text))
    aliases = [stems(a) for a in point.aliases]
    # Words that only name things: a clause must say something beyond the terms of the
    # question's points (or it is a list of terms, or a trivial sentence round one).
    terms = {s for a in point.aliases for s in content_stems(a)}
    best: tuple[float, int] = (0.0, -1)
    named, strength = -1, 0.0
    for index, clause in enumerate(spans.clauses):
        said = spans.said[index]
        flipped = point_negated != clause.negated
        probability = expressed(signals(target, said, cosines[index], flipped))
        found = next((a for a in aliases if contains_phrase(clause.stems, a)), None)
        if not (clause.statement or spans.code[index]):
            if found is not None or probability >= EXPRESSED_HIGH:
                named = index if named < 0 else named
            if not (spans.lists[index] or spans.chains[index]):
                # A fragment ("evaporation leaves the salt") is graded but never covers a point.
                fragment = min(scale(probability, EXPRESSED_LOW, EXPRESSED_HIGH), FRAGMENT)
                strength = max(strength, probability)
                if fragment > best[0]:
                    best = (fragment, index)
            continue
        strength = max(strength, probability)
        score = scale(probability, EXPRESSED_LOW, EXPRESSED_HIGH)
        if flipped:
            # The point's words with a "not" on one side only ("a z-test does not assume sigma
            # is known") state its opposite: near it, as a fragment is, never covering it.
            score = min(score, FRAGMENT)
        if spans.chains[index]:
            # Terms strung together state nothing, whichever point they come closest to.
            named = index if named < 0 and found is not None else named
            score = min(score, NAMED)
        elif found is not None:
            # Negated ("I won't dwell on requirements") or bare, an alias states nothing.
            # Its own words: neither the question's nor any term of the question's points.
            own = own_words(said, spans.terms, qstems)
            denied = bool(DENIAL.search(spans.texts[index])) and not point_negated
            # A short sentence round an alias ("JSON mode helps parsing.") says something only
            # when one of its own words is one the point uses (its text or other aliases).
            alias = set(found)
            others = spans.terms - terms  # other points' terms name those points, not this
            agrees = bool((said - alias - qstems - others) & ((target | terms) - alias))
            short = len(words(spans.texts[index])) <= SHORT
            # A long sentence round an alias says something when its own words are on the
            # subject; "people in many teams talk about heavier tails in meetings" is not.
            on_subject = spans.topical[index] >= OWN_TOPICAL
            long = len(own) > OWN_WORDS and not short and on_subject
            says = len(own) >= OWN_WORDS and (agrees or long)
            if says and not denied:
                score = max(score, ALIAS_STATED)
            else:
                named = index if named < 0 else named
                if not agrees:
                    # Nothing but the alias agrees with the point: its words are the alias's,
                    # and the sentence round it says nothing (on the subject) of its own.
                    score = min(score, NAMED)
        if score > best[0]:
            best = (score, index)
    score, index = best
    if score <= NAMED and named >= 0:  # capped at NAMED: named, whatever matched
        return PointMatch(point, NAMED, "named", spans.texts[named], strength=strength)
    if score <= 0:
        return PointMatch(point, 0.0, "none", None, strength=strength)
    recall_words = set(content_stems(spans.demoted[index]))
    how: How = "words" if len(target & recall_words) >= len(target) / 2 else "meaning"
    if any(contains_phrase(spans.clauses[index].stems, a) for a in aliases):
        how = "alias"
    if not (spans.clauses[index].statement or spans.code[index]):
        how = "named"  # the closest span is a fragment: near the point, but states nothing
    return PointMatch(point, score, how, spans.texts[index], strength=strength)


def find_misconceptions(
    question: Question, spans: _Spans, sim: Similarity
) -> list[MisconceptionMatch]:
    """Every misconception some clause of the answer states (first clause that states it)."""
    wrongs = [(p, w) for p in question.key_points for w in p.misconceptions]
    # Only single clauses: a whole sentence may hold both halves of a correct contrast.
    only = [i for i, t in enumerate(spans.texts) if len(clauses(t)) == 1]
    if not wrongs or not only:
        return []
    texts = [spans.texts[i] for i in only]
    points = question.key_points
    grid = similarity_matrix(sim, [*(p.text for p in points), *(w.claim for _, w in wrongs)], texts)
    point_cos, claim_cos = grid[: len(points)], grid[len(points) :]
    found: dict[str, MisconceptionMatch] = {}
    for k, (point, wrong) in enumerate(wrongs):
        if point.id in found:
            continue
        negated = bool(NEGATION.search(wrong.claim))
        aliases = [(a, bool(NEGATION.search(a))) for a in wrong.aliases]
        for j, i in enumerate(only):
            clause = spans.clauses[i]
            if distanced(clause.text):
                continue  # "many textbooks say ...": the claim is reported, not made
            by_alias = any(alias_stated(clause, a, flip) for a, flip in aliases)
            # The clause must agree with the wrong claim more than with any correct point.
            rival = max(agreement(clause, p.text, point_cos[n][j]) for n, p in enumerate(points))
            if by_alias or states_claim(
                clause, wrong.claim, point.text, claim_cos[k][j], rival, negated
            ):
                found[point.id] = MisconceptionMatch(point, wrong, clause.text)
                break
    return list(found.values())


def inferred_misconceptions(
    question: Question, answer: str, known: set[str]
) -> list[MisconceptionMatch]:
    """Wrong claims no bank wrote down, told from the points' own words (swapped subjects,
    opposite words, dismissals), for points a written misconception has not already
    cancelled."""
    found: dict[str, MisconceptionMatch] = {}
    for c in [
        *swaps(question, answer),
        *opposites(question, answer),
        *dismissals(question, answer),
    ]:
        if distanced(c.quote):
            continue  # reported or debunked, not claimed
        if c.point.id not in known and c.point.id not in found:
            found[c.point.id] = MisconceptionMatch(c.point, c.as_misconception(), c.quote)
    return list(found.values())


def _shape(spans: _Spans, answer: str) -> tuple[float, float]:
    """(share of words inside statements, explanation signal in [0, 1])."""
    sentence_list = sentences(answer)
    total = sum(len(words(s)) for s in sentence_list) or 1
    links = {t for t, chain in zip(spans.texts, spans.chains, strict=True) if chain}
    # A chain of terms is a list, and its "because"s explain nothing.
    stated = [
        s
        for s in sentence_list
        if (make_clause(s, False).statement or is_code_line(s))
        and s not in links
        and not is_question(s)
    ]
    share = sum(len(words(s)) for s in stated) / total
    markers = {m.group(0).lower() for s in stated for m in EXPLAINS.finditer(s)}
    return share, min(1.0, len(markers) / 4)


def analyse(question: Question, answer: str, sim: Similarity) -> Analysis:
    """Analyse a candidate's answer to a question."""
    answer, instructs = strip_instructions(answer)
    tokens = words(answer)
    nothing = [PointMatch(p, 0.0, "none", None) for p in question.key_points]
    if not tokens:
        return Analysis("instructions_only" if instructs else "empty", nothing, 0.0, 0.0, instructs)
    qstems = question_stems(question)
    terms = frozenset(s for p in question.key_points for a in p.aliases for s in content_stems(a))
    # The subject's vocabulary: what the reference answer and the key points talk about.
    vocabulary = frozenset(
        content_stems(" ".join([question.reference_answer, *(p.text for p in question.key_points)]))
    )
    aliases = [[stems(a) for a in p.aliases] for p in question.key_points]
    spans = _spans(answer, qstems, terms, vocabulary, aliases)
    # Each wording of a point is matched on its own; the closest one speaks for the point.
    wordings = [(p, text) for p in question.key_points for text in p.wordings]
    point_texts = [demote(text, qstems) or text for _, text in wordings]
    matrix = similarity_matrix(sim, point_texts, spans.demoted)
    best: dict[str, PointMatch] = {}
    for (point, text), row in zip(wordings, matrix, strict=True):
        worded = point if text == point.text else point.model_copy(update={"text": text})
        match = replace(match_point(worded, spans, row, qstems), point=point)
        if point.id not in best or match.score > best[point.id].score:
            best[point.id] = match
    matches = [best[p.id] for p in question.key_points]
    written = find_misconceptions(question, spans, sim)
    wrong = [
        replace(w, quote=verbatim(w.quote, answer))
        for w in [
            *written,
            # Claims are read in prose: code and its comments state no claim about a point.
            *inferred_misconceptions(question, prose(answer), {w.point.id for w in written}),
        ]
    ]
    cancelled = {m.point.id: m for m in wrong}
    matches = [
        PointMatch(
            m.point, 0.0, "misconception", cancelled[m.point.id].quote, cancelled[m.point.id]
        )
        if m.point.id in cancelled
        else m
        for m in matches
    ]
    content = content_stems(answer)
    echo = sum(1 for s in content if s in qstems) / len(content) if content else 0.0
    restated = len(qstems & set(content)) / len(qstems) if qstems else 0.0
    # On-topic is judged on every word; how close it gets beyond the question, on demoted ones.
    opening = answer[:RELEVANCE_CHARS]
    topical = sim.similarity(opening, question.reference_answer)
    raw = sim.similarity(demote(opening, qstems), demote(question.reference_answer, qstems))
    relevance = scale(raw, RELEVANCE_LOW, RELEVANCE_HIGH)
    share, explanation = _shape(spans, answer)
    # Graded answers near this one: a list of terms is no closer to being right for resembling
    # answers that were, so it gets none.
    listed = all(is_list(s) for s in sentences(answer))
    examples = None if listed else nearest_grade(answer, question.samples, sim)
    # An answer nearest to answers people graded as right is on topic, whatever its words.
    vouched = examples is not None and examples.grade >= VOUCHED
    verdict: Verdict = "answer"
    if len(tokens) <= 15 and _NON_ANSWER.search(answer) and not any(m.covered for m in matches):
        verdict = "non_answer"
    elif echo >= ECHO and restated >= RESTATED and not any(m.covered for m in matches):
        verdict = "echo"
    elif garbled(answer):
        verdict = "garbled"  # the right words in no order state nothing
    elif topical < OFF_TOPIC and not any(m.covered for m in matches) and not wrong and not vouched:
        verdict = "off_topic"
    if verdict != "answer":
        # A non-answer earns nothing, even if a stray word brushed a key point.
        matches, wrong, examples = nothing, [], None
    # Evidence is quoted as the candidate wrote it.
    matches = [
        replace(m, evidence=verbatim(m.evidence, answer)) if m.evidence else m for m in matches
    ]
    return Analysis(
        verdict, matches, relevance, raw, instructs, wrong, share, explanation, echo, examples
    )
