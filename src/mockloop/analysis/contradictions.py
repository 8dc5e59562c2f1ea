"""Claims that contradict a key point though no bank wrote them down as misconceptions.

Three shapes of wrong claim are told from the reference's own words, with no model:

- Swapped subjects. The reference sets two subjects side by side and says different things of
  each ("prefill is compute-bound and sets time to first token, decode is memory-bandwidth-bound
  and sets inter-token latency"; "a z-test assumes sigma is known", "a t-test is used when it is
  unknown"). An answer that gives each subject at least two of the other's attributes, and none
  of its own, has swapped them.
- Opposite words. A unit of the answer about the same subject as a unit of a point, sharing most
  of its words, says the opposite of one of them: "its memory stays constant with sequence
  length" against "its memory grows with sequence length".
- Dismissals. A clause calls what a point recommends unnecessary, overkill or not worth it
  ("pinning the tool definitions is unnecessary" against "pin tool definitions by hash").

All three are built to be precise rather than complete (the README gives the false-alarm
rates): a reversed claim in other words still needs a written misconception, and a negated
opposite ("does not stay constant") agrees with the point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Literal

from mockloop.analysis.misconceptions import key_words
from mockloop.analysis.text import is_statement, sentences, stem, words
from mockloop.models import KeyPoint, Misconception, Question

# Pairs of words that say opposite things of the same thing, in general English and the
# vocabulary of computing. Each is matched by stem in both directions.
_OPPOSITE_TEXT = """
increase decrease; increase reduce; grow shrink; grow constant; increase constant; vary constant;
rise fall; more less; more fewer; higher lower; high low; larger smaller; bigger smaller;
large small; big small; faster slower; fast slow; longer shorter; long short; before after;
earlier later; known unknown; always never; true false; positive negative; correct incorrect;
right wrong; same different; add remove; include exclude; parallel sequential; cheap expensive;
cheaper costlier; static dynamic; synchronous asynchronous; maximise minimise; maximize minimize;
maximum minimum; upper lower; inside outside; independent dependent; sparse dense; first last;
accept reject; allow block; allow deny; enable disable; strong weak; stable unstable;
valid invalid; explicit implicit; local global; stateless stateful; lossless lossy;
deterministic stochastic; deterministic random; open closed; connected disconnected;
success failure; succeed fail; pass fail; gain loss; encoder decoder; input output; read write;
overfit underfit; overfitting underfitting; underestimate overestimate; supervised unsupervised;
biased unbiased; safe unsafe; labelled unlabelled; labeled unlabeled; linear quadratic;
linear exponential; better worse; improve hurt; improve degrade; improve worsen; help hurt;
easier harder; easy hard; simple complex; raise lower; mutable immutable; eager lazy;
shallow deep; wide narrow; hit miss; upstream downstream; horizontal vertical; online offline;
required optional; mandatory optional; necessary unnecessary; sufficient insufficient;
possible impossible; likely unlikely; common rare; frequent rare; often rarely; many few;
most least
"""
OPPOSITES: frozenset[tuple[str, str]] = frozenset(
    pair
    for entry in _OPPOSITE_TEXT.replace("\n", " ").split(";")
    if len(entry.split()) == 2
    for a, b in [tuple(stem(w) for w in entry.split())]
    for pair in ((a, b), (b, a))
)
ANCHORS = 2  # words besides the opposite that an answer unit must share with the point's unit
ANCHOR_SHARE = 0.6  # ... and the share of its other words they must be
_NUMERALS = frozenset({"i", "ii", "iii", "iv"})
# Stopwords that still say opposite things ("more" / "fewer", "before" / "after").
_COMPARATIVES = frozenset(
    {"more", "less", "fewer", "few", "most", "least", "before", "after", "same", "often"}
)

# Where a point or an answer pairs a subject with an attribute: one unit per subject.
_UNIT_BREAK = re.compile(r"(?<!\d),|,(?!\d)|[;:()]|\b(?:while|whereas|but|so)\b", re.I)
_JOIN = re.compile(r"\b(?:and|or)\b", re.I)
_LEADING = re.compile(r"^[\s,;:(]*(?:(?:and|or|then|also)\b\s*)*", re.I)
# A unit that contrasts ("unlike prefill", "rather than a z-test") names a subject it denies.
_CONTRAST = re.compile(
    r"\b(?:unlike|than|compared|versus|vs|instead|opposed|contrast|rather|neither|nor)\b", re.I
)
_NEGATION = re.compile(
    r"\b(?:not|no(?!\s+matter)|never|cannot|without|none|nothing|\w+n't)\b", re.I
)
SUBJECT_WITHIN = 3  # a unit's subject is among its first words ("the key thing is that decode")
# A swap gives each subject at least MOVED_EACH of the other's attributes and none of its own,
# and SWAPPED in all: one shared word either way is coincidence more often than a swap.
MOVED_EACH = 2
SWAPPED = 5
MIN_UNIT = 2  # content words a unit needs to pair a subject with an attribute


@dataclass(frozen=True)
class Contradiction:
    """A clause of the answer that contradicts a key point, and how it was told."""

    point: KeyPoint
    quote: str
    kind: Literal["swap", "opposite", "dismissal"]
    said: str = ""  # for an opposite, the answer's word ...
    instead: str = ""  # ... and the point's

    def as_misconception(self) -> Misconception:
        """The contradiction as a misconception, so it is reported and scored like one."""
        return Misconception(claim=self.quote, correction=self.point.text)


def _raw_units(sentence: str) -> tuple[tuple[str, bool, bool], ...]:
    """A sentence's units as (text, negated, contrast): its clauses, split again where "and" or
    "or" join two statements ("prefill is compute-bound and decode is memory-bound") but not
    two nouns. A contrast ("unlike prefill", "rather than a z-test") names a subject it denies."""
    units: list[str] = []
    for part in _UNIT_BREAK.split(sentence):
        pieces = _JOIN.split(part)
        if len(pieces) > 1 and all(is_statement(p) for p in pieces):
            units.extend(pieces)
        else:
            units.append(part)
    return tuple(
        (
            _LEADING.sub("", u).strip(" ,;:().!?"),
            bool(_NEGATION.search(u)),
            bool(_CONTRAST.search(u)),
        )
        for u in units
        if _ordered_key_words(u)
    )


def _all_units(text: str) -> list[tuple[str, bool]]:
    """The text's units of MIN_UNIT words or more, with whether each is negated; contrasts are
    left out."""
    return [
        (unit.text, unit.negated)
        for _, units in _sentence_units(text)
        for unit in units
        if not unit.contrast and len(unit.stems) >= MIN_UNIT
    ]


def _unit_texts(text: str) -> list[str]:
    """The text's units that are not negated."""
    return [unit for unit, negated in _all_units(text) if not negated]


@lru_cache(maxsize=8192)
def _ordered_key_words(text: str) -> tuple[str, ...]:
    """The text's key words (misconceptions.key_words) in order of first use, numbers left out."""
    wanted = key_words(text)
    seen: list[str] = []
    for w in words(text):
        s = stem(w)
        if s in wanted and s not in seen and not any(c.isdigit() for c in s):
            seen.append(s)
    return tuple(seen)


@dataclass(frozen=True)
class _Scope:
    """A stretch of text about one subject: what it says of it, and where."""

    subject: str
    said: frozenset[str]  # key words said of the subject outside negated units
    quote: str  # the stretch as written, from the unit that names the subject
    sentence: str


@dataclass(frozen=True)
class _Unit:
    """One unit of a sentence, with what scoping needs."""

    text: str
    start: int  # offsets in the sentence, or -1 when it could not be found there
    end: int
    negated: bool
    contrast: bool
    stems: tuple[str, ...]


@lru_cache(maxsize=4096)
def _sentence_units(text: str) -> tuple[tuple[str, tuple[_Unit, ...]], ...]:
    """Each sentence of the text with its units, located (computed once per text)."""
    found = []
    for sentence in sentences(text):
        units, cursor = [], 0
        for unit, negated, contrast in _raw_units(sentence):
            at = sentence.find(unit, cursor)
            end = at + len(unit) if at >= 0 else -1
            cursor = end if at >= 0 else cursor
            units.append(_Unit(unit, at, end, negated, contrast, _ordered_key_words(unit)))
        found.append((sentence, tuple(units)))
    return tuple(found)


_END = _Unit("", -1, -1, False, True, ())


def _scopes(text: str, heads: frozenset[str], reference: bool = False) -> list[_Scope]:
    """The stretches of the text about one subject. A unit that names one head among its first
    words starts one ("post-LN, as in BERT, applies the norm after the addition" is one
    stretch); units that name no head continue it; a unit that names two, or a contrast, ends
    it. In an answer, negated units say nothing of the subject ("TCP does not order packets"
    gives TCP no attribute) but do not end its stretch; in the reference they say what they are
    about ("UDP sends datagrams with no delivery guarantee")."""
    found: list[_Scope] = []
    for sentence, units in _sentence_units(text):
        subject: str | None = None
        said: list[str] = []
        start = end = 0
        for unit in (*units, _END):
            stems_ = unit.stems
            named = any(w in heads for w in stems_)
            if subject is not None and (unit.contrast or named):
                found.append(_Scope(subject, frozenset(said), sentence[start:end], sentence))
                subject = None
            if unit.contrast or (unit.negated and not reference and not named):
                continue
            if not named:
                if subject is not None:
                    said += stems_
                    end = unit.end if unit.start >= 0 else end
                continue
            # The unit's subject: the one head it names, a run of heads counting as one ("the
            # KV cache"); a unit that names two apart ("decode reads what prefill wrote") has none.
            runs = [
                i
                for i, w in enumerate(stems_)
                if w in heads and (i == 0 or stems_[i - 1] not in heads)
            ]
            if len(runs) == 1 and runs[0] < SUBJECT_WITHIN and unit.start >= 0:
                subject = stems_[runs[0]]
                negated = unit.negated and not reference
                said = [] if negated else [w for w in stems_ if w != subject]
                start, end = unit.start, unit.end
    return found


def swaps(question: Question, answer: str) -> list[Contradiction]:
    """Pairs of the answer's stretches that give two subjects each other's attributes."""
    named = key_words(answer)
    found: list[Contradiction] = []
    used: set[str] = set()  # a stretch of the answer contradicts one point, the first it swaps
    for pair in _pairs(question):
        if pair.heads <= named:
            for point_id, quote in _swap(pair, answer):
                if all(c.point.id != point_id for c in found) and quote not in used:
                    used.add(quote)
                    point = next(p for p in question.key_points if p.id == point_id)
                    found.append(Contradiction(point, quote, "swap"))
    return found


@dataclass(frozen=True)
class _Pair:
    """Two subjects the reference sets side by side, and what it says only of each."""

    heads: frozenset[str]
    first: str
    second: str
    own: frozenset[str]  # said of the first only
    other: frozenset[str]  # said of the second only
    owners: tuple[tuple[str, ...], tuple[str, ...]]  # ids of the points about each


def _pairs(question: Question) -> tuple[_Pair, ...]:
    """The question's pairs of subjects (computed once per question's text)."""
    return _pairs_of(
        question.prompt,
        question.reference_answer,
        tuple((p.id, p.text) for p in question.key_points),
    )


@lru_cache(maxsize=512)
def _pairs_of(
    prompt: str, reference: str, points: tuple[tuple[str, str], ...]
) -> tuple[_Pair, ...]:
    texts = [*(text for _, text in points), reference]
    # Two subjects the question sets side by side: in one point ("prefill ..., decode ..."),
    # in the prompt or in one sentence of the reference answer ("z-test", "t-test"), and never
    # in one unit of the reference (where they would be one subject, or a contrast).
    groups = [frozenset(key_words(t)) for t in (*texts, prompt, *sentences(reference))]
    together = [frozenset(_ordered_key_words(u)) for t in texts for u, _ in _all_units(t)]
    heads = sorted(
        {unit.stems[0] for text in texts for _, units in _sentence_units(text) for unit in units}
    )
    vocabulary = {
        text: frozenset(w for _, units in _sentence_units(text) for u in units for w in u.stems)
        for text in texts
    }
    pairs: list[_Pair] = []
    for a, b in combinations(heads, 2):
        both = frozenset((a, b))
        if not any(both <= g for g in groups) or any(both <= u for u in together):
            continue
        said: dict[str, set[str]] = {a: set(), b: set()}
        owners: dict[str, list[str]] = {a: [], b: []}
        for point_id, text in [*points, ("", reference)]:
            if both.isdisjoint(vocabulary[text]):
                continue  # says nothing of either
            for scope in _scopes(text, both, reference=True):
                said[scope.subject] |= scope.said
                if point_id and scope.said and point_id not in owners[scope.subject]:
                    owners[scope.subject].append(point_id)
        if owners[a] and owners[b]:
            own, other = frozenset(said[a] - said[b]), frozenset(said[b] - said[a])
            pairs.append(_Pair(both, a, b, own, other, (tuple(owners[a]), tuple(owners[b]))))
    return tuple(pairs)


def _swap(pair: _Pair, answer: str) -> list[tuple[str, str]]:
    """The (point id, quote) of each half of a swap of the pair's attributes in the answer."""
    scopes = _scopes(answer, pair.heads)
    forward = [_moved(sc, pair.first, pair.own, pair.other) for sc in scopes]
    backward = [_moved(sc, pair.second, pair.other, pair.own) for sc in scopes]
    if not any(forward) or not any(backward) or max(forward) + max(backward) < SWAPPED:
        return []
    there = scopes[forward.index(max(forward))]
    back = scopes[backward.index(max(backward))]
    first, second = pair.owners
    shared = [p for p in first if p in second]
    if shared:
        # Both halves of one point: quote the sentence that holds both, or the first half.
        both = there.sentence.rstrip(" .!?;:") if there.sentence == back.sentence else there.quote
        return [(shared[0], both)]
    return [(first[0], there.quote), (second[0], back.quote)]


def _reference_texts(question: Question) -> list[str]:
    return [*(p.text for p in question.key_points), question.reference_answer]


def _moved(scope: _Scope, subject: str, own: frozenset[str], other: frozenset[str]) -> int:
    """How many of the other subject's attributes a stretch about `subject` gives it; 0 when
    it is about another subject or also says something of its own."""
    if scope.subject != subject or scope.said & own:
        return 0
    moved = len(scope.said & other)
    return moved if moved >= MOVED_EACH else 0


def opposites(question: Question, answer: str) -> list[Contradiction]:
    """Units of the answer that say the opposite of a unit of a point about the same thing."""
    found: list[Contradiction] = []
    answer_units = list(_unit_texts(answer))
    for point in question.key_points:
        # An answer's word that some wording of the point uses contradicts none of them.
        everywhere = frozenset().union(*(_with_comparatives(w) for w in point.wordings))
        hit = next(
            (
                (unit, pair)
                for wording in point.wordings
                for part in _unit_texts(wording)
                for unit in answer_units
                if (pair := opposite(unit, part, everywhere))
            ),
            None,
        )
        if hit is not None:
            found.append(Contradiction(point, hit[0], "opposite", *hit[1]))
    return found


def _names(stems: frozenset[str]) -> frozenset[str]:
    """One-letter names and roman numerals, which tell subjects apart ("type I", "z-test")."""
    return frozenset(w for w in stems if len(w) == 1 or w in _NUMERALS)


def _with_comparatives(text: str) -> frozenset[str]:
    return frozenset(_ordered_key_words(text)) | {w for w in words(text) if w in _COMPARATIVES}


def opposite(unit: str, part: str, everywhere: frozenset[str]) -> tuple[str, str] | None:
    """(the answer unit's word, the point's word) when the answer unit and a unit of the
    point (`part`) are about the same subject (each one's first word is in the other), most of
    what the answer says is in the point, and they say opposite things of it. The answer's word
    must be nowhere in the point (`everywhere`: every word of every wording): "a false positive"
    does not contradict "rejecting a true null, a false positive"."""
    said_order, meant_order = _ordered_key_words(unit), _ordered_key_words(part)
    said, meant = _with_comparatives(unit), _with_comparatives(part)
    for a in said - everywhere:
        for b in meant - said:
            if (a, b) not in OPPOSITES:
                continue
            # An opposite that qualifies the subject ("common words" against "rare words")
            # names another subject, about which the rest may well differ.
            if said_order[:1] == (a,) or meant_order[:1] == (b,):
                continue
            subject = next((w for w in said_order if w != a), None)
            head = next((w for w in meant_order if w != b), None)
            if subject not in meant or head not in said or _names(said) != _names(meant):
                continue
            rest = said - {a} - _COMPARATIVES
            shared = rest & meant
            if len(shared) >= ANCHORS and len(shared) >= len(rest) * ANCHOR_SHARE:
                return a, b
    return None


# Calling a thing not worth doing: "pinning them is unnecessary", "Redis is overkill".
_DISMISSAL = re.compile(
    r"\b(?:unnecessary|needless|overkill|pointless|a\s+waste\s+of|(?:is|are)\s+optional|"
    r"(?:is|are|was|were)\s*(?:not|n't)\s+(?:really\s+)?(?:necessary|needed|required|useful|"
    r"important|worth\s+it)|(?:do|does|did)\s*(?:not|n't)\s+(?:really\s+)?need|"
    r"no\s+need|never\s+need|can\s+(?:be\s+)?skip(?:ped)?|(?:do|does)\s*(?:not|n't)\s+help)\b",
    re.I,
)
# A point that itself drops or avoids something ("RoBERTa drops NSP") agrees with a dismissal.
_RETIRING = re.compile(
    r"\b(?:drop|drops|dropped|dropping|remov\w*|skip\w*|avoid\w*|instead\s+of|rather\s+than|"
    r"replac\w*|no\s+longer)\b",
    re.I,
)
DISMISSED_WORDS = 2  # the point's words a dismissing clause (or the one before it) must name
DISMISSED_SHARE = 0.15  # ... and the share of the point's content words they must be


def dismissals(question: Question, answer: str) -> list[Contradiction]:
    """Clauses that call a point's recommendation unnecessary ("pinning the tool definitions is
    unnecessary" against "pin tool definitions and alert on change"). A point that itself
    dismisses, drops or negates something is left alone: agreeing with it is no contradiction."""
    prompt = frozenset(key_words(question.prompt))
    points = [
        (p, frozenset(key_words(p.text)) - prompt)
        for p in question.key_points
        if not any(r.search(p.text) for r in (_DISMISSAL, _NEGATION, _RETIRING))
    ]
    found: list[Contradiction] = []
    for _, units in _sentence_units(answer):
        for index, unit in enumerate(units):
            if not _DISMISSAL.search(unit.text):
                continue
            # "them" and "it" point back: the unit before says what is dismissed.
            named = set(unit.stems) | (set(units[index - 1].stems) if index else set())
            best = max(
                ((len(named & words_), p, words_) for p, words_ in points if words_),
                key=lambda item: item[0],
                default=None,
            )
            if best is None:
                continue
            shared, point, words_ = best
            enough = shared >= DISMISSED_WORDS and shared >= len(words_) * DISMISSED_SHARE
            if enough and all(c.point.id != point.id for c in found):
                found.append(Contradiction(point, unit.text, "dismissal"))
    return found
