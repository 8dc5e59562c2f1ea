"""The LLM interviewer: frames rounds, follows up and hints; the engine still owns every limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.models import ModelUsage, Question, Role, Round, Turn, TurnKind, Usage
from mockloop.ports import Messages, Notice, StopSession, StreamView
from mockloop.prompts import load_prompt

if TYPE_CHECKING:
    from mockloop.llm.errors import RetryNotice
    from mockloop.llm.gateway import Gateway, LLMError

PROMPT_VERSION = "interviewer-v1"


class Decision(BaseModel):
    """The model's structured choice after an answer."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["follow_up", "move_on"]
    message: str = ""
    probes: str = ""


def system_prompt(round_: Round, question: Question) -> str:
    """The interviewer persona with the question's hidden key points and reference answer."""
    key_points = "\n".join(f"- {p.id}: {p.text}" for p in question.key_points)
    return load_prompt(PROMPT_VERSION).format(
        round_title=round_.title,
        question=question.prompt.strip(),
        key_points=key_points,
        reference_answer=question.reference_answer.strip(),
    )


def conversation(turns: list[Turn]) -> Messages:
    """The exchange so far; the candidate's words are fenced as data."""
    messages: Messages = []
    for turn in turns:
        if turn.role is Role.CANDIDATE and turn.kind is TurnKind.ANSWER:
            content = f"<candidate_answer>\n{turn.text}\n</candidate_answer>"
            messages.append({"role": "user", "content": content})
        elif turn.role is Role.INTERVIEWER:
            messages.append({"role": "assistant", "content": turn.text})
    return messages


class LLMInterviewer:
    """Asks the bank's question verbatim, and lets the model frame, follow up and hint.

    Provider failures after the gateway's retries switch this interviewer to the scripted one for
    the rest of the session; the switch is reported through `drain_notices` so the transcript
    says so.
    """

    def __init__(
        self,
        gateway: Gateway,
        *,
        fallback: ScriptedInterviewer | None = None,
        stream: Callable[[], StreamView] | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.fallback = fallback or ScriptedInterviewer()
        self.stream = stream  # opens a view per streamed message (framing and hints)
        self.on_retry = on_retry  # tells the person the provider is being retried
        self.name = f"llm:{gateway.settings.model}"
        self.failed = False
        self._notices: list[Notice] = []
        self._reported = Usage(cost_usd=0.0)  # what this instance already put in the transcript
        self._round = Round.FUNDAMENTALS

    def drain_notices(self) -> list[Notice]:
        """System notes to record (e.g. a switch to the offline interviewer), then forget them."""
        notices, self._notices = self._notices, []
        return notices

    def _fail(self, exc: LLMError) -> None:
        if exc.kind == "budget":
            raise StopSession(f"{exc}. Everything is saved; resume to continue.") from exc
        self.failed = True
        self._notices.append(
            Notice(
                f"{exc.summary.rstrip('.')}. The interview continues on the offline interviewer; "
                "re-run scoring later with `mockloop score`."
            )
        )

    def _call(self, messages: Messages, offline: Callable[[], str | None]) -> str | None:
        from mockloop.llm.gateway import LLMError

        if self.failed:
            return offline()
        view = self.stream() if self.stream else None
        parts: list[str] = []

        def show(delta: str) -> None:
            parts.append(delta)
            if view is not None:
                view.update("".join(parts))

        try:
            reply = self.gateway.complete(
                messages, on_delta=show if view else None, on_retry=self.on_retry
            )
            return reply.text.strip()
        except LLMError as exc:
            self._fail(exc)
            return offline()
        finally:
            if view is not None:
                view.close()

    def enter_round(self, round_: Round, questions: list[Question]) -> None:
        """Take on the round's persona, for a new round and a resumed one alike."""
        self._round = round_
        self.fallback.enter_round(round_, questions)

    def open_round(self, round_: Round, questions: list[Question]) -> str:
        """A model-written framing of the round."""
        prompt = load_prompt("interviewer-open-v1").format(
            round_title=round_.title, count=len(questions)
        )
        messages = [{"role": "system", "content": prompt}]
        text = self._call(messages, lambda: self.fallback.open_round(round_, questions))
        return text or self.fallback.open_round(round_, questions)

    def ask(self, question: Question, index: int, total: int) -> str:
        """The bank's question, verbatim: it is what the rubric scores against."""
        return question.prompt.strip()

    def follow_up(self, question: Question, turns: list[Turn]) -> str | None:
        """The model's decision; a follow-up is only proposed, the engine enforces the limit."""
        from mockloop.llm.gateway import LLMError

        if self.failed:
            return self.fallback.follow_up(question, turns)
        messages: Messages = [
            {"role": "system", "content": system_prompt(self._round, question)},
            *conversation(turns),
            {"role": "system", "content": load_prompt("interviewer-decision-v1")},
        ]
        try:
            decision, _ = self.gateway.complete_json(messages, Decision, on_retry=self.on_retry)
        except LLMError as exc:
            self._fail(exc)
            return self.fallback.follow_up(question, turns)
        if decision.action == "move_on" or not decision.message.strip():
            return None
        return decision.message.strip()

    def hint(self, question: Question, turns: list[Turn]) -> str:
        """A nudge that does not give the answer away."""
        messages: Messages = [
            {"role": "system", "content": system_prompt(self._round, question)},
            *conversation(turns),
            {"role": "system", "content": load_prompt("interviewer-hint-v1")},
        ]
        text = self._call(messages, lambda: self.fallback.hint(question, turns))
        return text or self.fallback.hint(question, turns)

    def close_round(self, round_: Round) -> str:
        """A fixed closing line (no model call needed); the round's model usage is noted."""
        self._notices.append(self._usage_notice())
        return self.fallback.close_round(round_)

    def end_sitting(self) -> None:
        """Record what was spent since the last usage note, so resumes add up."""
        if self.gateway.meter.total.total_tokens > self._reported.total_tokens:
            self._notices.append(self._usage_notice())

    def _usage_notice(self) -> Notice:
        """The usage line, with what was spent since the last one as data the export adds up."""
        total = self.gateway.meter.total
        spent = ModelUsage(
            who="interviewer",
            model=self.gateway.settings.model,
            usage=Usage(
                prompt_tokens=total.prompt_tokens - self._reported.prompt_tokens,
                completion_tokens=total.completion_tokens - self._reported.completion_tokens,
                cost_usd=None
                if total.cost_usd is None or self._reported.cost_usd is None
                else total.cost_usd - self._reported.cost_usd,
                estimated=total.estimated,
            ),
        )
        self._reported = total
        return Notice(usage_line("Interviewer", self.gateway), usage=spent)


def usage_line(who: str, gateway: Gateway) -> str:
    """`Interviewer model openai/x: 1,234 tokens, $0.0012 so far` (cost unknown when unpriced)."""
    total = gateway.meter.total
    cost = "cost unknown" if total.cost_usd is None else f"${total.cost_usd:.4f}"
    estimated = " (estimated)" if total.estimated else ""
    return (
        f"{who} model {gateway.settings.model}: {total.total_tokens:,} tokens{estimated}, "
        f"{cost} so far."
    )
