"""Run provider batches end to end: resume or submit, poll with backoff, collect and repair."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockloop.batch import SESSION_ERRORS, CardSink, same_judge, scorecard_on_file
from mockloop.batchjobs import POLL_FIRST_S, POLL_MAX_S, BatchJobs, Job, Progress, ProviderOutcome
from mockloop.judges.llm import verdict_schema
from mockloop.llm.errors import LLMError, parse_json_object
from mockloop.models import QuestionScore, Scorecard, SessionInfo, Transcript, Usage
from mockloop.scoring import aggregate, asked_questions
from mockloop.store import SessionWriter, read_session

if TYPE_CHECKING:
    from mockloop.llm.batches import BatchState, LineResult

INDEX_EVERY = (
    200  # sessions per index transaction: one commit (and fsync) each, not one per session
)
EXPIRED = "the batch {status} before this session was answered; run the command again to resend it"


def run_batches(
    jobs: BatchJobs,
    paths: Sequence[Path],
    *,
    rescore: bool = False,
    wait: bool = False,
    on_progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    sink: CardSink | None = None,
) -> ProviderOutcome:
    """Score `paths` through provider batches; without `wait`, collect only finished ones.

    Each scorecard, new or on file, goes to `sink` as it is known (none is kept here).
    """
    outcome = ProviderOutcome(sink=sink)
    todo = []
    for path in paths:
        card = None if rescore else scorecard_on_file(path, jobs.judge)
        if card is not None:
            outcome.add(path, card, new=False)
        else:
            todo.append(path)
    running = jobs.open_jobs()
    covered = {path for job in running for path in jobs.sessions_of(job)}
    running = [jobs.create(job) if job.batch_id is None else job for job in running]
    running += jobs.submit([p for p in todo if p not in covered], outcome)
    states = {job.id: _poll(jobs, job) for job in running}
    delay = POLL_FIRST_S
    while wait and not all(s.finished for s in states.values()):
        if on_progress is not None:
            on_progress(_answered(states), _total(states))
        sleep(delay)
        delay = min(POLL_MAX_S, delay * 1.5)  # a batch takes minutes to hours: poll less often
        states = {j.id: s if s.finished else _poll(jobs, j) for j, s in _pairs(running, states)}
    for job, state in _pairs(running, states):
        if state.finished:
            collect(jobs, job, state, outcome)
        else:
            outcome.pending.append((job.batch_id or "?", state))
    if on_progress is not None:
        on_progress(_answered(states), _total(states))
    return outcome


def _pairs(jobs: list[Job], states: dict[int, BatchState]) -> list[tuple[Job, BatchState]]:
    return [(job, states[job.id]) for job in jobs]


def _poll(jobs: BatchJobs, job: Job) -> BatchState:
    state = jobs.client.state(job.batch_id or "")
    jobs.mark(job, state)
    return state


def _answered(states: dict[int, BatchState]) -> int:
    return sum(s.completed + s.failed for s in states.values())


def _total(states: dict[int, BatchState]) -> int:
    return sum(s.total for s in states.values())


def collect(jobs: BatchJobs, job: Job, state: BatchState, outcome: ProviderOutcome) -> None:
    """Score every session of a finished batch from its replies, then close the batch.

    Result lines are read as a stream; a session is scored, validated and appended (fsynced) to
    its file the moment its last reply arrives, and its replies are dropped, so what is held is
    one batch's request map and the replies of sessions still incomplete. The index, which
    `history --reindex` can rebuild from the files, is updated INDEX_EVERY sessions at a time.
    """
    waiting = dict(jobs.requests_of(job))  # session -> its requests, until all are answered
    owner = {cid: path for path, requests in waiting.items() for cid, _, _ in requests}
    got: dict[Path, dict[str, LineResult]] = {}
    unindexed: list[tuple[SessionInfo, Path, bool, Scorecard]] = []
    try:
        for line in jobs.results(state):
            path = owner.pop(line.custom_id, None)
            if path is None:
                continue  # not ours, or a duplicate line
            replies = got.setdefault(path, {})
            replies[line.custom_id] = line
            if len(replies) == len(waiting[path]):
                _session(jobs, job, path, (waiting.pop(path), got.pop(path)), outcome, unindexed)
        for path, requests in waiting.items():  # never answered: the batch expired or failed
            _session(jobs, job, path, (requests, got.pop(path, {})), outcome, unindexed, state)
    finally:
        jobs.index.upsert_many(unindexed)  # even after Ctrl-C: what is in the files is indexed
    jobs.close(job)


def _session(
    jobs: BatchJobs,
    job: Job,
    path: Path,
    answered: tuple[list[tuple[str, str, int]], dict[str, LineResult]],
    outcome: ProviderOutcome,
    unindexed: list[tuple[SessionInfo, Path, bool, Scorecard]],
    unfinished: BatchState | None = None,
) -> None:
    """Score one session from its replies and save it; `unfinished`: some replies never came."""
    requests, replies = answered
    batch_id = job.batch_id or ""
    try:
        record = read_session(path)
        on_file = next(
            (c for c in reversed(record.scorecards) if same_judge(c.judge, jobs.judge.info)),
            None,
        )
        if on_file is not None and on_file.judge.settings.get("batch") == batch_id:
            outcome.add(path, on_file, new=False)  # saved before an interrupted collection
            return
        if unfinished is not None:
            outcome.failed.append((path, EXPIRED.format(status=unfinished.status)))
            return
        transcript = record.transcript
        card = _scorecard(jobs, transcript, requests, replies, outcome, batch_id)
    except SESSION_ERRORS as exc:
        outcome.failed.append((path, str(exc)))
        return
    except LLMError as exc:
        outcome.failed.append((path, f"repair request failed: {exc.summary}"))
        return
    _append(path, card)
    unindexed.append((transcript.session, path, transcript.ended, card))
    if len(unindexed) >= INDEX_EVERY:
        jobs.index.upsert_many(unindexed)
        unindexed.clear()
    outcome.cost_usd += card.judge.settings["usage"].get("cost_usd") or 0.0
    outcome.add(path, card, new=True)


def _append(path: Path, card: Scorecard) -> None:
    writer = SessionWriter(path)
    try:
        writer.scorecard(card)
    finally:
        writer.close()


def _scorecard(
    jobs: BatchJobs,
    transcript: Transcript,
    requests: list[tuple[str, str, int]],
    replies: dict[str, LineResult],
    outcome: ProviderOutcome,
    batch_id: str,
) -> Scorecard:
    """A session's scorecard from its batch replies; unusable ones are asked again, live."""
    by_question: dict[str, list[tuple[str, int]]] = {}
    for custom_id, question_id, sample in requests:
        by_question.setdefault(question_id, []).append((custom_id, sample))
    spent = Usage()
    scores: list[QuestionScore] = []
    for question_id in asked_questions(transcript):
        question = jobs.library.question(question_id)
        rubric = jobs.library.rubric_for(question)
        schema = verdict_schema(rubric)  # cached per rubric shape
        verdicts: list[Any] = []
        for custom_id, sample in sorted(by_question.get(question_id, []), key=lambda r: r[1]):
            line = replies[custom_id]
            verdict, usage, repaired = _verdict(
                jobs, line, schema, (transcript, question_id), sample
            )
            outcome.repaired += repaired
            spent = _plus(spent, usage)
            verdicts.append(verdict)
        scores.append(jobs.judge.question_score(question, rubric, transcript, verdicts))
    card = aggregate(transcript.session.id, jobs.judge, scores, jobs.library)
    info = card.judge
    settings = {**info.settings, "usage": spent.model_dump(), "batch": batch_id}
    return card.model_copy(update={"judge": info.model_copy(update={"settings": settings})})


def _verdict(
    jobs: BatchJobs, line: LineResult, schema: Any, asked: tuple[Transcript, str], sample: int
) -> tuple[Any, Usage, bool]:
    """A validated verdict, what it cost, and whether a live request had to repair it."""
    cost = jobs.client.price(line.prompt_tokens, line.completion_tokens)
    paid = Usage(
        prompt_tokens=line.prompt_tokens, completion_tokens=line.completion_tokens, cost_usd=cost
    )
    if line.text is not None:
        try:
            return schema.model_validate(parse_json_object(line.text)), paid, False
        except ValueError:  # bad JSON or a failed schema: the same repair a live call gets
            pass
    transcript, question_id = asked
    messages, _ = jobs.prompt(question_id, transcript)  # built only for a repair
    temperature, seed = jobs.judge.sampling()[sample]
    verdict, completion = jobs.judge.gateway.complete_json(
        messages, schema, temperature=temperature, seed=seed
    )
    return verdict, _plus(paid, completion.usage), True


def _plus(a: Usage, b: Usage) -> Usage:
    unknown = a.cost_usd is None and b.cost_usd is None
    cost = None if unknown else (a.cost_usd or 0.0) + (b.cost_usd or 0.0)
    return Usage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        completion_tokens=a.completion_tokens + b.completion_tokens,
        cost_usd=cost,
        estimated=a.estimated or b.estimated,
    )
