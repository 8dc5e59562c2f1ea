"""The interview state machine: rounds, questions, follow-ups and time. It never prints.

The engine owns the state; interviewers only propose messages and candidates only reply. Every
turn is written (and fsynced) by the store before the next prompt, and the state is derived from
those records alone, so a session can be resumed from its file after a crash or a quit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from mockloop.content import Library
from mockloop.models import (
    Event,
    Question,
    Role,
    Round,
    RoundPlan,
    Turn,
    TurnKind,
    TurnMeta,
)

# Planning lives in planning.py; kept importable from here for the engine's callers.
from mockloop.planning import drill_session as drill_session
from mockloop.planning import plan_session as plan_session
from mockloop.ports import (
    Action,
    Candidate,
    Clock,
    CodeRunner,
    Interviewer,
    Listener,
    Prompt,
    Reply,
    RunSummary,
    SessionLog,
    StopSession,
)
from mockloop.store import SessionRecord

# The longest answer a session keeps, in characters (documented in the README). Longer input is
# cut with a note in the transcript: scoring, exports and the transcript itself stay bounded.
MAX_ANSWER_CHARS = 50_000


class Outcome(StrEnum):
    """How a run of the engine ended."""

    COMPLETED = "completed"  # every round is done; the session can be scored
    QUIT = "quit"  # the candidate stopped; the session can be resumed


class _Step(StrEnum):
    DONE = "done"
    END_ROUND = "end_round"
    QUIT = "quit"


@dataclass
class Engine:
    """Runs (or resumes) a session until it completes or the candidate quits."""

    library: Library
    record: SessionRecord  # what is on disk so far (a new session has only its header)
    interviewer: Interviewer
    candidate: Candidate
    clock: Clock
    writer: SessionLog
    listener: Listener
    code_runner: CodeRunner | None = None  # runs coding questions' tests; None: tests not run

    def __post_init__(self) -> None:
        self._draft = ""  # code to put back in the editor after /run
        self.exit_status: int | None = None  # set by a quit that Ctrl-C or a signal caused
        self.info = self.record.transcript.session
        self.turns: list[Turn] = list(self.record.transcript.turns)
        self.done_questions = self.record.done_questions()
        self.done_rounds = self.record.done_rounds()

    # -- bookkeeping -------------------------------------------------------------------------

    def _emit(self, role: Role, kind: TurnKind, text: str, round_: Round, **fields: Any) -> Turn:
        turn = Turn(seq=len(self.turns), round=round_, role=role, kind=kind, text=text, **fields)
        self.writer.turn(turn)  # durable before anyone sees it or the next prompt is shown
        self.turns.append(turn)
        self.listener.on_turn(turn)
        return turn

    def _notices(self, round_: Round, question_id: str | None) -> None:
        """Record what the interviewer reported (e.g. falling back to offline) as system notes."""
        for notice in self.interviewer.drain_notices():
            self._emit(
                Role.SYSTEM,
                TurnKind.NOTE,
                notice.text,
                round_,
                question_id=question_id,
                meta=TurnMeta(interviewer_notice=True, usage=notice.usage),
            )

    def _event(self, event: Event) -> None:
        self.writer.event(event)
        self.listener.on_event(event)

    def _spent(self, *, round_: Round, question_id: str | None = None) -> float:
        return sum(
            t.elapsed_s
            for t in self.turns
            if t.round is round_ and (question_id is None or t.question_id == question_id)
        )

    def _limit(self, seconds: int) -> float | None:
        return seconds * self.info.time_scale if self.info.timer else None

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Run every unfinished round in order; a StopSession pauses it, resumable."""
        for plan in self.info.plan:
            if plan.round in self.done_rounds:
                continue
            try:
                step = self._run_round(plan)
            except StopSession as stop:
                self._end_sitting(plan.round)
                self._emit(
                    Role.SYSTEM,
                    TurnKind.NOTE,
                    f"Session stopped: {stop}",
                    plan.round,
                    meta=TurnMeta(paused=True, stopped=True),
                )
                return Outcome.QUIT
            if step is _Step.QUIT:
                return Outcome.QUIT
        if not self.record.transcript.ended:
            self._end_sitting(self.info.plan[-1].round)
            self._event(Event(event="session_done"))
        return Outcome.COMPLETED

    def _end_sitting(self, round_: Round) -> None:
        """Before stopping: the interviewer reports what it has not yet (e.g. model usage)."""
        self.interviewer.end_sitting()
        self._notices(round_, None)

    def _run_round(self, plan: RoundPlan) -> _Step:
        questions = [self.library.question(q) for q in plan.question_ids]
        # Always, also on resume: an interviewer keeps per-round state (an LLM's persona).
        self.interviewer.enter_round(plan.round, questions)
        if not any(t.round is plan.round for t in self.turns):
            text = self.interviewer.open_round(plan.round, questions)
            self._notices(plan.round, None)
            self._emit(Role.INTERVIEWER, TurnKind.FRAMING, text, plan.round)
        reason = "completed"
        for index, question in enumerate(questions, start=1):
            if question.id in self.done_questions:
                continue
            step = self._run_question(plan, question, index, len(questions))
            if step is _Step.QUIT:
                return step
            if step is _Step.END_ROUND:
                reason = "ended early"
                break
        text = self.interviewer.close_round(plan.round)
        self._emit(Role.INTERVIEWER, TurnKind.NOTE, text, plan.round)
        self._notices(plan.round, None)
        self._event(Event(event="round_done", round=plan.round, reason=reason))
        self.done_rounds.add(plan.round)
        return _Step.DONE

    def _run_question(self, plan: RoundPlan, question: Question, index: int, total: int) -> _Step:
        own = [t for t in self.turns if t.question_id == question.id]
        if not any(t.kind is TurnKind.QUESTION for t in own):
            text = self.interviewer.ask(question, index, total)
            self._emit(
                Role.INTERVIEWER,
                TurnKind.QUESTION,
                text,
                plan.round,
                question_id=question.id,
                meta=TurnMeta(index=index, total=total),
            )
        settled = self._recover(plan, question)
        if settled is not None:
            return settled
        while True:
            reply, spent, prompt = self._ask_candidate(plan, question, index, total)
            step = self._handle(plan, question, reply, spent, prompt)
            if step is not None:
                return step

    def _ask_candidate(
        self, plan: RoundPlan, question: Question, index: int, total: int
    ) -> tuple[Reply, float, Prompt]:
        own = [t for t in self.turns if t.question_id == question.id]
        message = next(t.text for t in reversed(own) if t.role is Role.INTERVIEWER)
        draft, self._draft = self._draft or _pending_draft(own), ""
        q_limit = self._limit(question.time_limit)
        r_limit = self._limit(plan.time_limit_s)
        start = self.clock.now()
        q_left = (
            q_limit - self._spent(round_=plan.round, question_id=question.id) if q_limit else None
        )
        r_left = r_limit - self._spent(round_=plan.round) if r_limit else None
        prompt = Prompt(
            round=plan.round,
            question=question,
            index=index,
            total=total,
            message=message,
            question_deadline=start + q_left if q_left is not None else None,
            round_deadline=start + r_left if r_left is not None else None,
            draft=draft,
            session_id=self.info.id,
        )
        reply = self.candidate.reply(prompt)
        return reply, max(0.0, self.clock.now() - start), prompt

    def _handle(
        self, plan: RoundPlan, question: Question, reply: Reply, spent: float, prompt: Prompt
    ) -> _Step | None:
        round_, qid = plan.round, question.id
        reply = self._bounded(reply, round_, qid)
        if reply.action is Action.HINT:
            own = [t for t in self.turns if t.question_id == qid]
            text = self.interviewer.hint(question, own)
            self._notices(round_, qid)
            self._emit(
                Role.INTERVIEWER,
                TurnKind.HINT,
                text,
                round_,
                question_id=qid,
                elapsed_s=spent,
                meta=TurnMeta(hint=True),
            )
            return None
        if reply.action is Action.RUN_TESTS:
            self._run_tests(round_, question, reply.text, ("visible",), spent)
            self._draft = reply.text
            return None
        if reply.action is Action.QUIT:
            self.exit_status = reply.exit_status
            self._end_sitting(round_)
            self._emit(
                Role.SYSTEM,
                TurnKind.NOTE,
                "Session paused; resume to continue.",
                round_,
                question_id=qid,
                elapsed_s=spent,
                meta=TurnMeta(paused=True, draft=reply.text),
            )
            return _Step.QUIT
        if reply.action in (Action.SKIP, Action.END_ROUND):
            if reply.text.strip():
                self._emit(
                    Role.CANDIDATE,
                    TurnKind.ANSWER,
                    reply.text,
                    round_,
                    question_id=qid,
                    elapsed_s=spent,
                    meta=reply.meta,
                )
                spent = 0.0
            what = "skipped the question" if reply.action is Action.SKIP else "ended the round"
            self._emit(
                Role.SYSTEM,
                TurnKind.NOTE,
                f"The candidate {what}.",
                round_,
                question_id=qid,
                elapsed_s=spent,
                meta=TurnMeta(action=reply.action.value),
            )
            self._finish(plan, question, reply.action.value)
            return _Step.DONE if reply.action is Action.SKIP else _Step.END_ROUND
        return self._answered(plan, question, reply, spent, prompt)

    def _bounded(self, reply: Reply, round_: Round, question_id: str) -> Reply:
        """The reply with its text cut to MAX_ANSWER_CHARS, saying so in the transcript."""
        if len(reply.text) <= MAX_ANSWER_CHARS:
            return reply
        self._emit(
            Role.SYSTEM,
            TurnKind.NOTE,
            f"The next answer had {len(reply.text):,} characters; only its first "
            f"{MAX_ANSWER_CHARS:,} are kept (the answer size limit).",
            round_,
            question_id=question_id,
        )
        return replace(reply, text=reply.text[:MAX_ANSWER_CHARS])

    def _answered(
        self, plan: RoundPlan, question: Question, reply: Reply, spent: float, prompt: Prompt
    ) -> _Step | None:
        now = self.clock.now()
        q_over = reply.timed_out or (
            prompt.question_deadline is not None and now >= prompt.question_deadline
        )
        r_over = prompt.round_deadline is not None and now >= prompt.round_deadline
        answer = self._emit(
            Role.CANDIDATE,
            TurnKind.ANSWER,
            reply.text,
            plan.round,
            question_id=question.id,
            elapsed_s=spent,
            timed_out=q_over or r_over,
            meta=reply.meta,
        )
        return self._after_answer(plan, question, answer, round_over=r_over)

    def _after_answer(
        self, plan: RoundPlan, question: Question, answer: Turn, *, round_over: bool
    ) -> _Step | None:
        """What follows a recorded answer: the submission's tests, then time-out or follow-up.

        Everything here is derived from the records, so a resume after a crash at any point
        (even during a test run) finishes this step once, without asking for the answer again.
        """
        round_, qid = plan.round, question.id
        answers = [
            t
            for t in self.turns
            if t.question_id == qid and t.role is Role.CANDIDATE and t.kind is TurnKind.ANSWER
        ]
        first_answer = answers[0] is answer
        after = self.turns[self.turns.index(answer) + 1 :]
        ran = {t.meta.tests.label for t in after if t.meta.tests is not None}
        if first_answer and answer.meta.workspace is not None:
            # A take-home submitted from the full loop: its folder is what gets tested, and the
            # debrief comes only after the tests (a resume runs only the runs not yet recorded).
            pending = tuple(label for label in ("visible", "hidden") if label not in ran)
            self._run_workspace_tests(round_, question, answer.meta.workspace, pending)
        elif first_answer and question.tests is not None and question.starter_code is not None:
            # In the coding round the first answer is the submission: it is what gets tested.
            labels = tuple(label for label in ("visible", "hidden") if label not in ran)
            if labels:
                self._run_tests(round_, question, answer.text, labels, 0.0)
        if answer.timed_out:
            scope = "round" if round_over else "question"
            self._emit(
                Role.SYSTEM,
                TurnKind.NOTE,
                f"Time ran out for this {scope}.",
                round_,
                question_id=qid,
                meta=TurnMeta(timeout=scope),
            )
            self._finish(plan, question, f"{scope} time ran out")
            return _Step.END_ROUND if round_over else _Step.DONE
        own = [t for t in self.turns if t.question_id == qid]
        asked = sum(1 for t in own if t.kind is TurnKind.FOLLOW_UP)
        if first_answer and answer.meta.workspace is not None:
            from mockloop.takehome import DEBRIEF

            self._emit(
                Role.INTERVIEWER,
                TurnKind.FOLLOW_UP,
                DEBRIEF,
                round_,
                question_id=qid,
                meta=TurnMeta(number=asked + 1, debrief=True),
            )
            return None
        if asked < question.max_follow_ups:
            follow_up = self.interviewer.follow_up(question, own)
            self._notices(round_, qid)
            if follow_up:
                self._emit(
                    Role.INTERVIEWER,
                    TurnKind.FOLLOW_UP,
                    follow_up,
                    round_,
                    question_id=qid,
                    meta=TurnMeta(number=asked + 1),
                )
                return None
        self._finish(plan, question, "answered")
        return _Step.DONE

    def _recover(self, plan: RoundPlan, question: Question) -> _Step | None:
        """On resume, finish the step a crash cut short after the candidate's last reply.

        An answer with nothing from the interviewer after it was never fully handled (its tests
        may not have run): handle it now. A closing note without its event: close the question.
        None: the candidate is to be asked.
        """
        for turn in reversed([t for t in self.turns if t.question_id == question.id]):
            if turn.role is Role.INTERVIEWER:
                return None
            if turn.role is Role.CANDIDATE:
                if turn.kind is not TurnKind.ANSWER:
                    return None
                limit = self._limit(plan.time_limit_s)
                over = limit is not None and self._spent(round_=plan.round) >= limit
                return self._after_answer(plan, question, turn, round_over=over)
            closing = turn.meta.timeout or turn.meta.action
            if turn.kind is TurnKind.NOTE and closing:
                ends_round = closing in ("round", Action.END_ROUND.value)
                reason = f"{closing} time ran out" if turn.meta.timeout else str(closing)
                self._finish(plan, question, reason)
                return _Step.END_ROUND if ends_round else _Step.DONE
        return None

    def _run_tests(
        self, round_: Round, question: Question, code: str, labels: tuple[str, ...], spent: float
    ) -> None:
        if self.code_runner is None or question.tests is None:
            self._emit(
                Role.SYSTEM,
                TurnKind.NOTE,
                "This question has no tests to run.",
                round_,
                question_id=question.id,
                elapsed_s=spent,
            )
            return
        for label in labels:
            self._record_run(round_, question, self.code_runner.run(question, code, label), spent)
            spent = 0.0

    def _run_workspace_tests(
        self, round_: Round, question: Question, folder: str, labels: tuple[str, ...]
    ) -> None:
        """The visible and hidden tests of a take-home brief, run on the candidate's folder."""
        from pathlib import Path

        from mockloop.takehome import run_tests

        for label in labels:
            self._record_run(round_, question, run_tests(question, Path(folder), label))

    def _record_run(
        self, round_: Round, question: Question, summary: RunSummary, spent: float = 0.0
    ) -> None:
        """A test run as a turn: the text the candidate sees, the counts as typed metadata."""
        self._emit(
            Role.SYSTEM,
            TurnKind.TEST_RUN,
            summary.text,
            round_,
            question_id=question.id,
            elapsed_s=spent,
            meta=TurnMeta(tests=summary.record),
        )

    def _finish(self, plan: RoundPlan, question: Question, reason: str) -> None:
        self._event(
            Event(event="question_done", round=plan.round, question_id=question.id, reason=reason)
        )
        self.done_questions.add(question.id)


def _pending_draft(turns: list[Turn]) -> str:
    """The draft saved by the last pause, unless the candidate has answered since."""
    for turn in reversed(turns):
        if turn.meta.paused:
            return turn.meta.draft or ""
        if turn.role is Role.CANDIDATE:
            return ""
    return ""
