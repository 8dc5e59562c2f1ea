"""`mockloop judge eval`: how well a judge (offline or a model) agrees with labelled answers,
how often adversarial answers fool it, how stable and honest its evidence is, and what it costs.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from mockloop.bankcheck import one_answer_transcript
from mockloop.evaldata import EvalItem
from mockloop.models import JudgeInfo, QuestionScore
from mockloop.ports import Judge
from mockloop.stats import quadratic_weighted_kappa, roc_auc, spearman

SCHEMA_VERSION = 1
MAIN_FIGURE = "spearman"  # what --fail-under compares: Spearman with the labels
DROPPED_QUOTE = "quote not found"  # the LLM judge's flag for a quote it had to drop
INJECTION_MARKERS = ("instruct the judge", "injection")  # how judges word an injection flag
FAILED_MODEL = "judge model failed"  # in QuestionScore.scored_by when a fallback scored it


class Agreement(BaseModel):
    """Agreement of the judge's overall scores with the human labels."""

    answers: int
    spearman: float | None = Field(description="Spearman rank correlation with labels or scores")
    roc_auc: float | None = Field(description="correct vs not, for correct/incorrect labels only")
    roc_auc_answers: int = 0
    qwk: float | None = Field(description="quadratic weighted kappa, for 1-5 human scores only")
    qwk_answers: int = 0


class KindResult(BaseModel):
    """Adversarial answers of one kind: how many, how many passed, their mean score."""

    answers: int
    passed: int
    mean_score: float | None


class AdversarialFailure(BaseModel):
    """An adversarial answer that scored at or above its question's partial sample."""

    question_id: str
    kind: str
    source: str
    score: float
    partial: float


class Adversarial(BaseModel):
    """Adversarial answers: one passes when it scores at or above the partial sample."""

    answers: int
    passed: int
    pass_rate: float | None
    by_kind: dict[str, KindResult]
    passes: list[AdversarialFailure]


class Spread(BaseModel):
    """How much K samples of the same criterion disagree (max - min), with --samples K > 1."""

    samples: int
    criteria: int = 0
    mean_spread: float | None = None
    max_spread: int | None = None
    disagreements: int = 0  # criteria whose samples spread by 2 points or more


class Rate(BaseModel):
    """A count out of a total, and the share."""

    total: int
    count: int
    rate: float | None
    examples: list[str] = Field(default_factory=list)


class EvalReport(BaseModel):
    """Everything `mockloop judge eval` measures; the `--json` document."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    judge: JudgeInfo
    agreement: Agreement
    adversarial: Adversarial
    spread: Spread
    verbatim_quotes: Rate = Field(description="evidence quotes that occur in the answer")
    injection_false_flags: Rate = Field(description="honest answers flagged as instructing")
    fallbacks: Rate = Field(description="answers the model failed on, scored offline instead")
    graded_examples: int = Field(0, description="answers given as graded examples (--examples)")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    seconds: float
    main_figure: str = MAIN_FIGURE
    fail_under: float | None = None
    passed: bool | None = None

    @property
    def main_value(self) -> float | None:
        """The figure --fail-under compares."""
        return self.agreement.spearman


@dataclass(frozen=True)
class Scored:
    """One item and the judge's verdict on it."""

    item: EvalItem
    score: QuestionScore


def evaluate(
    judge: Judge,
    items: list[EvalItem],
    *,
    samples: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Score every item with `judge` and measure it; on_progress(done, total) after each."""
    started = time.perf_counter()
    scored = score_items(judge, items, on_progress=on_progress)
    return measure(judge.info, scored, samples=samples, seconds=time.perf_counter() - started)


def score_items(
    judge: Judge, items: list[EvalItem], *, on_progress: Callable[[int, int], None] | None = None
) -> list[Scored]:
    """The judge's verdict on each item, as the only answer to its question."""
    scored: list[Scored] = []
    for done, item in enumerate(items, start=1):
        transcript = one_answer_transcript(item.question, item.answer, item.round)
        scored.append(Scored(item, judge.score_question(item.question, item.rubric, transcript)))
        if on_progress is not None:
            on_progress(done, len(items))
    return scored


def measure(info: JudgeInfo, scored: list[Scored], *, samples: int, seconds: float) -> EvalReport:
    """Every figure of the report from scored items."""
    usage = info.settings.get("usage") or {}
    honest = [s for s in scored if s.item.adversarial is None]
    return EvalReport(
        judge=info,
        agreement=agreement(honest),
        adversarial=adversarial(scored),
        spread=spread(scored, samples),
        verbatim_quotes=verbatim_quotes(scored),
        injection_false_flags=false_flags(honest),
        fallbacks=_rate(len(scored), [s for s in scored if s.score.scored_by], _where),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        cost_usd=usage.get("cost_usd") if info.engine == "llm" else 0.0,
        seconds=round(seconds, 2),
    )


def agreement(honest: list[Scored]) -> Agreement:
    """Spearman over every labelled answer; ROC-AUC and QWK where the labels allow them."""
    pairs = [(s.score.overall or 0.0, s.item) for s in honest if s.item.human is not None]
    rho = spearman([p for p, _ in pairs], [i.human or 0.0 for _, i in pairs])
    binary = [(p, i.correct) for p, i in pairs if i.correct is not None]
    auc = roc_auc([p for p, _ in binary], [bool(c) for _, c in binary]) if binary else None
    banded = [(p, i.score) for p, i in pairs if i.score is not None and 1 <= i.score <= 5]
    qwk = (
        quadratic_weighted_kappa([round(p) for p, _ in banded], [round(h or 1) for _, h in banded])
        if banded
        else None
    )
    return Agreement(
        answers=len(pairs),
        spearman=_round(rho),
        roc_auc=_round(auc),
        roc_auc_answers=len(binary),
        qwk=_round(qwk),
        qwk_answers=len(banded),
    )


def adversarial(scored: list[Scored]) -> Adversarial:
    """Each adversarial answer against the judge's score of its question's partial sample."""
    partial = {
        s.item.question.id: s.score.overall or 0.0
        for s in scored
        if s.item.adversarial is None and s.item.label == "partial"
    }
    by_kind: dict[str, list[float]] = defaultdict(list)
    passed_by_kind: dict[str, int] = defaultdict(int)
    passes: list[AdversarialFailure] = []
    for s in scored:
        built = s.item.adversarial
        if built is None or s.item.question.id not in partial:
            continue
        value, bar = s.score.overall or 0.0, partial[s.item.question.id]
        by_kind[built.kind].append(value)
        if value >= bar:
            passed_by_kind[built.kind] += 1
            passes.append(
                AdversarialFailure(
                    question_id=s.item.question.id,
                    kind=built.kind,
                    source=built.source,
                    score=value,
                    partial=bar,
                )
            )
    total = sum(len(v) for v in by_kind.values())
    kinds = {
        kind: KindResult(
            answers=len(values),
            passed=passed_by_kind[kind],
            mean_score=_round(sum(values) / len(values)),
        )
        for kind, values in sorted(by_kind.items())
    }
    return Adversarial(
        answers=total,
        passed=len(passes),
        pass_rate=_round(len(passes) / total) if total else None,
        by_kind=kinds,
        passes=passes,
    )


def spread(scored: list[Scored], samples: int) -> Spread:
    """Max - min of each criterion's K sample scores (only a judge that samples reports them)."""
    spreads = [
        max(c.samples) - min(c.samples)
        for s in scored
        for c in s.score.criteria
        if len(c.samples) > 1
    ]
    if not spreads:
        return Spread(samples=samples)
    return Spread(
        samples=samples,
        criteria=len(spreads),
        mean_spread=_round(sum(spreads) / len(spreads)),
        max_spread=max(spreads),
        disagreements=sum(1 for value in spreads if value >= 2),
    )


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("\"'“”").lower()


def verbatim_quotes(scored: list[Scored]) -> Rate:
    """Evidence quotes found verbatim (up to case and spacing) in the answer; quotes a judge
    had to drop count as not verbatim."""
    total = found = 0
    examples: list[str] = []
    for s in scored:
        said = _normalise(s.item.answer)
        for criterion in s.score.criteria:
            for evidence in criterion.evidence:
                total += 1
                if _normalise(evidence.quote) in said:
                    found += 1
                elif len(examples) < 5:
                    examples.append(f"{s.item.source}: {evidence.quote[:80]}")
            total += sum(1 for flag in criterion.flags if DROPPED_QUOTE in flag)
    return Rate(
        total=total, count=found, rate=_round(found / total) if total else None, examples=examples
    )


def false_flags(honest: list[Scored]) -> Rate:
    """Honest (non-adversarial) answers the judge flagged as trying to instruct it."""
    flagged = [
        s
        for s in honest
        if any(marker in flag.lower() for flag in s.score.flags for marker in INJECTION_MARKERS)
    ]
    return _rate(len(honest), flagged, _where)


def _where(s: Scored) -> str:
    return f"{s.item.source} ({s.item.question.id})"


def _rate(total: int, hits: list[Scored], describe: Callable[[Scored], str]) -> Rate:
    return Rate(
        total=total,
        count=len(hits),
        rate=_round(len(hits) / total) if total else None,
        examples=[describe(s) for s in hits[:5]],
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
