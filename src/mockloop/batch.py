"""Score many saved sessions concurrently, resumably: each scorecard is on disk when it is done."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mockloop.content import Library
from mockloop.models import JudgeInfo, Scorecard, Transcript
from mockloop.ports import Judge
from mockloop.scoring import score_transcript
from mockloop.sessions import save_scorecard
from mockloop.store import Index, StoreError, read_session


@dataclass
class BatchOutcome:
    """What a batch did: scored, skipped (already scored by this judge), failed with a reason."""

    scored: list[tuple[Path, Scorecard]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def same_judge(a: JudgeInfo, b: JudgeInfo) -> bool:
    """Two scorecards come from the same judge: engine, model and prompt version."""
    return (a.engine, a.model, a.prompt_version) == (b.engine, b.model, b.prompt_version)


def already_scored(path: Path, judge: Judge) -> bool:
    """True when the session's file holds a scorecard from this judge (how a batch resumes)."""
    try:
        cards = read_session(path).scorecards
    except StoreError:
        return False
    return any(same_judge(card.judge, judge.info) for card in cards)


def score_many(
    paths: Sequence[Path],
    library: Library,
    judge: Judge,
    *,
    concurrency: int,
    rescore: bool = False,
    on_done: Callable[[Path, Scorecard | None], None] | None = None,
    is_error: Callable[[BaseException], str | None] = lambda exc: None,
) -> BatchOutcome:
    """Score each session at most `concurrency` at a time; skip those this judge already scored.

    Judges are synchronous (litellm's blocking client, or CPU-bound key-point scoring), so each
    runs on a worker thread; asyncio bounds and collects them. A scorecard is appended to its
    session file the moment it is ready, so an interrupted batch loses at most the sessions in
    flight, and running it again scores only what is missing. `is_error` turns an exception into
    a per-session failure message (e.g. a provider error); anything else propagates.
    """
    outcome = BatchOutcome()
    todo = []
    for path in paths:
        if not rescore and already_scored(path, judge):
            outcome.skipped.append(path)
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
    loop = asyncio.get_running_loop()
    # A pool as wide as the limit: the default pool (cores + 4) would cap concurrency silently.
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mockloop-score")
    index = Index()

    def judged(path: Path) -> tuple[Transcript, Scorecard]:
        transcript = read_session(path).transcript
        return transcript, score_transcript(transcript, library, judge)

    async def one(path: Path) -> None:
        async with limit:
            try:
                transcript, card = await loop.run_in_executor(pool, judged, path)
            except Exception as exc:
                message = is_error(exc)
                if message is None:
                    raise
                outcome.failed.append((path, message))
                return
        # Saved on the event loop's thread, one at a time: workers only wait for the judge, and
        # the SQLite index never sees dozens of writers contending for its lock.
        save_scorecard(path, transcript, card, index)
        outcome.scored.append((path, card))
        if on_done:
            on_done(path, card)

    try:
        async with asyncio.TaskGroup() as group:
            for path in todo:
                group.create_task(one(path))
    finally:
        # On Ctrl-C, queued sessions never start; the ones in flight finish and are saved.
        pool.shutdown(wait=True, cancel_futures=True)
