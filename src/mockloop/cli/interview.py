"""`mockloop interview` and `mockloop resume`: parse options, run the session, show the card."""

from __future__ import annotations

from typing import Annotated

import typer

from mockloop.cli.options import (
    AnswersOption,
    ApiBaseOption,
    CandidateModelOption,
    FailUnderOption,
    JsonOption,
    JudgeOption,
    JunitOption,
    MaxCostOption,
    ModelOption,
    NoTimerOption,
    SamplesOption,
)
from mockloop.cli.sandboxing import RequireSandboxOption, sandbox_policy
from mockloop.rounds import Difficulty, Round


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command(epilog="Example: mockloop interview --round fundamentals --questions 3 --seed 7")(
        interview
    )
    app.command(epilog="Example: mockloop resume 2026-11-22-a1b2")(resume)


def interview(
    round_: Annotated[
        list[Round] | None,
        typer.Option(
            "--round",
            "-r",
            metavar="ROUND",
            help="coding, fundamentals, system_design or takehome (repeatable). Default: all four.",
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", metavar="TOPIC", help="Only questions of this topic."),
    ] = None,
    difficulty: Annotated[
        Difficulty | None, typer.Option(metavar="LEVEL", help="easy, medium or hard.")
    ] = None,
    questions: Annotated[
        int | None,
        typer.Option("--questions", "-n", metavar="N", min=1, help="Questions per round."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="SEED", help="Seed for reproducible selection.")
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            "-q",
            metavar="ID",
            help="Ask exactly this question (repeatable; ids: `mockloop banks list --questions`).",
        ),
    ] = None,
    answers: AnswersOption = None,
    json_output: JsonOption = False,
    no_timer: NoTimerOption = False,
    time_scale: Annotated[
        float,
        typer.Option(min=0.01, metavar="X", help="Multiply every time limit (0.5 halves them)."),
    ] = 1.0,
    model: ModelOption = None,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    max_cost: MaxCostOption = None,
    samples: SamplesOption = 1,
    candidate_model: CandidateModelOption = None,
    junit: JunitOption = None,
    fail_under: FailUnderOption = None,
    require_sandbox: RequireSandboxOption = False,
) -> None:
    """Run a mock interview: questions, follow-ups, then a scorecard.

    Every answer is saved as you go; quit at any time and `mockloop resume` later.
    """
    from mockloop import runs
    from mockloop.cli.common import library, prepare, run_and_report, welcome
    from mockloop.cli.context import environment
    from mockloop.cli.reporting import Report
    from mockloop.errors import UserError
    from mockloop.store import read_session

    env = environment(quiet=json_output)
    sandbox_policy(require_sandbox)
    options = runs.RunOptions(
        answers=answers,
        candidate_model=candidate_model,
        samples=samples,
        model=model,
        judge_model=judge_model,
        api_base=api_base,
        max_cost=max_cost,
    )
    # Everything that can be wrong with the input is checked before a session file exists.
    prepared = prepare(options, env)
    lib = library()
    if question:
        if round_ or topic or difficulty or questions:
            raise UserError("use --question or --round/--topic/--difficulty/-n, not both")
        picks = runs.question_picks(lib, question)
        path = runs.start_drill(lib, prepared, picks, timer=not no_timer)
    else:
        path = runs.start_interview(
            lib,
            prepared,
            round_ or list(Round),
            topics=topic or (),
            difficulty=difficulty,
            count=questions,
            seed=seed,
            time_scale=time_scale,
            timer=not no_timer,
        )
    if env.terminal.interactive and not options.scripted:
        welcome(env.terminal, read_session(path).transcript.session)
    run_and_report(path, prepared, env, Report(json_output, junit, fail_under), outcome="completed")


def resume(
    session: Annotated[
        str | None, typer.Argument(help="Session id, id prefix or path. Default: the latest.")
    ] = None,
    answers: AnswersOption = None,
    json_output: JsonOption = False,
    model: ModelOption = None,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    max_cost: MaxCostOption = None,
    samples: SamplesOption = 1,
    candidate_model: CandidateModelOption = None,
    junit: JunitOption = None,
    fail_under: FailUnderOption = None,
    require_sandbox: RequireSandboxOption = False,
) -> None:
    """Continue an unfinished session where it stopped, with the time that was left."""
    from mockloop import runs
    from mockloop.cli.common import prepare, run_and_report
    from mockloop.cli.context import environment
    from mockloop.cli.reporting import Report

    path = runs.resumable(session)
    env = environment(quiet=json_output)
    sandbox_policy(require_sandbox)
    options = runs.RunOptions(
        answers=answers,
        candidate_model=candidate_model,
        samples=samples,
        model=model,
        judge_model=judge_model,
        api_base=api_base,
        max_cost=max_cost,
    )
    prepared = prepare(options, env)
    run_and_report(path, prepared, env, Report(json_output, junit, fail_under), outcome="completed")
