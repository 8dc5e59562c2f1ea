"""`mockloop takehome list|start|check|submit`: the take-home practical, run on your own files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockloop.cli.errors import ExitStatus, MockloopGroup, UserError
from mockloop.cli.interview import (
    AnswersOption,
    ApiBaseOption,
    CandidateModelOption,
    FailUnderOption,
    JsonOption,
    JudgeOption,
    JunitOption,
    ModelOption,
    SamplesOption,
)

app = typer.Typer(
    cls=MockloopGroup,
    help="The take-home practical: start a brief, check it, submit it for review and a debrief.",
    no_args_is_help=True,
)


def _brief(brief_id: str):  # type: ignore[no-untyped-def]
    from mockloop.cli.common import library
    from mockloop.takehome import TakehomeError, brief

    lib = library()
    try:
        return lib, brief(lib, brief_id)
    except TakehomeError as exc:
        raise UserError(str(exc)) from None


def _workspace_brief(folder: Path) -> str:
    from mockloop.takehome import TakehomeError, workspace_brief

    try:
        return workspace_brief(folder)
    except TakehomeError as exc:
        raise UserError(str(exc)) from None


@app.command("list", epilog="Example: mockloop takehome list")
def list_briefs() -> None:
    """Show the take-home briefs."""
    from rich.table import Table

    from mockloop.cli.common import library
    from mockloop.models import Round
    from mockloop.tui.terminal import Terminal

    lib = library()
    table = Table("Brief", "Topic", "Difficulty", "Time")
    for bank in lib.banks:
        if bank.round is Round.TAKEHOME:
            for q in bank.questions:
                table.add_row(
                    q.id,
                    q.topic,
                    q.difficulty.value,
                    f"{q.time_limit // 3600}h"
                    if q.time_limit >= 3600
                    else f"{q.time_limit // 60} min",
                )
    Terminal.create().out.print(table)


@app.command(epilog="Example: mockloop takehome start takehome-rag-docs ./rag-takehome")
def start(
    brief_id: Annotated[str, typer.Argument(metavar="BRIEF", help="A brief id (see `list`).")],
    folder: Annotated[Path | None, typer.Argument(metavar="DIR", help="Default: ./BRIEF")] = None,
) -> None:
    """Write the brief's starter workspace into a new folder."""
    from mockloop.takehome import TakehomeError
    from mockloop.takehome import start as write_workspace

    _, question = _brief(brief_id)
    target = folder or Path(brief_id)
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} is a file, not a folder; choose a new folder")
    try:
        written = write_workspace(question, target)
    except TakehomeError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        where = exc.filename or target
        raise UserError(f"{where}: cannot write the workspace ({exc.strerror})") from None
    typer.echo(f"Wrote {len(written)} files to {target}. Read {target / 'README.md'} to begin.")
    typer.echo(f"Then: mockloop takehome check {target}   and   mockloop takehome submit {target}")


@app.command(epilog="Example: mockloop takehome check ./rag-takehome")
def check(
    folder: Annotated[Path, typer.Argument(metavar="DIR", exists=True, file_okay=False)],
) -> None:
    """Run the visible tests; exit 0 when they all pass, 1 otherwise (handy in CI)."""
    from mockloop.takehome import run_tests

    _, question = _brief(_workspace_brief(folder))
    summary = run_tests(question, folder, "visible")
    typer.echo(summary.text)
    if summary.total == 0 or summary.passed < summary.total:
        raise typer.Exit(ExitStatus.FAILED)


@app.command(epilog="Example: mockloop takehome submit ./rag-takehome --answers debrief.yaml")
def submit(
    folder: Annotated[Path, typer.Argument(metavar="DIR", exists=True, file_okay=False)],
    answers: AnswersOption = None,
    json_output: JsonOption = False,
    model: ModelOption = None,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    samples: SamplesOption = 1,
    candidate_model: CandidateModelOption = None,
    junit: JunitOption = None,
    fail_under: FailUnderOption = None,
) -> None:
    """Run visible and hidden tests, collect your files, then a short design debrief and a score."""
    from mockloop.cli.common import interviewer
    from mockloop.cli.interview import Report, prepare_run
    from mockloop.sessions import start_session
    from mockloop.store import SessionWriter
    from mockloop.takehome import collect, record_submission, run_tests, submission_session

    _, question = _brief(_workspace_brief(folder))
    prepared = prepare_run(
        answers=answers,
        candidate_model=candidate_model,
        report=Report(json_output, junit, fail_under),
        samples=samples,
        model=model,
        judge_model=judge_model,
        api_base=api_base,
    )
    terminal = prepared.terminal
    runs = [run_tests(question, folder, label) for label in ("visible", "hidden")]
    for run in runs:
        terminal.err.print(run.text)
    interviewer_name = interviewer(prepared.config).name
    path = start_session(submission_session(question, folder, interviewer_name))
    with SessionWriter(path) as writer:
        record_submission(writer, question, collect(folder), runs)
    terminal.err.print("Debrief: the interviewer asks about your design choices.")
    prepared.run(path)
