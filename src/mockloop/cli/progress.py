"""`mockloop history`, `stats` and `drill`: progress over time and what to practise next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from mockloop.errors import UserError
from mockloop.rounds import ROUND_COLUMNS, ROUND_SHORT, ROUND_TITLES, Round

if TYPE_CHECKING:
    from mockloop.progress import Stats

# Narrow headers so that a session with all four rounds fits an 80-column terminal.
SHORT_ROUND = {r.value: name for r, name in ROUND_SHORT.items()}


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command(epilog="Example: mockloop history --limit 10")(history)
    # The first name of this command; kept so scripts that used it keep working.
    app.command("sessions", hidden=True, epilog="Example: mockloop sessions --limit 10")(history)
    app.command(epilog="Example: mockloop stats --last 20 --plot progress.png")(stats)
    app.command(epilog="Example: mockloop drill --questions 5 --list")(drill)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def history(
    limit: Annotated[
        int, typer.Option(min=1, metavar="N", help="How many to show, newest first.")
    ] = 20,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Rebuild the index from the session files first.")
    ] = False,
) -> None:
    """Past sessions: date, rounds, engine, judge, overall and per-round scores."""
    from rich import box
    from rich.table import Table

    from mockloop.cli.context import environment
    from mockloop.progress import history as load_history
    from mockloop.store import Index, session_files
    from mockloop.store import reindex as rebuild

    terminal = environment().terminal
    index = Index()
    if reindex:
        terminal.note(f"Re-indexed {rebuild(index)} session file(s).")
    rows = load_history(index, limit)
    if not rows and session_files():  # transcripts the index does not know (copied in by hand)
        terminal.note(f"Re-indexed {rebuild(index)} session file(s) the index did not list.")
        rows = load_history(index, limit)
    if not rows:
        terminal.err.print("No sessions yet. Start one with `mockloop interview`.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    # Ids, dates and scores must stay whole to be copied and compared; engines may wrap.
    table.add_column("Session", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Engine (judge)", overflow="fold")
    for round_ in Round:
        table.add_column(ROUND_COLUMNS[round_], justify="right", no_wrap=True)
    table.add_column("All", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for row in rows:
        # A round played but with every question skipped has no score: it says so, not blank.
        per_round = [
            ("·" if r.value not in row.rounds else _score(row.per_round.get(r.value)) or "skip")
            for r in Round
        ]
        judge = "offline" if row.judge in (None, "keypoints") else row.judge
        engine = row.engine if judge == row.engine else f"{row.engine} ({judge})"
        table.add_row(
            row.session_id,
            f"{row.started_at:%m-%d %H:%M}",
            engine,
            *per_round,
            _score(row.overall),
            "done" if row.ended else "resumable",
        )
    terminal.out.print(table)


def stats(
    last: Annotated[int, typer.Option(min=2, metavar="N", help="Sessions in the trend.")] = 10,
    plot: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            metavar="FILE",
            help="Also draw the trend to a PNG (needs mockloop[plot]).",
        ),
    ] = None,
) -> None:
    """Averages per round and topic, the trend over recent sessions, and the weakest topics."""
    from rich import box
    from rich.table import Table

    from mockloop.cli.context import environment
    from mockloop.progress import sparkline
    from mockloop.progress import stats as compute
    from mockloop.store import Index

    terminal = environment().terminal
    result = compute(Index(), last)
    if not result.topics:
        terminal.err.print("No scored sessions yet. Start one with `mockloop interview`.")
        return
    out = terminal.out
    scores = [score for _, score in result.trend]
    out.print(f"[bold]{result.sessions} scored session(s)[/bold]")
    if scores:
        out.print(
            f"Trend, last {len(scores)}: {sparkline(scores)}  "
            f"{scores[0]:.2f} → {scores[-1]:.2f} (1-5 scale)"
        )
    rounds = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Per round")
    rounds.add_column("Round")
    rounds.add_column("Average", justify="right")
    rounds.add_column("Trend (oldest → latest)")
    for round_ in Round:
        if round_.value in result.per_round:
            recent = result.round_trends.get(round_.value, [])
            shown = f"{sparkline(recent)}  {recent[-1]:.2f}" if recent else ""
            rounds.add_row(ROUND_TITLES[round_], f"{result.per_round[round_.value]:.2f}", shown)
    out.print(rounds)
    topics = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Per topic")
    for name in ("Round", "Topic", "Average", "Questions", "Last seen"):
        topics.add_column(name, justify="right" if name in ("Average", "Questions") else "left")
    for stat in sorted(result.topics, key=lambda t: (t.round, t.topic)):
        topics.add_row(
            SHORT_ROUND[stat.round],
            stat.topic,
            f"{stat.mean:.2f}",
            str(stat.answered),
            f"{stat.last_seen:%Y-%m-%d}",
        )
    out.print(topics)
    weakest = ", ".join(
        f"{t.topic} ({t.round.replace('_', ' ')}, {t.mean:.2f})" for t in result.weakest()
    )
    out.print(f"Weakest topics: {weakest}. Practise them with `mockloop drill`.")
    if plot is not None:
        _plot(result, plot)
        terminal.note(f"Wrote {plot}")


def _plot(result: Stats, path: Path) -> None:
    """The trend as a PNG: overall and per-round score per session, dated, on the 1-5 scale."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed, and no GUI toolkit is imported
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("--plot needs matplotlib: pip install 'mockloop[plot]'") from None
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    figure, axes = plt.subplots(figsize=(8, 3.5), dpi=100)
    values = [score for _, score in result.trend]
    axes.plot(
        _days(result.trend_dates), values, marker="o", linewidth=2.5, label="Overall", zorder=3
    )
    for round_ in Round:
        points = result.round_points.get(round_.value, [])
        if points:
            dates, scores = zip(*points, strict=True)
            axes.plot(
                _days(dates), scores, marker=".", linewidth=1, label=SHORT_ROUND[round_.value]
            )
    # A little room above 5 and below 1, so a perfect score is not drawn on the border.
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_ylabel("Score (1-5)")
    axes.set_title("mockloop: score per session, overall and per round")
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise UserError(f"{path}: cannot write the plot: {exc.strerror}") from None
    finally:
        plt.close(figure)


def _days(dates: Sequence[datetime]) -> list[float]:
    """Dates as matplotlib's default date numbers: days since 1970-01-01 UTC."""
    return [date.timestamp() / 86400 for date in dates]


def drill(
    round_: Annotated[
        list[Round] | None,
        typer.Option(
            "--round",
            "-r",
            metavar="ROUND",
            help="Rounds to draw from (repeatable). Default: all but takehome.",
        ),
    ] = None,
    questions: Annotated[
        int,
        typer.Option(
            "--questions", "-n", metavar="N", min=1, max=50, help="Questions in the drill."
        ),
    ] = 5,
    list_only: Annotated[
        bool, typer.Option("--list", help="Only show the practice set and why, then stop.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option(metavar="SEED", help="Seed for ties among new questions.")
    ] = None,
    answers: AnswersOption = None,
    json_output: JsonOption = False,
    no_timer: NoTimerOption = False,
    model: ModelOption = None,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    max_cost: MaxCostOption = None,
    samples: SamplesOption = 1,
    candidate_model: CandidateModelOption = None,
    junit: JunitOption = None,
    fail_under: FailUnderOption = None,
) -> None:
    """Practise what needs it: questions due again (spaced repetition) and weak topics first."""
    from mockloop import runs
    from mockloop.cli.common import library, prepare, run_and_report
    from mockloop.cli.context import environment
    from mockloop.cli.reporting import Report
    from mockloop.drill import plan_drill
    from mockloop.store import Index

    lib = library()
    env = environment(quiet=json_output)
    rounds = list(dict.fromkeys(round_ or [r for r in Round if r is not Round.TAKEHOME]))
    attempts = runs.drill_attempts(Index())
    picks = plan_drill(
        lib, attempts, now=datetime.now(UTC), count=questions, rounds=rounds, seed=seed
    )
    if not picks:
        raise UserError("nothing is due and every question has been seen; come back tomorrow")
    if list_only or not json_output:
        # The list is the output of --list (stdout, pipeable); before a drill it is a note.
        console = env.terminal.out if list_only else env.terminal.err
        for number, pick in enumerate(picks, 1):
            console.print(
                f"{number}. {pick.question_id} [dim]({SHORT_ROUND[pick.round.value]}, "
                f"{pick.reason})[/dim]",
                highlight=False,
            )
    if list_only:
        env.terminal.out.print(
            "[dim]Practise one: mockloop interview --question ID[/dim]", highlight=False
        )
        return
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
    path = runs.start_drill(
        lib, prepared, [(p.round, p.question_id) for p in picks], timer=not no_timer
    )
    run_and_report(path, prepared, env, Report(json_output, junit, fail_under), outcome="completed")
