"""Every interface the core talks to: interviewer, judge, candidate, clock, code runner,
session log, listener, similarity and stream view. Adapters live in their own packages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mockloop.models import (
    Event,
    JudgeInfo,
    ModelUsage,
    Question,
    QuestionScore,
    Round,
    Rubric,
    TestRunRecord,
    Transcript,
    Turn,
    TurnMeta,
)

Messages = list[dict[str, Any]]  # a chat conversation as litellm and OpenAI take it


class Clock(Protocol):
    """Monotonic seconds; the engine never reads the wall clock directly."""

    def now(self) -> float:
        """Seconds since an arbitrary origin."""
        ...


class SystemClock:
    """The real monotonic clock."""

    def now(self) -> float:
        """time.monotonic()."""
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to, for tests and scripted candidates."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        """The current fake time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds


class PausableClock:
    """A clock whose paused intervals do not count; the engine and the candidate share one."""

    def __init__(self, inner: Clock | None = None) -> None:
        self.inner: Clock = inner or SystemClock()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def now(self) -> float:
        """The inner clock's time minus every paused interval; frozen while paused."""
        base = self._paused_at if self._paused_at is not None else self.inner.now()
        return base - self._paused_total

    @property
    def paused(self) -> bool:
        """True between pause() and resume()."""
        return self._paused_at is not None

    def pause(self) -> None:
        """Stop the clock (idempotent)."""
        if self._paused_at is None:
            self._paused_at = self.inner.now()

    def resume(self) -> None:
        """Start the clock again; the paused interval never counts (idempotent)."""
        if self._paused_at is not None:
            self._paused_total += self.inner.now() - self._paused_at
            self._paused_at = None


class StopSession(Exception):
    """Raised by a port to stop the session gracefully (e.g. the cost cap); it stays resumable."""


class Action(StrEnum):
    """What a candidate did at a prompt."""

    ANSWER = "answer"
    HINT = "hint"  # asks for a hint, then answers the same prompt
    SKIP = "skip"  # gives up this question
    END_ROUND = "end_round"  # ends the round; what is there gets scored
    QUIT = "quit"  # saves and stops; the session can be resumed
    RUN_TESTS = "run_tests"  # coding round: run the visible tests on the code in `text`


@dataclass(frozen=True)
class Prompt:
    """What the candidate is asked to respond to, with the time they have."""

    round: Round
    question: Question
    index: int  # 1-based position of the question in the round
    total: int
    message: str  # the interviewer's latest message (question, follow-up or hint)
    question_deadline: float | None  # clock time when the question's time runs out
    round_deadline: float | None
    draft: str = ""  # text the candidate had typed before a pause, to restore
    session_id: str = ""  # named in messages such as "resume with `mockloop resume ID`"


@dataclass(frozen=True)
class Reply:
    """The candidate's response to a prompt."""

    action: Action
    text: str = ""
    timed_out: bool = False
    meta: TurnMeta = field(default_factory=TurnMeta)
    exit_status: int | None = None  # a QUIT caused by Ctrl-C or a signal: the shell's status


class Candidate(Protocol):
    """Produces replies: a person at a terminal, an answers file, or a simulated candidate."""

    def reply(self, prompt: Prompt) -> Reply:
        """Answer (or act on) one prompt."""
        ...


@dataclass(frozen=True)
class Notice:
    """Something an interviewer reports for the transcript: a fallback, or what a model cost."""

    text: str
    usage: ModelUsage | None = None


class Interviewer(Protocol):
    """Asks the questions and decides on follow-ups; the engine enforces every limit."""

    name: str

    def enter_round(self, round_: Round, questions: list[Question]) -> None:
        """A round starts or resumes: every later call belongs to it."""
        ...

    def open_round(self, round_: Round, questions: list[Question]) -> str:
        """The interviewer's framing at the start of a round (not called on resume)."""
        ...

    def ask(self, question: Question, index: int, total: int) -> str:
        """How the interviewer puts a question."""
        ...

    def follow_up(self, question: Question, turns: list[Turn]) -> str | None:
        """A follow-up on the answers so far, or None to move on."""
        ...

    def hint(self, question: Question, turns: list[Turn]) -> str:
        """A nudge that does not give the answer away."""
        ...

    def close_round(self, round_: Round) -> str:
        """The interviewer's closing line for a round."""
        ...

    def end_sitting(self) -> None:
        """The session stops here for now (quit, stopped or done): queue what is unreported."""
        ...

    def drain_notices(self) -> list[Notice]:
        """Things the transcript must record, e.g. a switch to the offline interviewer."""
        ...


class Judge(Protocol):
    """Scores one question of a transcript against its rubric."""

    @property
    def info(self) -> JudgeInfo:
        """Which engine, model, prompt version and settings produce the scores."""
        ...

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        """Score every criterion of `rubric` for `question`."""
        ...


class SessionLog(Protocol):
    """Where the engine records turns and events, each durable before the call returns."""

    def turn(self, turn: Turn) -> None:
        """Append one turn."""
        ...

    def event(self, event: Event) -> None:
        """Append one event."""
        ...


class Listener(Protocol):
    """Told about every turn and event after it is on disk (the terminal renders them)."""

    def on_turn(self, turn: Turn) -> None:
        """A turn was recorded."""
        ...

    def on_event(self, event: Event) -> None:
        """A question, round or the session finished."""
        ...


class SilentListener:
    """A listener that ignores everything (for --json runs and tests)."""

    def on_turn(self, turn: Turn) -> None:
        """Ignore."""

    def on_event(self, event: Event) -> None:
        """Ignore."""


@dataclass(frozen=True)
class RunSummary:
    """One test run as the transcript records it."""

    label: str
    status: str
    passed: int
    total: int
    text: str  # what the candidate sees
    record: TestRunRecord  # what the transcript keeps


class CodeRunner(Protocol):
    """Runs a question's tests (the sandboxed runner, or a fake in tests)."""

    def run(self, question: Question, code: str, label: str) -> RunSummary:
        """Run the `label` ("visible" or "hidden") tests on `code`."""
        ...


class Similarity(Protocol):
    """Scores how close two texts are, in [0, 1]-ish (cosine)."""

    @property
    def name(self) -> str:
        """`wordllama` or `lexical`, for reports."""
        ...

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts."""
        ...

    def best(self, query: str, candidates: list[str]) -> tuple[int, float]:
        """Index and similarity of the candidate closest to `query` (-1, 0.0 when none)."""
        ...

    def scores(self, query: str, candidates: list[str]) -> list[float]:
        """Similarity of `query` to each candidate, in order."""
        ...


class StreamView(Protocol):
    """Where a streamed message is shown as it arrives (the terminal's Markdown stream)."""

    def update(self, text: str) -> None:
        """The whole message so far."""
        ...

    def close(self) -> None:
        """The message is complete."""
        ...
