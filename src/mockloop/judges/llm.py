"""LLM-as-a-judge: Prometheus-style 1-5 scoring per rubric criterion, through the gateway."""

from __future__ import annotations

import functools
import re
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from mockloop.judges.keypoints import weighted_overall
from mockloop.models import (
    CriterionScore,
    Evidence,
    JudgeInfo,
    Question,
    QuestionScore,
    Role,
    Rubric,
    Sample,
    Transcript,
    TurnKind,
)
from mockloop.prompts import load_prompt

if TYPE_CHECKING:
    from mockloop.llm.gateway import Gateway
    from mockloop.ports import Judge

PROMPT_VERSION = "judge-v2"  # v2: the nearest graded example of each band, when there are any
CRITERION_PROMPT = "judge-criterion-v1"  # one criterion at a time, for weak models
DISAGREEMENT = 2  # a spread (max - min) of this many points across samples is flagged
WHOLE_ATTEMPTS = 2  # the whole verdict: one call and one repair, then simpler requests
CRITERION_ATTEMPTS = 2
OFFLINE_FALLBACK = "offline (judge model failed)"
# After the model has failed every form on this many questions in a row, it is not asked again
# in this run: a weak model would otherwise pay the whole chain of forms on every answer (with
# SmolLM2-135M on llama.cpp, about 110 s an answer) only to end with the offline score anyway.
GIVE_UP_AFTER = 3
DEGRADED_FLAG = "judged one criterion at a time (the model could not give the whole verdict)"
# Failures that are not the model's weakness but the setup's: no fallback, the user must act.
FATAL_KINDS = frozenset(
    {"auth", "config", "budget", "payment", "connection", "rate_limit", "unavailable"}
)


class CriterionVerdict(BaseModel):
    """What the model says about one criterion."""

    model_config = ConfigDict(extra="ignore")

    score: int | None = Field(default=None, ge=1, le=5)
    rationale: str = ""
    evidence: list[str] = Field(default_factory=list)


def verdict_schema(rubric: Rubric) -> type[BaseModel]:
    """A pydantic model requiring exactly the rubric's criteria, so a missing one is retried."""
    return _verdict_schema(rubric.rubric, tuple(c.id for c in rubric.criteria))


@functools.lru_cache(maxsize=64)
def _verdict_schema(name: str, criterion_ids: tuple[str, ...]) -> type[BaseModel]:
    # One class per rubric shape: building it (and its JSON schema) per question is wasted work.
    criteria = create_model(  # type: ignore[call-overload]
        f"Criteria_{name}",
        __config__=ConfigDict(extra="forbid"),
        **{cid: (CriterionVerdict, ...) for cid in criterion_ids},
    )
    model: type[BaseModel] = create_model(
        f"Verdict_{name}",
        __config__=ConfigDict(extra="ignore"),
        criteria=(criteria, ...),
        missing_key_points=(list[str], Field(default_factory=list)),
    )
    return model


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("\"'“”").lower()


def candidate_turns(question: Question, transcript: Transcript) -> str:
    """The exchange on one question, with the candidate's words fenced as data."""
    lines = []
    for turn in transcript.for_question(question.id):
        if turn.role is Role.CANDIDATE:
            lines.append(f"<candidate_answer>\n{turn.text}\n</candidate_answer>")
        elif turn.kind is TurnKind.TEST_RUN:
            lines.append(f"[test run] {turn.text}")
        elif turn.role is Role.INTERVIEWER:
            lines.append(f"Interviewer: {turn.text}")
        else:
            lines.append(f"[note] {turn.text}")
    return "<candidate_turns>\n" + "\n".join(lines) + "\n</candidate_turns>"


EXAMPLE_CHARS = 1_500  # an example longer than this is cut: anchors, not whole essays


def graded_examples(question: Question, transcript: Transcript) -> str:
    """The nearest graded sample of each band as a <graded_examples> block ("" without any):
    where the rubric's levels sit for this question, as people graded it."""
    if not question.samples:
        return ""
    from mockloop.analysis.embedding import default_similarity
    from mockloop.analysis.examples import anchors

    answer = transcript.candidate_text(question.id)
    chosen = anchors(answer, question.samples, default_similarity())
    if not chosen:
        return ""
    body = "\n".join(_example(sample) for sample in chosen)
    return f"<graded_examples>\n{body}\n</graded_examples>\n\n"


def _example(sample: Sample) -> str:
    scores = ", ".join(f"{k} {v}" for k, v in sample.scores.items())
    grade = f'grade="{sample.label.value}"' + (f' scores="{scores}"' if scores else "")
    text = sample.answer.strip()
    if len(text) > EXAMPLE_CHARS:
        text = text[:EXAMPLE_CHARS].rstrip() + " [...]"
    return f"<example {grade}>\n{text}\n</example>"


def judge_messages(
    question: Question, rubric: Rubric, transcript: Transcript
) -> list[dict[str, str]]:
    """The judge's prompt for one question."""
    criteria = "\n".join(
        f"- {c.id} ({c.name}, weight {c.weight}): {c.description}\n"
        + "\n".join(f"    {level}: {text}" for level, text in sorted(c.levels.items()))
        for c in rubric.criteria
    )
    key_points = "\n".join(
        f"- {p.id}: {p.text}" + "".join(f"\n  or, in other words: {a}" for a in p.alternatives)
        for p in question.key_points
    )
    user = (
        f"<question>\n{question.prompt}\n</question>\n\n<rubric>\n{criteria}\n</rubric>\n\n"
        f"<key_points>\n{key_points}\n</key_points>\n\n"
        f"<reference_answer>\n{question.reference_answer}\n</reference_answer>\n\n"
        f"{graded_examples(question, transcript)}{candidate_turns(question, transcript)}"
    )
    return [
        {"role": "system", "content": load_prompt(PROMPT_VERSION)},
        {"role": "user", "content": user},
    ]


def criterion_messages(
    question: Question, rubric: Rubric, criterion_id: str, transcript: Transcript
) -> list[dict[str, str]]:
    """The simpler prompt for one criterion alone, for models that cannot give a whole verdict."""
    criterion = next(c for c in rubric.criteria if c.id == criterion_id)
    levels = "\n".join(f"{level}: {text}" for level, text in sorted(criterion.levels.items()))
    user = (
        f"<question>\n{question.prompt}\n</question>\n\n"
        f"<criterion>\n{criterion.id} ({criterion.name}): {criterion.description}\n{levels}\n"
        f"</criterion>\n\n<reference_answer>\n{question.reference_answer}\n</reference_answer>"
        f"\n\n{candidate_turns(question, transcript)}"
    )
    return [
        {"role": "system", "content": load_prompt(CRITERION_PROMPT)},
        {"role": "user", "content": user},
    ]


@dataclass
class Verdict:
    """One sample's verdict, however it was obtained."""

    criteria: dict[str, CriterionVerdict]
    missing_key_points: list[str] | None  # None: not asked (judged one criterion at a time)
    degraded: bool = False


class LLMJudge:
    """Scores with a model; every quote is checked against what the candidate really said.

    A model that cannot give the whole verdict is asked one criterion at a time; one that still
    fails leaves that question to the offline judge, labelled as such, so a round always ends
    with a scorecard. After `give_up_after` such questions in a row the model is no longer asked
    and the rest of the run is scored offline, labelled the same way.
    """

    def __init__(
        self,
        gateway: Gateway,
        *,
        samples: int = 1,
        fallback: Callable[[], Judge] | None = None,
        on_notice: Callable[[str], None] | None = None,
        give_up_after: int | None = GIVE_UP_AFTER,
    ) -> None:
        self.gateway = gateway
        self.samples = max(1, samples)
        self._fallback_factory = fallback or _offline_judge
        self._fallback: Judge | None = None
        self.on_notice = on_notice
        self.offline_questions: list[str] = []  # scored by the fallback
        self.degraded_questions: list[str] = []  # judged one criterion at a time
        self.give_up_after = give_up_after
        self._failures_in_a_row = 0
        self._given_up: str | None = None  # why the model is no longer asked, once it is not
        self._lock = threading.Lock()  # batch scoring calls one judge from many threads

    @property
    def info(self) -> JudgeInfo:
        """Model, prompt version, sampling settings and the tokens and cost spent so far."""
        usage = self.gateway.meter.total
        settings: dict[str, Any] = {
            "temperature": self._temperature(),
            "seed": self.gateway.settings.seed,
            "samples": self.samples,
            "graded_examples": "the nearest graded sample of each band, for questions with any",
            "usage": usage.model_dump(),
        }
        if self.degraded_questions:
            settings["one_criterion_at_a_time"] = list(self.degraded_questions)
        if self.offline_questions:
            settings["scored_offline"] = list(self.offline_questions)
        if self._given_up is not None:
            settings["gave_up"] = self._given_up
        return JudgeInfo(
            engine="llm",
            model=self.gateway.settings.model,
            prompt_version=PROMPT_VERSION,
            settings=settings,
        )

    def _temperature(self) -> float:
        # One sample is deterministic; several must be allowed to differ to measure agreement.
        return self.gateway.settings.temperature if self.samples == 1 else 0.7

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        """Score every criterion; K samples give the median and a spread."""
        from mockloop.llm.errors import LLMError

        if self._given_up is not None:
            return self._score_offline(question, rubric, transcript, self._given_up, quiet=True)
        try:
            score = self._score_with_model(question, rubric, transcript)
        except LLMError as exc:
            if exc.kind in FATAL_KINDS:
                raise  # the setup is wrong (key, budget, server down): say so, score later
            offline = self._score_offline(question, rubric, transcript, exc.summary)
            self._count_failure()
            return offline
        with self._lock:
            self._failures_in_a_row = 0
        return score

    def _count_failure(self) -> None:
        """Note a question the model failed; stop asking it after `give_up_after` in a row."""
        with self._lock:
            self._failures_in_a_row += 1
            if (
                self.give_up_after is None
                or self._failures_in_a_row < self.give_up_after
                or self._given_up is not None
            ):
                return
            count = self._failures_in_a_row
            self._given_up = f"not asked after failing {count} questions in a row"
        if self.on_notice is not None:
            self.on_notice(
                f"Judge model {self.gateway.settings.model} failed every form on {count} "
                "questions in a row; the rest of this run is scored offline, labelled as such. "
                "Try a larger model, or measure it first with `mockloop judge eval`."
            )

    def _score_with_model(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        from mockloop.llm.errors import LLMError

        verdicts: list[Verdict] = []
        for index in range(self.samples):
            seed = (self.gateway.settings.seed or 0) + index
            try:
                verdicts.append(self._verdict(question, rubric, transcript, seed))
            except LLMError:
                if not verdicts:
                    raise
                break  # keep the samples that worked rather than lose them all
        return self._combine(question, rubric, transcript, verdicts)

    def sampling(self) -> list[tuple[float, int]]:
        """Temperature and seed of each sample (a provider batch sends the same requests)."""
        base = self.gateway.settings.seed or 0
        return [(self._temperature(), base + index) for index in range(self.samples)]

    def question_score(
        self, question: Question, rubric: Rubric, transcript: Transcript, verdicts: list[Any]
    ) -> QuestionScore:
        """A question's score from whole verdicts a provider batch returned, already validated
        against `verdict_schema(rubric)`; quotes are checked here as for live calls."""
        found = [
            Verdict(
                {c.id: getattr(v.criteria, c.id) for c in rubric.criteria},
                list(v.missing_key_points),
            )
            for v in verdicts
        ]
        return self._combine(question, rubric, transcript, found)

    def _combine(
        self, question: Question, rubric: Rubric, transcript: Transcript, verdicts: list[Verdict]
    ) -> QuestionScore:
        said = _normalise(transcript.candidate_text(question.id))
        criteria = [
            self._criterion(c.id, [v.criteria[c.id] for v in verdicts], said)
            for c in rubric.criteria
        ]
        known = {p.id for p in question.key_points}
        listed = verdicts[0].missing_key_points
        missed = [p for p in listed or [] if p in known]
        flags = sorted({f for c in criteria for f in c.flags})
        if any(v.degraded for v in verdicts):
            self.degraded_questions.append(question.id)
            flags.append(DEGRADED_FLAG)
        return QuestionScore(
            question_id=question.id,
            round=next(p.round for p in transcript.session.plan if question.id in p.question_ids),
            topic=question.topic,
            rubric=rubric.rubric,
            criteria=criteria,
            overall=weighted_overall(rubric, criteria),
            covered_points=[]
            if listed is None
            else [p.id for p in question.key_points if p.id not in missed],
            missed_points=missed,
            flags=flags,
        )

    def _verdict(
        self, question: Question, rubric: Rubric, transcript: Transcript, seed: int
    ) -> Verdict:
        """The whole verdict in one call; else what is usable of it, the rest criterion by
        criterion with a flat schema."""
        from mockloop.llm.gateway import BadOutput, LLMError

        schema = verdict_schema(rubric)
        messages = judge_messages(question, rubric, transcript)
        kept: dict[str, CriterionVerdict] = {}
        missing: list[str] | None = None
        try:
            whole, _ = self.gateway.complete_json(
                messages,
                schema,
                temperature=self._temperature(),
                seed=seed,
                attempts=WHOLE_ATTEMPTS,
            )
            criteria = whole.criteria  # type: ignore[attr-defined]
            found = {c.id: getattr(criteria, c.id) for c in rubric.criteria}
            return Verdict(found, list(whole.missing_key_points))  # type: ignore[attr-defined]
        except BadOutput as exc:
            kept, missing = salvage(exc.payload, rubric)
        except LLMError as exc:
            if exc.kind in FATAL_KINDS:
                raise
        for criterion in rubric.criteria:
            if criterion.id not in kept:
                kept[criterion.id], _ = self.gateway.complete_json(
                    criterion_messages(question, rubric, criterion.id, transcript),
                    CriterionVerdict,
                    temperature=self._temperature(),
                    seed=seed,
                    attempts=CRITERION_ATTEMPTS,
                )
        return Verdict(kept, missing, degraded=True)

    def _score_offline(
        self,
        question: Question,
        rubric: Rubric,
        transcript: Transcript,
        reason: str,
        *,
        quiet: bool = False,
    ) -> QuestionScore:
        with self._lock:
            if self._fallback is None:
                self._fallback = self._fallback_factory()
        score = self._fallback.score_question(question, rubric, transcript)
        self.offline_questions.append(question.id)
        if self.on_notice is not None and not quiet:
            self.on_notice(
                f"Judge model {self.gateway.settings.model} failed on {question.id} ({reason}); "
                f"scored it offline."
            )
        return score.model_copy(
            update={
                "scored_by": OFFLINE_FALLBACK,
                "flags": [*score.flags, f"{OFFLINE_FALLBACK}: {reason}"],
            }
        )

    def _criterion(
        self, criterion_id: str, verdicts: list[CriterionVerdict], said: str
    ) -> CriterionScore:
        scores = [v.score for v in verdicts if v.score is not None]
        flags: list[str] = []
        evidence: list[Evidence] = []
        for quote in verdicts[0].evidence:
            if _normalise(quote) and _normalise(quote) in said:
                evidence.append(Evidence(quote=quote.strip(), supports=criterion_id))
            else:
                flags.append("quote not found in the transcript (dropped)")
        # median_low: with an even number of samples, the lower middle (a conservative score).
        score = statistics.median_low(scores) if scores else None
        rationale = verdicts[0].rationale or "No rationale given."
        if len(verdicts) > 1 and scores:
            spread = max(scores) - min(scores)
            rationale += f" (samples {scores}, spread {spread})"
            if spread >= DISAGREEMENT:
                flags.append(f"judges disagree: spread {spread}")
        if score is None:
            flags.append("insufficient evidence")
        return CriterionScore(
            criterion=criterion_id,
            score=score,
            rationale=rationale,
            evidence=evidence,
            flags=flags,
            samples=scores if len(verdicts) > 1 else [],
        )


def salvage(
    payload: dict[str, Any] | None, rubric: Rubric
) -> tuple[dict[str, CriterionVerdict], list[str] | None]:
    """The criteria of a partial verdict that are valid on their own, and its key-point list."""
    if not isinstance(payload, dict):
        return {}, None
    criteria = payload.get("criteria")
    kept: dict[str, CriterionVerdict] = {}
    for criterion in rubric.criteria:
        raw = criteria.get(criterion.id) if isinstance(criteria, dict) else None
        try:
            verdict = CriterionVerdict.model_validate(raw)
        except ValueError:
            continue
        if verdict.score is not None:
            kept[criterion.id] = verdict
    listed = payload.get("missing_key_points")
    missing = [str(p) for p in listed] if isinstance(listed, list) else None
    return kept, missing


def _offline_judge() -> Judge:
    from mockloop.judges.keypoints import KeypointJudge

    return KeypointJudge()
