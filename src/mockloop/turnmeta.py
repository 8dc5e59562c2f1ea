"""What a transcript turn records beyond its text: typed, one field per kind of turn."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    """Unknown fields are errors, not silently dropped (as models.Strict)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TestOutcome(_Strict):
    """One test function's result, as a visible test run records it."""

    __test__ = False  # not a pytest class, whatever its name

    name: str
    passed: bool
    message: str = ""


class TestRunRecord(_Strict):
    """A test run on a coding answer or a take-home: counts, and outcomes of visible tests."""

    __test__ = False

    label: Literal["visible", "hidden"]
    status: str
    passed: int = Field(ge=0)
    total: int = Field(ge=0)
    outcomes: list[TestOutcome] = Field(default_factory=list)  # hidden runs give counts only
    sandbox: str | None = None  # which sandbox ran the tests: bubblewrap, sandbox-exec or none
    skipped: list[str] = Field(default_factory=list)  # workspace entries not copied (links, FIFOs)


class Usage(_Strict):
    """Tokens and cost of model calls; `estimated` when tiktoken filled in the counts."""

    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = None  # None when litellm has no price for the model
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else self.cost_usd + other.cost_usd
        )
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            estimated=self.estimated or other.estimated,
        )


class ModelUsage(_Strict):
    """What one model cost since the previous record of it (records add up across resumes)."""

    who: Literal["interviewer", "judge", "candidate"]
    model: str
    usage: Usage


_LEGACY_TEST_KEYS = ("label", "status", "passed", "outcomes")


class TurnMeta(_Strict):
    """What a turn records beyond its text; each field belongs to one kind of turn."""

    # interviewer QUESTION: its position in the round
    index: int | None = None
    total: int | None = None
    # interviewer FOLLOW_UP: which follow-up of the question this is (1-based)
    number: int | None = None
    # interviewer HINT
    hint: bool = False
    # system NOTE: a pause or stop (resumable), with the draft to restore
    paused: bool = False
    stopped: bool = False
    draft: str | None = None
    # system NOTE: the candidate skipped or ended the round; a time limit ran out
    action: str | None = None
    timeout: str | None = None  # "question" or "round"
    # system NOTE: reported by the interviewer (fallback to offline, model usage)
    interviewer_notice: bool = False
    usage: ModelUsage | None = None
    # candidate ANSWER: why it is empty, who played the candidate, a take-home submission
    reason: str | None = None
    simulated: str | None = None
    submission: bool = False
    files: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    workspace: str | None = None  # the take-home folder submitted from the full loop
    # interviewer NOTE opening a take-home debrief
    debrief: bool = False
    # system TEST_RUN
    tests: TestRunRecord | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_legacy_test_runs(cls, data: Any) -> Any:
        """Transcripts written before typed metadata kept a test run's fields flat."""
        if isinstance(data, dict) and "label" in data and "tests" not in data:
            flat = dict(data)
            record = {key: flat.pop(key) for key in _LEGACY_TEST_KEYS if key in flat}
            record["total"] = flat.pop("total", 0)
            return {**flat, "tests": record}
        return data
