"""`mockloop banks list|validate|show`: browse and check question banks and rubrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockloop.cli.errors import ExitStatus, MockloopGroup
from mockloop.cli.sandboxing import RequireSandboxOption
from mockloop.rounds import Round

app = typer.Typer(
    cls=MockloopGroup,
    help="Browse and validate question banks and rubrics.",
    no_args_is_help=True,
)


@app.command("list", epilog="Example: mockloop banks list --questions --round coding")
def list_banks(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the coverage table as markdown.")
    ] = False,
    questions: Annotated[
        bool,
        typer.Option(
            "--questions", help="List every question: id, round, topic, difficulty, title."
        ),
    ] = False,
    round_: Annotated[
        list[Round] | None,
        typer.Option("--round", "-r", metavar="ROUND", help="With --questions: only this round."),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", metavar="TOPIC", help="With --questions: only this topic."),
    ] = None,
) -> None:
    """Show rounds, topics and question counts by difficulty; --questions lists the ids."""
    from mockloop.cli.context import environment
    from mockloop.coverage import cached_coverage, coverage_markdown
    from mockloop.rounds import Difficulty

    out = environment().terminal.out
    if questions:
        from mockloop.cli.common import library
        from mockloop.cli.question_list import question_lines

        lines = question_lines(library(), round_ or [], topic or [], out.width)
        out.print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)
        return
    result = cached_coverage()
    if markdown:
        out.print(coverage_markdown(result), end="", markup=False, highlight=False, soft_wrap=True)
        return
    # Aligned text, not a rich Table: rendering 50+ rows through Table costs ~0.1 s of start-up.
    levels = [level.value for level in Difficulty]
    round_width = max(len("Round"), *(len(r.round.value) for r in result.rows))
    topic_width = max(len("Topic"), *(len(r.topic) for r in result.rows))
    counts = "".join(f"{name:>8}" for name in [*levels, "Total"])
    out.print(f"{result.questions} questions in {result.banks} banks", style="bold")
    out.print(f"{'Round':<{round_width}}  {'Topic':<{topic_width}}{counts}", style="bold")
    lines, previous = [], None
    for row in result.rows:
        shown = row.round.value if row.round is not previous else ""
        previous = row.round
        cells = "".join(f"{n:>8}" for n in [*row.per_difficulty, row.total])
        lines.append(f"{shown:<{round_width}}  {row.topic:<{topic_width}}{cells}")
    out.print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)


@app.command(epilog="Example: mockloop banks validate question_banks/my_bank.yaml")
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Bank or rubric files or folders. Default: the built-in ones."),
    ] = None,
) -> None:
    """Check banks and rubrics; print one line per problem; exit 1 if any file is bad."""
    from mockloop.bankvalidate import validate as check_files

    result = check_files(paths)
    for warning in result.warnings:
        typer.echo(str(warning), err=True)
    if result.problems:
        for problem in result.problems:
            typer.echo(str(problem), err=True)
        count = len({p.path for p in result.problems})
        typer.echo(f"{count} file(s) with problems ({len(result.problems)} in all).", err=True)
        raise typer.Exit(ExitStatus.FAILED)
    typer.echo(f"All {result.checked} file(s) valid.", err=True)


@app.command(epilog="Example: mockloop banks show sd-hybrid-search --reveal")
def show(
    question_id: Annotated[str, typer.Argument(help="A question id (see `banks list`).")],
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Also show key points, follow-ups and the answer.")
    ] = False,
) -> None:
    """Show one question; with --reveal, what a strong answer covers."""
    from rich.markdown import Markdown
    from rich.panel import Panel

    from mockloop.cli.common import library
    from mockloop.cli.context import environment
    from mockloop.cli.errors import UserError

    lib = library()
    try:
        question = lib.question(question_id)
    except KeyError:
        raise UserError(f"no question {question_id!r} (see `mockloop banks list`)") from None
    out = environment().terminal.out
    title = (
        f"{question.id} · {lib.round_of(question.id).value} · {question.topic} · "
        f"{question.difficulty.value} · {question.time_limit // 60} min"
    )
    out.print(Panel(Markdown(question.prompt), title=title, title_align="left"))
    if question.starter_code:
        out.print(Markdown(f"Starter code:\n\n```python\n{question.starter_code}\n```"))
    if not reveal:
        out.print("[dim]Use --reveal to see key points, follow-ups and the reference answer.[/dim]")
        return
    out.print("[bold]Key points[/bold]")
    for point in question.key_points:
        aliases = f" [dim](also: {', '.join(point.aliases)})[/dim]" if point.aliases else ""
        out.print(f"  • {point.text}{aliases}")
    if question.follow_ups:
        out.print("[bold]Follow-ups[/bold]")
        for follow_up in question.follow_ups:
            out.print(f"  • {follow_up.ask} [dim]({follow_up.probes})[/dim]")
    out.print(
        Panel(Markdown(question.reference_answer), title="Reference answer", title_align="left")
    )


@app.command(epilog="Example: mockloop banks check question_banks/coding_retrieval.yaml")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Bank files to check. Default: every bank in use."),
    ] = None,
    question_ids: Annotated[
        list[str] | None,
        typer.Option("--id", metavar="ID", help="Check only this question (repeatable)."),
    ] = None,
    no_code: Annotated[
        bool, typer.Option("--no-code", help="Skip running reference and starter code.")
    ] = False,
    require_sandbox: RequireSandboxOption = False,
) -> None:
    """Author checks: samples rank in order, adversarial answers stay below the partial sample."""
    from mockloop.bankcheck import check_question
    from mockloop.cli.sandboxing import sandbox_policy

    if not no_code:
        sandbox_policy(require_sandbox)
    from mockloop.cli.common import library
    from mockloop.cli.context import environment
    from mockloop.cli.errors import UserError
    from mockloop.content import ContentError, load_bank, load_library, requirements_met
    from mockloop.judges.keypoints import KeypointJudge
    from mockloop.paths import content_dirs, yaml_files

    if paths:
        try:
            extra = [p.resolve() for p in yaml_files(paths)]
            builtin = [p.resolve() for p in yaml_files(content_dirs("question_banks"))]
            lib = load_library([*builtin, *(p for p in extra if p not in builtin)])
            wanted = {load_bank(p).bank for p in extra}
        except ContentError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            raise typer.Exit(ExitStatus.FAILED) from None
        questions = [q for b in lib.banks if b.bank in wanted for q in b.questions]
    else:
        lib = library()
        questions = lib.questions
    if question_ids:
        unknown = set(question_ids) - {q.id for q in questions}
        if unknown:
            raise UserError(f"no question {sorted(unknown)[0]!r} in the banks checked")
        questions = [q for q in questions if q.id in question_ids]
    out = environment().terminal.out
    judge = KeypointJudge()
    failed = 0
    for question in questions:
        result = check_question(judge, lib, question, run_code=not no_code)
        scores = " ".join(f"{k} {v:.2f}" for k, v in result.sample_scores.items())
        skipped = (
            "" if requirements_met(question) else f" (code not run: needs {question.requires})"
        )
        mark = "[red]✗[/red]" if result.problems else "[green]✓[/green]"
        out.print(f"{mark} {question.id}  [dim]{scores}{skipped}[/dim]", highlight=False)
        for issue in result.problems:
            out.print(f"    {issue}", highlight=False, markup=False, soft_wrap=True)
        failed += bool(result.problems)
    out.print(f"{len(questions) - failed} of {len(questions)} question(s) pass.")
    if failed:
        raise typer.Exit(ExitStatus.FAILED)
