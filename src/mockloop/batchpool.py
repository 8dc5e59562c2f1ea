"""Score many sessions offline on every core: a process pool, results saved as they finish.

Key-point scoring is CPU-bound Python, so threads share one core under the GIL; processes do
not. Each worker reads, scores and appends the scorecard to its session's file (fsynced: each
file has one writer, and the fsyncs of several workers overlap instead of queueing in the
parent); the parent indexes what arrives, the index's one writer. At most a few sessions per
worker are in flight, so memory stays flat in the number of transcripts, and Ctrl-C keeps what
is in flight and starts nothing new.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from mockloop.batch import SESSION_ERRORS, BatchOutcome, CardSink, scorecard_on_file
from mockloop.content import Library
from mockloop.models import Scorecard, SessionInfo
from mockloop.ports import Judge
from mockloop.scoring import score_transcript
from mockloop.store import Index, SessionWriter, read_session

IN_FLIGHT_PER_WORKER = 4  # enough to keep a worker busy, few enough to keep memory flat
INDEX_EVERY = 100  # sessions per index transaction; each file is still fsynced on its own

Result = tuple[SessionInfo, bool, Scorecard] | str  # what was scored, or why it failed

_WORKER: tuple[Library, Judge] | None = None


def default_jobs() -> int:
    """The cores this process may use (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def _init(library: Library, judge: Judge) -> None:
    global _WORKER
    _WORKER = (library, judge)
    # Ctrl-C reaches the whole process group: the parent decides what to keep, not the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _score(path: Path) -> Result:
    assert _WORKER is not None, "worker not initialised"
    library, judge = _WORKER
    try:
        transcript = read_session(path).transcript
        card = score_transcript(transcript, library, judge)
        writer = SessionWriter(path)
        try:
            writer.scorecard(card)  # durable before the parent counts it as done
        finally:
            writer.close()
    except SESSION_ERRORS as exc:
        return str(exc)
    return transcript.session, transcript.ended, card


def score_parallel(
    paths: Sequence[Path],
    library: Library,
    judge: Judge,
    *,
    jobs: int,
    rescore: bool = False,
    on_done: Callable[[Path, Scorecard | None], None] | None = None,
    sink: CardSink | None = None,
) -> BatchOutcome:
    """Score sessions in `jobs` processes; skip those this judge already scored.

    Each scorecard, new or on file, goes to `sink` as it is known (none is kept here).
    """
    outcome = BatchOutcome(sink=sink)
    todo: list[Path] = []
    for path in paths:
        card = None if rescore else scorecard_on_file(path, judge)
        if card is None:
            todo.append(path)
            continue
        outcome.add(path, card, new=False)
        if on_done:
            on_done(path, None)
    if not todo:
        return outcome
    # Reading the judge's info loads its similarity model here, once: fork then shares the
    # loaded model and library with every worker instead of each loading its own.
    _ = judge.info
    # fork shares the loaded library with every worker for free; elsewhere it is pickled once.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init,
        initargs=(library, judge),
    )
    index = Index()
    queue = iter(todo)
    running: dict[Future[Result], Path] = {}
    # One SQLite commit per session (~15 ms on a busy disk) would cap the pool at one core's
    # worth of sessions: the index is written in groups; the files, the truth, one by one.
    unindexed: list[tuple[SessionInfo, Path, bool, Scorecard]] = []

    def fill() -> None:
        for path in queue:
            running[pool.submit(_score, path)] = path
            if len(running) >= jobs * IN_FLIGHT_PER_WORKER:
                return

    def finish(done: set[Future[Result]]) -> None:
        for future in done:
            path = running.pop(future)
            _keep(path, future.result(), outcome, unindexed, on_done)
        if len(unindexed) >= INDEX_EVERY:
            index.upsert_many(unindexed)
            unindexed.clear()

    try:
        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finish(done)
            fill()
    except KeyboardInterrupt:
        for future in running:
            future.cancel()  # queued: never started, nothing lost
        finish({f for f in wait(running).done if not f.cancelled()})
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        index.upsert_many(unindexed)
    return outcome


def _keep(
    path: Path,
    result: Result,
    outcome: BatchOutcome,
    unindexed: list[tuple[SessionInfo, Path, bool, Scorecard]],
    on_done: Callable[[Path, Scorecard | None], None] | None,
) -> None:
    if isinstance(result, str):
        outcome.failed.append((path, result))
        card = None
    else:
        info, ended, card = result
        unindexed.append((info, path, ended, card))
        outcome.add(path, card, new=True)
    if on_done:
        on_done(path, card)
