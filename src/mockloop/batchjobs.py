"""Score sessions through a provider batch: submit once, resume from the index, collect, repair.

The moment a batch exists its id and every request's session are in the SQLite index, so the
same command run again (after Ctrl-C, a closed laptop, a CI timeout) polls that batch instead of
paying for a second. Replies are validated like live judge replies; one that is unusable is
repaired by a normal request; a session whose replies never came (an expired batch) fails alone.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockloop.batch import SESSION_ERRORS, BatchOutcome
from mockloop.content import Library
from mockloop.judges.llm import PROMPT_VERSION, LLMJudge, judge_messages, verdict_schema
from mockloop.models import Transcript, utcnow
from mockloop.scoring import asked_questions
from mockloop.store import Index, read_session

if TYPE_CHECKING:
    from mockloop.llm.batches import BatchClient, BatchState, LineResult

# Requests per provider batch: well inside OpenAI's 50,000 and 200 MB, and small enough that
# building and uploading one file (~8 KB a request, held a few times over) stays tens of MB.
MAX_LINES = 2_000
POLL_FIRST_S, POLL_MAX_S = 2.0, 60.0


@dataclass
class Job:
    """One provider batch as the index knows it."""

    id: int
    batch_id: str | None
    # submitting (requests stored), uploaded (input file stored; a create may have been sent),
    # submitted (batch id stored), collected
    state: str
    input_file_id: str | None = None
    created_at: str = ""

    @property
    def key(self) -> str:
        """The client-side idempotency key sent as batch metadata, found again by a listing."""
        return f"mockloop-{self.id}-{self.created_at}"


@dataclass
class ProviderOutcome(BatchOutcome):
    """A batch outcome plus batches still running, repaired replies and what was spent."""

    pending: list[tuple[str, BatchState]] = field(default_factory=list)
    repaired: int = 0
    cost_usd: float = 0.0


Progress = Callable[[int, int], None]  # requests answered, requests in all batches


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then raise it as usual.

    Around a create and the store of its id: an interrupt in between would leave a batch the
    provider bills for and the index does not know. Only the main thread can set handlers; a
    worker thread runs the block as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    heard: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: heard.append(_signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if heard and previous is not signal.SIG_IGN:
        raise KeyboardInterrupt


class BatchJobs:
    """Provider batches of one judge: submitted, resumed and collected through the index."""

    def __init__(self, library: Library, judge: LLMJudge, client: BatchClient) -> None:
        self.library = library
        self.judge = judge
        self.client = client
        self.index = Index()
        settings = judge.gateway.settings
        self.key = f"{settings.model}|{PROMPT_VERSION}|samples={judge.samples}"

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.index.path, timeout=30)) as db, db:
            yield db

    # -- submitting ----------------------------------------------------------------------------

    def open_jobs(self) -> list[Job]:
        """This judge's batches not collected yet, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, batch_id, state, input_file_id, created_at FROM batch_jobs "
                "WHERE judge = ? AND state != 'collected' ORDER BY id",
                (self.key,),
            ).fetchall()
        return [Job(*row) for row in rows]

    def sessions_of(self, job: Job) -> list[Path]:
        """The sessions a batch scores, in the order they were sent."""
        with self._db() as db:
            rows = db.execute(
                "SELECT session_path FROM batch_requests WHERE job_id = ? "
                "GROUP BY session_path ORDER BY MIN(rowid)",
                (job.id,),
            ).fetchall()
        return [Path(row[0]) for row in rows]

    def submit(self, paths: Sequence[Path], outcome: BatchOutcome) -> list[Job]:
        """Send the judge requests of `paths` as batches of at most MAX_LINES requests."""
        jobs: list[Job] = []
        chunk: list[tuple[str, str, int]] = []  # session, question, sample
        for path in paths:
            try:
                transcript = read_session(path).transcript
                asked = asked_questions(transcript)
                for question_id in asked:
                    self.library.question(question_id)  # an unknown question fails here, alone
            except SESSION_ERRORS as exc:
                outcome.failed.append((path, str(exc)))
                continue
            samples = range(self.judge.samples)
            chunk += [(str(path), question_id, n) for question_id in asked for n in samples]
            if len(chunk) >= MAX_LINES:
                jobs.append(self._submit(chunk))
                chunk = []
        if chunk:
            jobs.append(self._submit(chunk))
        return jobs

    def _submit(self, requests: list[tuple[str, str, int]]) -> Job:
        created = utcnow().isoformat()
        with self._db() as db:  # stored before the upload: an interrupt leaves a job to resume
            cursor = db.execute(
                "INSERT INTO batch_jobs (judge, model, state, created_at) "
                "VALUES (?, ?, 'submitting', ?)",
                (self.key, self.judge.gateway.settings.model, created),
            )
            job_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO batch_requests VALUES (?, ?, ?, ?, ?)",
                [(job_id, f"{job_id}-{n}", *req) for n, req in enumerate(requests)],
            )
        return self.create(Job(job_id, None, "submitting", None, created))

    def create(self, job: Job) -> Job:
        """Start a stored job's batch exactly once; its id is stored before Ctrl-C is heard.

        The input file's id is stored as soon as it is uploaded (state `uploaded`); from then on
        a create may have reached the provider, so a job found in that state (the process was
        killed, or the create's answer was lost) is first looked for among the provider's
        batches, by that file and by the job's key, and only created when it is not there.
        """
        file_id = job.input_file_id
        found = None
        if file_id is None:
            file_id = self.client.upload(b"\n".join(self._lines(job)) + b"\n")
            self._store(job, "UPDATE batch_jobs SET input_file_id = ?, state = 'uploaded'", file_id)
        else:
            found = self.client.find(file_id, job.key)
        metadata = {"mockloop_job": str(job.id), "mockloop_key": job.key, "judge": self.key}
        with interrupts_deferred():  # a paid batch must not exist without its id on disk
            batch_id = found or self.client.create(file_id, metadata)
            self._store(job, "UPDATE batch_jobs SET batch_id = ?, state = 'submitted'", batch_id)
        return Job(job.id, batch_id, "submitted", file_id, job.created_at)

    def _store(self, job: Job, update: str, value: str) -> None:
        with self._db() as db:
            db.execute(f"{update} WHERE id = ?", (value, job.id))

    def _lines(self, job: Job) -> Iterator[bytes]:
        sampling = self.judge.sampling()
        for path, requests in self.requests_of(job):
            transcript = read_session(path).transcript
            for custom_id, question_id, sample in requests:
                messages, schema = self.prompt(question_id, transcript)
                temperature, seed = sampling[sample]
                body = self.judge.gateway.json_request(
                    messages, schema, temperature=temperature, seed=seed
                )
                yield self.client.line(custom_id, body)

    def requests_of(self, job: Job) -> Iterator[tuple[Path, list[tuple[str, str, int]]]]:
        """Each session of a batch with its requests: custom id, question, sample."""
        with self._db() as db:
            rows = db.execute(
                "SELECT session_path, custom_id, question_id, sample FROM batch_requests "
                "WHERE job_id = ? ORDER BY rowid",
                (job.id,),
            ).fetchall()
        grouped: dict[str, list[tuple[str, str, int]]] = {}
        for path, custom_id, question_id, sample in rows:
            grouped.setdefault(path, []).append((custom_id, question_id, sample))
        for path, requests in grouped.items():
            yield Path(path), requests

    def prompt(self, question_id: str, transcript: Transcript) -> tuple[Any, Any]:
        """The judge's messages and verdict schema for one question of a transcript."""
        question = self.library.question(question_id)
        rubric = self.library.rubric_for(question)
        return judge_messages(question, rubric, transcript), verdict_schema(rubric)

    # -- polling and collecting ------------------------------------------------------------------

    def mark(self, job: Job, state: BatchState) -> None:
        """Store what the provider last said, and `collected` once the results are in."""
        with self._db() as db:
            db.execute(
                "UPDATE batch_jobs SET provider_status = ? WHERE id = ?", (state.status, job.id)
            )

    def close(self, job: Job) -> None:
        """The batch's results are all saved: it is never polled again."""
        with self._db() as db:
            db.execute("UPDATE batch_jobs SET state = 'collected' WHERE id = ?", (job.id,))

    def results(self, state: BatchState) -> Iterator[LineResult]:
        """Every answered request of a finished batch, successes then failures, as a stream."""
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id:
                yield from self.client.results(file_id)
