"""`mockloop history`, `stats` and `drill`: progress over time and what to practise next."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockloop.cli.errors import UserError
from mockloop.cli.interview import (
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
    Report,
    SamplesOption,
    prepare_run,
)
from mockloop.rounds import ROUND_TITLES, Round

if TYPE_CHECKING:
    from mockloop.progress import Stats

# Narrow headers so that a session with all four rounds fits an 80-column terminal.
ROUND_COLUMNS = {"coding": "Code", "fundamentals": "Fund", "system_design": "SD", "takehome": "TH"}
SHORT_ROUND = {
    "coding": "code",
    "fundamentals": "fund",
    "system_design": "design",
    "takehome": "take-home",
}


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

    from mockloop.progress import history as load_history
    from mockloop.store import Index, session_files
    from mockloop.store import reindex as rebuild
    from mockloop.tui.terminal import Terminal

    terminal = Terminal.create()
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
        table.add_column(ROUND_COLUMNS[round_.value], justify="right", no_wrap=True)
    table.add_column("All", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for row in rows:
        per_round = [
            _score(row.per_round.get(r.value)) if r.value in row.rounds else "·" for r in Round
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

    from mockloop.progress import sparkline
    from mockloop.progress import stats as compute
    from mockloop.store import Index
    from mockloop.tui.terminal import Terminal

    terminal = Terminal.create()
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
    weakest = ", ".join(f"{t.topic} ({t.mean:.2f})" for t in result.weakest())
    out.print(f"Weakest topics: {weakest}. Practise them with `mockloop drill`.")
    if plot is not None:
        _plot(result, plot)
        terminal.note(f"Wrote {plot}")


def _plot(result: Stats, path: Path) -> None:
    """The trend as a PNG: overall score per session, 1-5."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed, and no GUI toolkit is imported
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("--plot needs matplotlib: pip install 'mockloop[plot]'") from None
    labels = [session_id for session_id, _ in result.trend]
    values = [score for _, score in result.trend]
    figure, axes = plt.subplots(figsize=(8, 3.5), dpi=100)
    axes.plot(range(len(values)), values, marker="o")
    axes.set_ylim(1, 5)
    axes.set_ylabel("Overall score (1-5)")
    axes.set_title("mockloop: overall score per session")
    axes.set_xticks(range(len(values)), labels, rotation=30, ha="right", fontsize=7)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise UserError(f"{path}: cannot write the plot: {exc.strerror}") from None
    finally:
        plt.close(figure)


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
    from mockloop.cli.common import interviewer, library
    from mockloop.drill import Attempt, plan_drill
    from mockloop.engine import drill_session
    from mockloop.sessions import start_session
    from mockloop.store import Index
    from mockloop.tui.terminal import Terminal

    lib = library()
    rounds = list(dict.fromkeys(round_ or [r for r in Round if r is not Round.TAKEHOME]))
    attempts = [
        Attempt(r["question_id"], r["topic"], r["overall"], datetime.fromisoformat(r["scored_at"]))
        for r in Index().latest_question_scores()
    ]
    picks = plan_drill(
        lib, attempts, now=datetime.now(UTC), count=questions, rounds=rounds, seed=seed
    )
    if not picks:
        raise UserError("nothing is due and every question has been seen; come back tomorrow")
    if list_only or not json_output:
        terminal = Terminal.create()
        for number, pick in enumerate(picks, 1):
            terminal.err.print(
                f"{number}. {pick.question_id} [dim]({SHORT_ROUND[pick.round.value]}, "
                f"{pick.reason})[/dim]",
                highlight=False,
            )
    if list_only:
        return
    prepared = prepare_run(
        answers=answers,
        candidate_model=candidate_model,
        report=Report(json_output, junit, fail_under),
        samples=samples,
        model=model,
        judge_model=judge_model,
        api_base=api_base,
        max_cost=max_cost,
    )
    info = drill_session(
        lib,
        [(p.round, p.question_id) for p in picks],
        interviewer=interviewer(prepared.config).name,
        timer=not no_timer,
    )
    prepared.run(start_session(info))
