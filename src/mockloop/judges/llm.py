"""LLM-as-a-judge: Prometheus-style 1-5 scoring per rubric criterion, through the gateway."""

from __future__ import annotations

import functools
import re
import statistics
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
    Transcript,
    TurnKind,
)
from mockloop.prompts import load_prompt

if TYPE_CHECKING:
    from mockloop.llm.gateway import Gateway

PROMPT_VERSION = "judge-v1"
DISAGREEMENT = 2  # a spread (max - min) of this many points across samples is flagged


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


def judge_messages(
    question: Question, rubric: Rubric, transcript: Transcript
) -> list[dict[str, str]]:
    """The judge's prompt for one question."""
    criteria = "\n".join(
        f"- {c.id} ({c.name}, weight {c.weight}): {c.description}\n"
        + "\n".join(f"    {level}: {text}" for level, text in sorted(c.levels.items()))
        for c in rubric.criteria
    )
    key_points = "\n".join(f"- {p.id}: {p.text}" for p in question.key_points)
    user = (
        f"<question>\n{question.prompt}\n</question>\n\n<rubric>\n{criteria}\n</rubric>\n\n"
        f"<key_points>\n{key_points}\n</key_points>\n\n"
        f"<reference_answer>\n{question.reference_answer}\n</reference_answer>\n\n"
        f"{candidate_turns(question, transcript)}"
    )
    return [
        {"role": "system", "content": load_prompt(PROMPT_VERSION)},
        {"role": "user", "content": user},
    ]


class LLMJudge:
    """Scores with a model; every quote is checked against what the candidate really said."""

    def __init__(self, gateway: Gateway, *, samples: int = 1) -> None:
        self.gateway = gateway
        self.samples = max(1, samples)

    @property
    def info(self) -> JudgeInfo:
        """Model, prompt version, sampling settings and the tokens and cost spent so far."""
        usage = self.gateway.meter.total
        return JudgeInfo(
            engine="llm",
            model=self.gateway.settings.model,
            prompt_version=PROMPT_VERSION,
            settings={
                "temperature": self._temperature(),
                "seed": self.gateway.settings.seed,
                "samples": self.samples,
                "usage": usage.model_dump(),
            },
        )

    def _temperature(self) -> float:
        # One sample is deterministic; several must be allowed to differ to measure agreement.
        return self.gateway.settings.temperature if self.samples == 1 else 0.7

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        """Score every criterion; K samples give the median and a spread."""
        schema = verdict_schema(rubric)
        messages = judge_messages(question, rubric, transcript)
        verdicts: list[Any] = []
        for temperature, seed in self.sampling():
            verdict, _ = self.gateway.complete_json(
                messages, schema, temperature=temperature, seed=seed
            )
            verdicts.append(verdict)
        return self.question_score(question, rubric, transcript, verdicts)

    def sampling(self) -> list[tuple[float, int]]:
        """Temperature and seed of each sample (a provider batch sends the same requests)."""
        base = self.gateway.settings.seed or 0
        return [(self._temperature(), base + index) for index in range(self.samples)]

    def question_score(
        self, question: Question, rubric: Rubric, transcript: Transcript, verdicts: list[Any]
    ) -> QuestionScore:
        """A question's score from its samples' validated verdicts; quotes are checked here."""
        said = _normalise(transcript.candidate_text(question.id))
        criteria = [
            self._criterion(c.id, [v.criteria for v in verdicts], said) for c in rubric.criteria
        ]
        known = {p.id for p in question.key_points}
        missed = [p for p in verdicts[0].missing_key_points if p in known]
        flags = sorted({f for c in criteria for f in c.flags})
        return QuestionScore(
            question_id=question.id,
            round=next(p.round for p in transcript.session.plan if question.id in p.question_ids),
            topic=question.topic,
            rubric=rubric.rubric,
            criteria=criteria,
            overall=weighted_overall(rubric, criteria),
            covered_points=[p.id for p in question.key_points if p.id not in missed],
            missed_points=missed,
            flags=flags,
        )

    def _criterion(self, criterion_id: str, samples: list[Any], said: str) -> CriterionScore:
        verdicts: list[CriterionVerdict] = [getattr(s, criterion_id) for s in samples]
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
        if len(samples) > 1 and scores:
            spread = max(scores) - min(scores)
            rationale += f" (samples {scores}, spread {spread})"
            if spread >= DISAGREEMENT:
                flags.append(f"judges disagree: spread {spread}")
        if score is None:
            flags.append("insufficient evidence")
        return CriterionScore(
            criterion=criterion_id, score=score, rationale=rationale, evidence=evidence, flags=flags
        )
