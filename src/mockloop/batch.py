"""Score many saved sessions concurrently, resumably: each scorecard is on disk when it is done."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mockloop.content import Library, UnknownQuestion
from mockloop.models import JudgeInfo, Scorecard, Transcript
from mockloop.ports import Judge
from mockloop.scoring import score_transcript
from mockloop.sessions import save_scorecard
from mockloop.store import Index, StoreError, read_session

CardSink = Callable[[Path, Scorecard], None]  # receives each session's scorecard, new or on file


@dataclass
class BatchOutcome:
    """What a batch did: scored now, skipped (this judge's scorecard is on file), failed and why.

    Scorecards are not kept: each is handed to `sink` (the report) the moment it is known, so a
    batch of ten thousand sessions holds ten thousand paths, not ten thousand scorecards.
    """

    scored: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    sink: CardSink | None = None

    def add(self, path: Path, card: Scorecard, *, new: bool) -> None:
        """Count a session's scorecard (made now, or found on file) and pass it to the sink."""
        (self.scored if new else self.skipped).append(path)
        if self.sink is not None:
            self.sink(path, card)


# A session that cannot be read or scored fails on its own; the batch goes on.
SESSION_ERRORS: tuple[type[Exception], ...] = (StoreError, UnknownQuestion)


def same_judge(a: JudgeInfo, b: JudgeInfo) -> bool:
    """Two scorecards come from the same judge: engine, model and prompt version."""
    return (a.engine, a.model, a.prompt_version) == (b.engine, b.model, b.prompt_version)


def scorecard_on_file(path: Path, judge: Judge) -> Scorecard | None:
    """The session's latest scorecard from this judge, if it has one (how a batch resumes)."""
    try:
        cards = read_session(path).scorecards
    except StoreError:
        return None
    return next((c for c in reversed(cards) if same_judge(c.judge, judge.info)), None)


def score_many(
    paths: Sequence[Path],
    library: Library,
    judge: Judge,
    *,
    concurrency: int,
    rescore: bool = False,
    on_done: Callable[[Path, Scorecard | None], None] | None = None,
    is_error: Callable[[BaseException], str | None] = lambda exc: None,
    sink: CardSink | None = None,
) -> BatchOutcome:
    """Score each session at most `concurrency` at a time; skip those this judge already scored.

    Judges are synchronous (litellm's blocking client, or CPU-bound key-point scoring), so each
    runs on a worker thread; asyncio bounds and collects them. A scorecard is appended to its
    session file the moment it is ready, so an interrupted batch loses at most the sessions in
    flight, and running it again scores only what is missing. `is_error` turns an exception into
    a per-session failure message (e.g. a provider error); anything else propagates. Each
    scorecard, new or on file, goes to `sink` as it is known.
    """
    outcome = BatchOutcome(sink=sink)
    todo = []
    for path in paths:
        card = None if rescore else scorecard_on_file(path, judge)
        if card is not None:
            outcome.add(path, card, new=False)
            if on_done:
                on_done(path, None)
        else:
            todo.append(path)
    if todo:
        asyncio.run(_run(todo, library, judge, concurrency, outcome, on_done, is_error))
    return outcome


async def _run(
    todo: Sequence[Path],
    library: Library,
    judge: Judge,
    concurrency: int,
    outcome: BatchOutcome,
    on_done: Callable[[Path, Scorecard | None], None] | None,
    is_error: Callable[[BaseException], str | None],
) -> None:
    limit = asyncio.Semaphore(concurrency)
    # A pool as wide as the limit: the default pool (cores + 4) would cap concurrency silently.
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mockloop-score")
    index = Index()

    def judged(path: Path) -> tuple[Transcript, Scorecard]:
        transcript = read_session(path).transcript
        return transcript, score_transcript(transcript, library, judge)

    def failure(exc: Exception) -> str | None:
        return str(exc) if isinstance(exc, SESSION_ERRORS) else is_error(exc)

    async def one(path: Path) -> None:
        async with limit:
            work = pool.submit(judged, path)
            try:
                try:
                    transcript, card = await asyncio.wrap_future(work)
                except asyncio.CancelledError:
                    if work.cancel():
                        raise  # Ctrl-C before it started: nothing was spent
                    # Ctrl-C while the judge runs: its work (and any model spend) is nearly
                    # done; wait for it and keep the scorecard, then stop.
                    transcript, card = await asyncio.wrap_future(work)
                    _save(path, transcript, card)
                    raise
            except Exception as exc:
                message = failure(exc)
                if message is None:
                    raise
                outcome.failed.append((path, message))
                if on_done:
                    on_done(path, None)
                return
        _save(path, transcript, card)

    def _save(path: Path, transcript: Transcript, card: Scorecard) -> None:
        # Saved on the event loop's thread, one at a time: workers only wait for the judge, and
        # the SQLite index never sees dozens of writers contending for its lock.
        save_scorecard(path, transcript, card, index)
        outcome.add(path, card, new=True)
        if on_done:
            on_done(path, card)

    try:
        async with asyncio.TaskGroup() as group:
            for path in todo:
                group.create_task(one(path))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
