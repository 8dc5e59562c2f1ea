"""`mockloop takehome list|start|check|submit`: the take-home practical, run on your own files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockloop.cli.errors import ExitStatus, MockloopGroup, UserError
from mockloop.cli.options import (
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
from mockloop.cli.sandboxing import RequireSandboxOption, sandbox_policy

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
    from rich.text import Text

    from mockloop.cli.common import library
    from mockloop.cli.context import environment
    from mockloop.models import Round

    lib = library()
    from mockloop.cli.question_list import short_title

    table = Table(expand=True)
    table.add_column("Brief", no_wrap=True)
    table.add_column("Title", ratio=1)
    table.add_column("Level", no_wrap=True)
    table.add_column("Time", no_wrap=True)
    for bank in lib.banks:
        if bank.round is Round.TAKEHOME:
            for q in bank.questions:
                hours = f"{q.time_limit // 3600}h" if q.time_limit >= 3600 else ""
                table.add_row(
                    q.id,
                    Text(short_title(q, 60)),
                    q.difficulty.value,
                    hours or f"{q.time_limit // 60} min",
                )
    environment().terminal.out.print(table)


@app.command(epilog="Example: mockloop takehome start th-rag-docs-qa ./rag-takehome")
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
    require_sandbox: RequireSandboxOption = False,
) -> None:
    """Run the visible tests; exit 0 when they all pass, 1 otherwise (handy in CI)."""
    from mockloop.takehome import run_tests

    sandbox_policy(require_sandbox)
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
    require_sandbox: RequireSandboxOption = False,
) -> None:
    """Run visible and hidden tests, collect your files, then a short design debrief and a score."""
    from mockloop import runs
    from mockloop.cli.common import prepare, run_and_report
    from mockloop.cli.context import environment
    from mockloop.cli.reporting import Report

    _, question = _brief(_workspace_brief(folder))
    env = environment(quiet=json_output)
    sandbox_policy(require_sandbox)
    options = runs.RunOptions(
        answers=answers,
        candidate_model=candidate_model,
        samples=samples,
        model=model,
        judge_model=judge_model,
        api_base=api_base,
    )
    prepared = prepare(options, env)
    path, test_runs = runs.submit_takehome(question, folder, prepared)
    terminal = env.terminal
    for run in test_runs:
        terminal.err.print(run.text)
    terminal.err.print("Debrief: the interviewer asks about your design choices.")
    run_and_report(path, prepared, env, Report(json_output, junit, fail_under), outcome="completed")
