"""`mockloop score`: (re-)score saved transcripts, one or many, concurrently and resumably."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockloop.cli.options import (
    ApiBaseOption,
    FailUnderOption,
    JsonOption,
    JudgeOption,
    JunitOption,
    SamplesOption,
)
from mockloop.cli.reporting import BatchReport, Report, report_scorecard
from mockloop.errors import ExitStatus, UserError

if TYPE_CHECKING:
    from rich.progress import Progress

    from mockloop.batch import BatchOutcome, CardSink
    from mockloop.content import Library
    from mockloop.ports import Judge
    from mockloop.tui.terminal import Terminal


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        epilog="Example: mockloop score 2026-11-22-a1b2 --json · "
        "Example: mockloop score --all --concurrency 8 --junit scores.xml"
    )(score)


def score(
    transcripts: Annotated[
        list[str] | None,
        typer.Argument(help="Session ids, id prefixes, .jsonl files or folders of them."),
    ] = None,
    all_sessions: Annotated[
        bool, typer.Option("--all", help="Every finished session in MOCKLOOP_HOME.")
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", "-j", metavar="N", min=1, max=256, help="Sessions scored at once."
        ),
    ] = 1,
    rescore: Annotated[
        bool,
        typer.Option("--rescore", help="Score again sessions this judge has already scored."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            metavar="N",
            min=1,
            max=256,
            help="Processes for offline (key-point) scoring; default: every core.",
        ),
    ] = None,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send the judge requests as a provider batch (about half price, answered "
            "within 24 h); the same command again resumes or collects it.",
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="With --batch: wait for the batch and collect it.")
    ] = False,
    json_output: JsonOption = False,
    junit: JunitOption = None,
    fail_under: FailUnderOption = None,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    samples: SamplesOption = 1,
) -> None:
    """Score saved sessions again, after editing rubrics say; each scorecard is appended.

    One session is always scored. With several (or --all), sessions the same judge has already
    scored are skipped, so an interrupted batch picks up where it stopped; --rescore forces.
    """
    from mockloop import runs
    from mockloop.cli.common import library, notify_stderr
    from mockloop.cli.context import environment

    paths = runs.collect_sessions(transcripts or [], all_sessions)
    lib = library()
    env = environment(quiet=json_output)
    settings = env.settings(judge_model=judge_model, api_base=api_base)
    chosen = runs.judge(settings, samples, on_notice=notify_stderr)
    report = Report(json_output, junit, fail_under)
    terminal = env.terminal
    # Option mistakes first (they need no network), then whether the model can work at all.
    if wait and not batch:
        raise UserError("--wait goes with --batch")
    workers = 1 if batch else _workers(chosen, jobs)
    if batch:
        from mockloop.cli.batchscore import batch_client

        batch_client(chosen)
    runs.preflight(settings)
    if len(paths) == 1 and not all_sessions and not batch:
        card = runs.score(paths[0], lib, chosen)
        report_scorecard(card, paths[0], lib, terminal, report, outcome="scored")
        return
    outcome: BatchOutcome
    stream = BatchReport(report, terminal)  # each scorecard is reported as it is known
    try:
        if batch:
            from mockloop.cli.batchscore import score_provider_batch

            outcome = score_provider_batch(
                paths, lib, chosen, terminal, rescore=rescore, wait=wait, sink=stream
            )
        else:
            outcome = _score_batch(
                paths, lib, chosen, terminal, concurrency=concurrency, rescore=rescore,
                jobs=workers, sink=stream,
            )  # fmt: skip
    finally:
        stream.close()
    _report_batch(outcome, terminal, stream)


def _score_batch(
    paths: list[Path],
    lib: Library,
    chosen: Judge,
    terminal: Terminal,
    *,
    concurrency: int,
    rescore: bool,
    jobs: int = 1,
    sink: CardSink | None = None,
) -> BatchOutcome:

    from mockloop.batch import score_many
    from mockloop.batchpool import score_parallel

    started = time.perf_counter()
    show = terminal.interactive and not terminal.plain and not terminal.err.quiet
    progress = progress_bar(terminal, show=show)
    with progress:
        task = progress.add_task("Scoring", total=len(paths))
        advance = lambda _path, _card: progress.advance(task)  # noqa: E731
        try:
            if jobs > 1:
                outcome = score_parallel(
                    paths, lib, chosen, jobs=jobs, rescore=rescore, on_done=advance, sink=sink
                )
            else:
                outcome = score_many(
                    paths,
                    lib,
                    chosen,
                    concurrency=concurrency,
                    rescore=rescore,
                    on_done=advance,
                    is_error=_provider_error,
                    sink=sink,
                )
        except KeyboardInterrupt:
            terminal.err.print(
                "\nInterrupted. Every scorecard finished so far is saved; run the same command "
                "again to score the rest."
            )
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
    spent = time.perf_counter() - started
    terminal.note(
        f"Scored {len(outcome.scored)}, skipped {len(outcome.skipped)} already scored by this "
        f"judge, {len(outcome.failed)} failed, in {spent:.1f} s "
        + (f"({jobs} processes)." if jobs > 1 else f"(concurrency {concurrency}).")
    )
    return outcome


def progress_bar(terminal: Terminal, *, show: bool) -> Progress:
    """The batch commands' progress bar on stderr, drawn only where a person can see it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=terminal.err,
        disable=not show,
        transient=True,
    )


def _workers(chosen: Judge, jobs: int | None) -> int:
    """Processes for offline scoring; a model judge waits on the network, not the CPU."""
    from mockloop.batchpool import default_jobs

    if chosen.info.engine == "llm":
        if jobs is not None:
            raise UserError("--jobs is for offline scoring; a model judge uses --concurrency N")
        return 1
    return default_jobs() if jobs is None else jobs


def _provider_error(exc: BaseException) -> str | None:
    """A model failure fails one session of a batch, not the batch."""
    from mockloop.llm.errors import LLMError

    return exc.summary if isinstance(exc, LLMError) else None


def _report_batch(outcome: BatchOutcome, terminal: Terminal, stream: BatchReport) -> None:
    """After the stream of scorecards: failures, the table, --fail-under and the exit status."""
    from rich import box
    from rich.table import Table

    # A rerun after an interrupt, or `score --all` over sessions scored at interview time,
    # skips most sessions: CI must still see, and gate on, all of them (the stream had them).
    for path, message in outcome.failed:
        terminal.err.print(f"{path.stem}: {message}", markup=False)
    if stream.rows:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("Session", no_wrap=True)
        table.add_column("Overall", justify="right")
        for session, shown in sorted(stream.rows):
            table.add_row(session, shown)
        terminal.out.print(table)
    fail_under = stream.report.fail_under
    if stream.below and fail_under is not None:
        terminal.err.print(f"{stream.below} session(s) below --fail-under {fail_under:.2f}.")
    if stream.below or outcome.failed:
        raise typer.Exit(ExitStatus.FAILED)
