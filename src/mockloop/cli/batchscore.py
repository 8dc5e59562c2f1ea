"""`mockloop score --batch`: the judge requests of many sessions as provider batches."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mockloop.errors import ExitStatus, UserError

if TYPE_CHECKING:
    from mockloop.batch import CardSink
    from mockloop.batchjobs import ProviderOutcome
    from mockloop.content import Library
    from mockloop.judges.llm import LLMJudge
    from mockloop.llm.batches import BatchClient
    from mockloop.ports import Judge
    from mockloop.tui.terminal import Terminal


def batch_judge(chosen: Judge) -> LLMJudge:
    """The judge of a --batch run: a model judge, or a one-line error."""
    from mockloop.judges.llm import LLMJudge

    if not isinstance(chosen, LLMJudge):
        raise UserError(
            "--batch sends judge requests to a model provider: set --judge-model "
            "(offline key-point scoring uses --jobs N instead)"
        )
    return chosen


def batch_client(chosen: Judge) -> BatchClient:
    """The provider's files and batches API for this judge; a provider without one is an error."""
    from mockloop.llm.batches import BatchClient

    return BatchClient(batch_judge(chosen).gateway.settings)


def score_provider_batch(
    paths: list[Path],
    lib: Library,
    chosen: Judge,
    terminal: Terminal,
    *,
    rescore: bool,
    wait: bool,
    sink: CardSink | None = None,
) -> ProviderOutcome:
    """Submit or resume this judge's batches; collect those that are done (all, with --wait)."""
    from mockloop.batchcollect import run_batches
    from mockloop.batchjobs import BatchJobs
    from mockloop.cli.score import progress_bar

    jobs = BatchJobs(lib, batch_judge(chosen), batch_client(chosen))
    show = wait and terminal.interactive and not terminal.plain and not terminal.err.quiet
    progress = progress_bar(terminal, show=show)
    with progress:
        task = progress.add_task("Batch requests answered", total=None)
        try:
            outcome = run_batches(
                jobs,
                paths,
                rescore=rescore,
                wait=wait,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                sink=sink,
            )
        except KeyboardInterrupt:
            terminal.err.print(
                "\nInterrupted. The batch is stored in the index; run the same command again to "
                "pick it up (nothing is sent twice)."
            )
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
    _note(outcome, terminal)
    return outcome


def _note(outcome: ProviderOutcome, terminal: Terminal) -> None:
    for batch_id, state in outcome.pending:
        terminal.note(
            f"Batch {batch_id}: {state.status}, {state.completed + state.failed}/{state.total} "
            "requests answered. Run the same command to collect it (add --wait to wait)."
        )
    repaired = f", {outcome.repaired} repaired live" if outcome.repaired else ""
    terminal.note(
        f"Scored {len(outcome.scored)}, skipped {len(outcome.skipped)} already scored by this "
        f"judge, {len(outcome.failed)} failed{repaired}"
        + (f"; batch cost ${outcome.cost_usd:.4f}." if outcome.cost_usd else ".")
    )
