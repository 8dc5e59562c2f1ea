"""Pydantic types shared by every part of mockloop: content, transcripts and scores."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mockloop.analysis.text import words

# Re-exported: the round names are part of the domain model's vocabulary.
from mockloop.rounds import ROUND_DURATIONS as ROUND_DURATIONS
from mockloop.rounds import ROUND_TITLES as ROUND_TITLES
from mockloop.rounds import Difficulty as Difficulty
from mockloop.rounds import Round as Round

# Re-exported: a turn's typed metadata is part of the transcript's model.
from mockloop.turnmeta import ModelUsage as ModelUsage
from mockloop.turnmeta import TestOutcome as TestOutcome
from mockloop.turnmeta import TestRunRecord as TestRunRecord
from mockloop.turnmeta import TurnMeta as TurnMeta
from mockloop.turnmeta import Usage as Usage


class Strict(BaseModel):
    """Base for every file-backed type: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def parse_duration(value: object) -> int:
    """Parse `90`, `"90s"`, `"6m"`, `"1h30m"` into whole seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 90s, 6m or 1h")
    if isinstance(value, int | float):
        seconds = int(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)) and any(match.groups()):
        hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        raise ValueError("must be a duration such as 90s, 6m or 1h")
    if seconds <= 0:
        raise ValueError("must be a positive duration")
    return seconds


Seconds = Annotated[int, BeforeValidator(parse_duration)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Score = Annotated[int, Field(ge=1, le=5)]


def _has_word_token(alias: str) -> str:
    """Reject an alias the scorer can never match: it must contain a word (letters or digits)."""
    if not words(alias):
        raise ValueError(
            f"alias {alias!r} has no word tokens (letters or digits), so no answer can match it; "
            "write the idea in words"
        )
    return alias


# An alias the offline scorer matches as a phrase: it must contain at least one word token.
Alias = Annotated[str, AfterValidator(_has_word_token)]


# ---------------------------------------------------------------------------------------------
# Question banks


class Misconception(Strict):
    """A common wrong claim about a key point, and what is true instead.

    An answer that states the claim loses the point it contradicts, and the scorecard quotes it
    back: "You said ...; in fact <correction>".
    """

    claim: str = Field(min_length=3)  # the wrong claim, written as a sentence a candidate says
    aliases: list[Alias] = Field(default_factory=list)  # other wordings of the same wrong claim
    correction: str = Field(min_length=3)


class KeyPoint(Strict):
    """One idea a good answer contains; aliases are other words for it."""

    id: Slug
    text: str = Field(min_length=3)
    # Other complete wordings of the same point (a data file's further reference answers): the
    # one an answer comes closest to counts. Aliases are terms; these are sentences.
    alternatives: list[Annotated[str, Field(min_length=3)]] = Field(default_factory=list)
    aliases: list[Alias] = Field(default_factory=list)
    misconceptions: list[Misconception] = Field(default_factory=list)
    # The rubric criterion this point is evidence for, when a rubric scores several criteria on
    # coverage (system design: requirements, architecture, evaluation). Offline, each of those
    # criteria is scored on its own points; one that no point names is scored on all of them.
    criterion: Slug | None = None

    @property
    def wordings(self) -> list[str]:
        """The point's text, then each alternative wording."""
        return [self.text, *self.alternatives]


class FollowUp(Strict):
    """A follow-up question that probes one key point."""

    probes: Slug
    ask: str = Field(min_length=3)


class SampleLabel(StrEnum):
    """Quality band of a labelled sample answer."""

    STRONG = "strong"
    PARTIAL = "partial"
    WEAK = "weak"


class Sample(Strict):
    """A labelled answer with the scores a human interviewer gave it, for calibrating scorers."""

    label: SampleLabel
    answer: str
    scores: dict[str, Score] = Field(default_factory=dict)


class CodeTests(Strict):
    """Test code (plain `def test_*` functions with asserts) shown to and hidden from candidates."""

    visible: str = ""
    hidden: str = ""


class Question(Strict):
    """One interview question with what a good answer covers and how to probe for it."""

    id: Slug
    topic: Slug
    difficulty: Difficulty
    title: str | None = Field(default=None, min_length=3, max_length=80)  # a short name for lists
    prompt: str = Field(min_length=3)
    rubric: Slug
    time_limit: Seconds = 600
    key_points: list[KeyPoint] = Field(min_length=1)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    # Questions that push a candidate who covered every key point further: scale, budget,
    # failure ("now 10x traffic", "the re-ranker is down"). Asked only after a strong answer.
    stretch_follow_ups: list[Annotated[str, Field(min_length=3)]] = Field(default_factory=list)
    max_follow_ups: int = Field(default=2, ge=0, le=5)
    reference_answer: str = Field(min_length=3)
    samples: list[Sample] = Field(default_factory=list)
    # Coding questions.
    signature: str | None = None
    starter_code: str | None = None
    reference_solution: str | None = None
    tests: CodeTests | None = None
    # Take-home briefs.
    workspace: dict[str, str] | None = None
    checklist: list[str] = Field(default_factory=list)
    # Modules a coding question needs beyond the standard library (e.g. numpy).
    requires: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _follow_ups_probe_known_points(self) -> Question:
        known = {kp.id for kp in self.key_points}
        for index, follow_up in enumerate(self.follow_ups):
            if follow_up.probes not in known:
                raise ValueError(
                    f"follow_ups[{index}].probes: {follow_up.probes!r} is not a key point "
                    f"of this question (known: {', '.join(sorted(known))})"
                )
        ids = [kp.id for kp in self.key_points]
        if len(ids) != len(set(ids)):
            raise ValueError("key_points: ids must be unique within a question")
        untagged = [kp.id for kp in self.key_points if kp.criterion is None]
        if 0 < len(untagged) < len(self.key_points):
            # A point without a criterion would silently count for none of them.
            raise ValueError(
                f"key_points: give every key point a criterion, or none "
                f"(missing on: {', '.join(untagged)})"
            )
        return self

    def key_point(self, point_id: str) -> KeyPoint:
        """The key point with this id."""
        return next(kp for kp in self.key_points if kp.id == point_id)


class Bank(Strict):
    """A YAML question bank: questions of one round."""

    bank: Slug
    round: Round
    title: str | None = None
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _round_specific_fields(self) -> Bank:
        for index, question in enumerate(self.questions):
            if self.round is Round.CODING:
                missing = [
                    name
                    for name in ("starter_code", "reference_solution", "tests")
                    if getattr(question, name) is None
                ]
                if missing:
                    raise ValueError(
                        f"questions[{index}]: a coding question needs {', '.join(missing)}"
                    )
            if self.round is Round.TAKEHOME and (question.workspace is None or not question.tests):
                raise ValueError(f"questions[{index}]: a take-home brief needs workspace and tests")
        return self


# ---------------------------------------------------------------------------------------------
# Rubrics


class OfflineSignal(StrEnum):
    """Which measurement the offline key-point scorer uses to estimate a criterion."""

    COVERAGE = "coverage"  # share of key points the answer covers (with aliases)
    SIMILARITY = "similarity"  # semantic closeness to the reference answer
    CLARITY = "clarity"  # on-topic, organised, neither empty nor padded
    TESTS = "tests"  # hidden-test pass rate (coding and take-home)


class Criterion(Strict):
    """One rubric criterion with its weight and what each score level looks like."""

    id: Slug
    name: str
    weight: float = Field(gt=0, le=1)
    description: str = ""
    offline_signal: OfflineSignal = OfflineSignal.COVERAGE
    # Where the offline judge's signal in [0, 1] crosses into levels 2, 3, 4 and 5. Fitted to
    # the banks' human-scored samples by scripts/fit_offline_bands.py; the judge's defaults
    # when absent.
    offline_bands: tuple[float, ...] | None = None
    # The lowest score the offline judge gives an answer that states at least one of this
    # criterion's key points and makes no wrong claim: the level a rubric describes as "the
    # core idea is right". None: no floor, the bands alone decide.
    offline_floor: Score | None = None
    levels: dict[Score, str]

    @field_validator("offline_bands")
    @classmethod
    def _increasing_bands(cls, bands: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if bands is not None and not (
            len(bands) == 4 and 0 < bands[0] < bands[1] < bands[2] < bands[3] <= 1
        ):
            raise ValueError(
                "must be four increasing numbers in (0, 1], e.g. [0.15, 0.35, 0.6, 0.8]"
            )
        return bands

    @field_validator("offline_floor")
    @classmethod
    def _floor_needs_coverage(cls, floor: int | None, info: ValidationInfo) -> int | None:
        if floor is not None and info.data.get("offline_signal") is not OfflineSignal.COVERAGE:
            raise ValueError("applies only to a criterion with offline_signal: coverage")
        return floor

    @field_validator("levels")
    @classmethod
    def _anchor_levels(cls, levels: dict[int, str]) -> dict[int, str]:
        missing = {1, 3, 5} - set(levels)
        if missing:
            raise ValueError(
                f"must describe at least levels 1, 3 and 5 (missing {sorted(missing)})"
            )
        return levels


class Rubric(Strict):
    """A YAML rubric: weighted criteria scored 1-5."""

    rubric: Slug
    round: Round
    title: str | None = None
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Rubric:
        total = sum(c.weight for c in self.criteria)
        if abs(total - 1.0) > 0.01:
            raise ValueError(f"criteria weights must sum to 1.0 (they sum to {total:.2f})")
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("criteria: ids must be unique")
        return self


# ---------------------------------------------------------------------------------------------
# Transcripts


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class Role(StrEnum):
    """Who produced a turn."""

    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"
    SYSTEM = "system"


class TurnKind(StrEnum):
    """What a turn is."""

    FRAMING = "framing"  # the interviewer opens a round
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    HINT = "hint"
    ANSWER = "answer"
    NOTE = "note"  # a system note: skipped, timed out, engine switched, ...
    TEST_RUN = "test_run"


class Turn(Strict):
    """One message in the interview, as written to the transcript."""

    seq: int = Field(ge=0)
    round: Round
    question_id: str | None = None
    role: Role
    kind: TurnKind
    text: str
    at: datetime = Field(default_factory=utcnow)
    elapsed_s: float = Field(default=0.0, ge=0)  # time the candidate spent on this turn
    timed_out: bool = False
    meta: TurnMeta = Field(default_factory=TurnMeta)


class Event(BaseModel):
    """A state change of the session that is not a message: a question or round finished.

    `repaired`: a writer found the transcript's last record torn (a crash mid-write) and set
    its bytes aside in `<file>.torn` before writing on; `reason` says how many bytes.
    """

    event: Literal["question_done", "round_done", "session_done", "repaired"]
    round: Round | None = None
    question_id: str | None = None
    reason: str = ""
    at: datetime = Field(default_factory=utcnow)


class RoundPlan(Strict):
    """Which questions a round asks and how long it lasts."""

    round: Round
    question_ids: list[str]
    time_limit_s: int


def interviewer_model(name: str) -> str | None:
    """The model in an interviewer name (`llm:MODEL`); None for `scripted`, the offline one."""
    return None if name == "scripted" else name.removeprefix("llm:")


class SessionInfo(Strict):
    """What a session was started with: enough to resume or re-score it."""

    id: str
    started_at: datetime = Field(default_factory=utcnow)
    plan: list[RoundPlan]
    interviewer: str  # e.g. "scripted" or "llm:openai/gpt-4o-mini"
    seed: int | None = None
    time_scale: float = 1.0
    timer: bool = True
    mockloop_version: str = ""

    @property
    def interviewer_model(self) -> str | None:
        """The interviewer's model, or None for the scripted (offline) interviewer."""
        return interviewer_model(self.interviewer)


class Transcript(Strict):
    """A whole session: what was planned and every turn, in order."""

    session: SessionInfo
    turns: list[Turn] = Field(default_factory=list)
    ended: bool = False

    def for_question(self, question_id: str) -> list[Turn]:
        """Turns that belong to one question."""
        return [t for t in self.turns if t.question_id == question_id]

    def candidate_text(self, question_id: str) -> str:
        """Everything the candidate said about one question."""
        return "\n\n".join(
            t.text
            for t in self.for_question(question_id)
            if t.role is Role.CANDIDATE and t.kind is TurnKind.ANSWER
        )


# ---------------------------------------------------------------------------------------------
# Scores


class Evidence(Strict):
    """A verbatim quote from the candidate and what it earned."""

    quote: str
    supports: str  # the key point or criterion it earned


class CriterionScore(Strict):
    """The score of one rubric criterion for one question; None means insufficient evidence."""

    criterion: str
    score: Score | None
    rationale: str
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    # Each sample's score when the judge sampled K > 1 times (the score is their median).
    samples: list[int] = Field(default_factory=list)


class QuestionScore(Strict):
    """A judge's verdict on one question."""

    question_id: str
    round: Round
    topic: str
    rubric: str
    criteria: list[CriterionScore]
    overall: float | None  # weighted mean of scored criteria, 1-5
    covered_points: list[str] = Field(default_factory=list)
    missed_points: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    # Set only when another engine than the scorecard's judge scored this question, e.g.
    # "offline (judge model failed)"; None (the default, and in older scorecards): the judge.
    scored_by: str | None = None


class JudgeInfo(Strict):
    """Which engine produced a scorecard, so every score can be traced and re-run."""

    engine: Literal["keypoints", "llm"]
    model: str | None = None
    prompt_version: str
    settings: dict[str, Any] = Field(default_factory=dict)


class RoundScore(Strict):
    """Aggregate of one round."""

    round: Round
    overall: float | None
    questions: int


class Scorecard(Strict):
    """Every question's score for a session, with per-round and overall aggregates."""

    session_id: str
    judge: JudgeInfo
    scored_at: datetime = Field(default_factory=utcnow)
    questions: list[QuestionScore]
    rounds: list[RoundScore]
    overall: float | None
    study_next: list[str] = Field(default_factory=list)
