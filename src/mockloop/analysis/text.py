"""Text normalisation for the offline scorer: words, light stemming, sentences."""

from __future__ import annotations

import itertools
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
    parts = (p.strip(" \t-*•") for p in _SENTENCE.split(_unwrap(text)))
    return [p for p in parts if p and len(words(p)) > 0]


_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def _unwrap(text: str) -> str:
    """Join prose lines wrapped mid-sentence, so a sentence is never cut at a line break.

    Code lines, bullets, blank lines and lines ending a sentence keep their line breaks.
    """
    if "\n" not in text:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        previous = out[-1] if out else ""
        if (
            previous.strip()
            and line.strip()
            and previous.rstrip()[-1] not in ".!?:;"
            and not _BULLET.match(line)
            and not is_code_line(previous)
            and not is_code_line(line)
            and not line.lstrip().startswith("```")
            and not previous.lstrip().startswith(("```", "#"))
        ):
            out[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def contains_phrase(haystack: list[str], phrase: list[str]) -> bool:
    """True when `phrase` occurs as a contiguous run in `haystack` (both stemmed)."""
    if not phrase:
        return False
    n = len(phrase)
    first = phrase[0]
    return any(
        haystack[i] == first and haystack[i : i + n] == phrase for i in range(len(haystack) - n + 1)
    )


# Clause boundaries inside a sentence: a comma or conjunction that starts a new subject. Matching
# claims clause by clause keeps "a z-test assumes X, while a t-test assumes Y" from agreeing with
# the swapped claim "a t-test assumes X" just because every word is somewhere in the sentence.
_CLAUSE = re.compile(
    r"\s*[;:]\s+|,?\s+(?:while|whereas|but|although|though|however)\s+|"
    r",\s+(?:and|so|yet)\s+|\s+and\s+(?=(?:a|an|the|it|its|they|this|that|we|you)\s)",
    re.I,
)
# Words that make a run of words a statement: auxiliaries, copulas, modals and common verbs.
_PREDICATE_TEXT = """
    is are was were be been being am isn't aren't wasn't weren't can could will would shall
    should must may might has have had does do did doesn't don't didn't cannot won't
    d ll ve re let
"""
_PREDICATES = frozenset(_PREDICATE_TEXT.split())
_SUBJECT_TEXT = "i we you it they he she this that there"
_SUBJECTS = frozenset(_SUBJECT_TEXT.split())
# Common verbs of technical explanation: with the auxiliaries they tell a clause that says
# something from a list of terms, without a part-of-speech tagger.
_VERBS_TEXT = """
    add allow apply assume attend avoid batch become block break build cache call cause change
    check choose chunk combine compare compute contain control cost count decide decode depend
    design detect differ divide drop embed encode estimate evaluate explain fail filter find fit
    flag follow gain generate give grow handle help hold hurt improve include increase index join
    keep learn let limit load look lose lower map match measure merge move multiply need
    normalise normalize parse pass pick predict prevent produce put queue raise rank reach read
    reduce reject rely remove replace require retrieve retry return route run sample save scale
    score search see send serve set shard show shrink skip sort split stay stop store strip suit
    sum support take tell test track train tune turn update use validate wait win work wrap write
    get go make mean know want think say come become
"""


def _verb_base(word: str) -> str:
    """A crude verb base: "uses", "used", "using" and "use" all give "us"."""
    for suffix in ("ing", "ies", "ied", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "splitting" -> "split"
    return word[:-1] if word.endswith("e") and len(word) > 2 else word


_VERBS = frozenset(_verb_base(v) for v in _VERBS_TEXT.split())
CODE_LINE = re.compile(
    r"^\s*(?:def|class|import|from|return|if|elif|else|for|while|with|try|except|raise|async|"
    r"await|yield|assert|lambda|print)\b.*[:)(]|"  # Python statements
    r"^\s*@\w|"  # decorators
    r"^\s*[\w.\[\]'\"]+\s*(?::\s*[\w.\[\], |]+)?\s*[-+*/|&]?=(?!=)|"  # assignments, annotated ones
    r"^\s*[\w.]+\([^()]*\)\s*$|"  # a bare call
    r"[{}\[\]]\s*$|^\s*[)\]}]|^\s{4,}\S",  # brackets, indented code
)


def clauses(sentence: str) -> list[str]:
    """A sentence split where a new subject starts (", while", "; ", " and the ...")."""
    parts = [p.strip(" ,") for p in _CLAUSE.split(sentence)]
    kept = [p for p in parts if words(p)]
    return kept or [sentence]


def is_statement(text: str) -> bool:
    """True when a run of words says something: a predicate and more than a bare term.

    A list of terms ("attention, softmax, KV cache") or a fragment ("Requirements first.") is
    not a statement: it names things without saying anything about them.
    """
    tokens = words(text)
    if len(tokens) < 4 or is_list(text):
        return False
    if _says(tokens) or _SUBJECTS & set(tokens[:-1]):
        return True  # a verb, or a subject with words after it
    function = sum(1 for t in tokens if t in STOPWORDS)
    return len(tokens) >= 8 and function / len(tokens) >= 0.3  # running prose


def is_list(text: str) -> bool:
    """True for a comma-separated run of short phrases, most of them without a verb.

    An item of at most NOUN_PHRASE words without an auxiliary or a subject ("KV cache", "batch
    size", "count") is a term even though "cache", "batch" and "count" can be verbs: so short an
    item has no room to say anything. A run that opens with a clause longer than CLAUSE words
    ("every position predicts its next token, shifted by one, ...") is a statement with trailing
    phrases, not a list.
    """
    # Arrows map terms to terms ("known variance -> z-test") and table cells sit side by side
    # ("| z-test | known variance |"): a list's separators too.
    items = [words(i) for i in re.split(r"[,;/|]|->|=>|→", text) if words(i)]
    if len(items) < 3 or sum(map(len, items)) / len(items) > 6:
        return False
    if len(items[0]) > CLAUSE and _item_says(items[0]):
        return False
    saying = sum(1 for i in items if _item_says(i))
    return saying / len(items) < 0.45


NOUN_PHRASE = 3  # the longest list item still read as a term when it has no auxiliary
CLAUSE = 6  # an opening item longer than any alias, with a verb, is a clause


def _item_says(item: list[str]) -> bool:
    """True when a list item reads as a clause rather than a term."""
    if _PREDICATES & set(item) or _SUBJECTS & set(item):
        return True
    return len(item) > NOUN_PHRASE and _says(item)


def _says(tokens: list[str]) -> bool:
    """True when a run of words holds an auxiliary or a common verb (any inflection)."""
    return bool(_PREDICATES & set(tokens)) or any(_verb_base(t) in _VERBS for t in tokens)


def is_question(text: str) -> bool:
    """True for a sentence that asks rather than states ("Could it be that ...?")."""
    return text.rstrip().endswith("?")


# A name in code: snake_case, dotted or camelCase ("unknown_variance", "np.argmax", "maxSim").
IDENTIFIER = re.compile(r"\b[A-Za-z]\w*(?:_\w+|\.[A-Za-z_]\w*)+\b|\b[a-z]+[A-Z]\w*\b")


def without_names(code: str) -> str:
    """Code with its multi-word names blanked: "t = unknown_variance" names a thing and says
    nothing about it, so its words must not read as a statement about unknown variance."""
    return IDENTIFIER.sub(" ", code)


def is_code_line(line: str) -> bool:
    """True for a line that reads as code rather than prose."""
    return bool(CODE_LINE.search(line))


FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.S | re.M)


def prose(text: str) -> str:
    """The prose of a text: fenced code blocks and code-looking lines removed."""
    unfenced = FENCE.sub("\n", text)
    return "\n".join(line for line in unfenced.splitlines() if not is_code_line(line))


def verbatim(quote: str, text: str) -> str:
    """`quote` as it appears in `text`, line breaks included (sentences unwrap wrapped lines)."""
    if quote in text:
        return quote
    pattern = r"\s+".join(re.escape(part) for part in quote.split())
    found = re.search(pattern, text)
    return found.group(0) if found else quote


# Word order English never uses, which is where a shuffled answer ("word salad") gives itself
# away: a determiner before a function word ("the of", "their is"), a preposition before an
# auxiliary or a coordinator ("of is", "with and"), and a capitalised function word in
# mid-sentence, where a shuffled sentence opening lands ("... and The"). Demonstratives and "a"
# are left out: "this is", "A is better" (a name) and "a for loop" are English.
_DETERMINER_TEXT = "the an its their our my your"
_PREPOSITION_TEXT = "of in on at for with by from into over under about between through"
_AUXILIARY_TEXT = "is are was were be been being has have had does do did can could will would"
_AUXILIARY_TEXT += " should may might must"
_COORDINATOR_TEXT = "and or but because so"
_DETERMINERS = frozenset(_DETERMINER_TEXT.split())
_PREPOSITIONS = frozenset(_PREPOSITION_TEXT.split())
_AUXILIARIES = frozenset(_AUXILIARY_TEXT.split())
_COORDINATORS = frozenset(_COORDINATOR_TEXT.split())
_FUNCTION_WORDS = _DETERMINERS | _PREPOSITIONS | _AUXILIARIES | _COORDINATORS | _SUBJECTS
_FUNCTION_WORDS |= frozenset(["while", "if", "then", "than", "which", "when"])
_MID_CAPITAL = re.compile(
    r"(?<=[a-z,;:] )(?:The|An|It|In|So|This|That|Both|We|They|If|When|And|But|Of|For|To|With|"
    r"On|At|Is|Are)\b"
)
_MENTION = re.compile(r"`[^`]*`|\"[^\"]{0,40}\"|'[^'\s]{1,20}'")  # a quoted word or code
# At least this many misplaced words, at this rate per determiner or preposition: no honest bank
# sample or reference (nor one repeated four times), and none of SemEval-2013's 9,889 pupils'
# answers, reaches both; about 70% of the banks' strong samples with their words shuffled do.
# The rate is what keeps a long honest answer with a quirk or two clear.
GARBLED_PAIRS = 3
GARBLED_RATE = 0.2


def garbled(text: str) -> bool:
    """True for word salad: prose whose words are not in an order English uses (code aside)."""
    misplaced = checked = 0
    for sentence in sentences(text):
        if is_code_line(sentence):
            continue
        sentence = _MENTION.sub(" x ", sentence)  # a quoted word ("the `with` statement") is a name
        for first, second in itertools.pairwise(words(sentence)):
            if first in _DETERMINERS:
                checked += 1
                misplaced += second in _FUNCTION_WORDS
            elif first in _PREPOSITIONS:
                checked += 1
                misplaced += second in _AUXILIARIES or second in _COORDINATORS
        misplaced += len(_MID_CAPITAL.findall(sentence))
    return misplaced >= GARBLED_PAIRS and misplaced >= GARBLED_RATE * checked
