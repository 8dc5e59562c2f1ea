"""`mockloop judge eval`: measure a judge on labelled answers before trusting it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockloop.cli.errors import ExitStatus, MockloopGroup, UserError
from mockloop.cli.options import ApiBaseOption, JsonOption, SamplesOption

if TYPE_CHECKING:
    from mockloop.judgeeval import EvalReport

app = typer.Typer(
    cls=MockloopGroup,
    help="Measure a judge (offline, or any litellm model) before trusting its scores.",
    no_args_is_help=True,
)

JudgeOption = Annotated[
    str | None,
    typer.Option(
        "--judge-model",
        metavar="MODEL",
        help="The judge to measure: a litellm model name, or offline "
        "(default: MOCKLOOP_JUDGE_MODEL / MOCKLOOP_MODEL, else offline).",
    ),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost", metavar="USD", min=0.0, help="Stop before a model call would spend more."
    ),
]
SHOWN_PASSES = 10  # adversarial passes listed in the human report; --json has them all
DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        metavar="FILE",
        dir_okay=False,
        help="Labelled answers as JSON lines (README: Judge eval); repeatable. "
        "Default: the banks' labelled samples and their adversarial answers.",
    ),
]
ExamplesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--examples",
        metavar="FILE",
        dir_okay=False,
        help="Labelled answers to the --data questions (same format), given to the judge as "
        "graded examples: the offline judge compares each answer with the nearest of them "
        "(10 or more per question), a model judge is shown the nearest of each band. "
        "Repeatable.",
    ),
]
FailUnderOption = Annotated[
    float | None,
    typer.Option(
        "--fail-under",
        metavar="X",
        min=-1.0,
        max=1.0,
        help="Exit 1 when the Spearman correlation with the labels is below X.",
    ),
]


@app.command(
    "eval",
    epilog="Example: mockloop judge eval --judge-model openai/gpt-4o-mini --fail-under 0.8",
)
def eval_command(
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    data: DataOption = None,
    examples: ExamplesOption = None,
    samples: SamplesOption = 1,
    json_output: JsonOption = False,
    fail_under: FailUnderOption = None,
    max_cost: MaxCostOption = None,
) -> None:
    """Score labelled answers with a judge and report its agreement with the labels, how often
    adversarial answers fool it, sample spread, verbatim quotes, false injection flags, tokens,
    cost and time."""
    from mockloop import runs
    from mockloop.cli.common import library, notify_stderr
    from mockloop.cli.context import environment
    from mockloop.evaldata import DataError, bank_items, load_data, load_examples
    from mockloop.judgeeval import evaluate

    env = environment(quiet=json_output)
    lib = library()
    if examples and not data:
        raise UserError("--examples: give the answers they are examples for with --data")
    try:
        graded = load_examples(examples) if examples else {}
        items = load_data(data, lib, graded) if data else bank_items(lib)
    except DataError as exc:
        raise UserError(str(exc)) from None
    config = env.settings(judge_model=judge_model, api_base=api_base, max_cost=max_cost)
    chosen = runs.judge(config, samples, on_notice=notify_stderr)
    with _progress(len(items), enabled=not json_output and sys.stderr.isatty()) as advance:
        report = evaluate(chosen, items, samples=samples, on_progress=advance)
    report = report.model_copy(update={"graded_examples": sum(map(len, graded.values()))})
    if fail_under is not None:
        value = report.main_value
        report = report.model_copy(
            update={"fail_under": fail_under, "passed": value is not None and value >= fail_under}
        )
    if json_output:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print(report)
    if report.passed is False:
        raise typer.Exit(ExitStatus.FAILED)


@contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress("Judging", *columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("judge", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _print(report: EvalReport) -> None:
    from rich.table import Table

    from mockloop.cli.context import environment

    terminal = environment().terminal
    info = report.judge
    engine = f"LLM judge {info.model}" if info.engine == "llm" else "offline key-point judge"
    terminal.out.print(f"Judge eval: {engine} (prompt {info.prompt_version})", style="bold")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for left, right in _rows(report):
        grid.add_row(left, right)
    terminal.out.print(grid)
    for failure in report.adversarial.passes[:SHOWN_PASSES]:
        terminal.out.print(
            f"  fooled by {failure.kind} ({failure.source}) on {failure.question_id}: "
            f"{failure.score:.2f} >= partial sample {failure.partial:.2f}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if len(report.adversarial.passes) > SHOWN_PASSES:
        more = len(report.adversarial.passes) - SHOWN_PASSES
        terminal.out.print(f"  ... and {more} more (all of them in --json)")
    for example in report.injection_false_flags.examples:
        terminal.out.print(
            f"  false injection flag: {example}", markup=False, highlight=False, soft_wrap=True
        )
    if report.passed is not None:
        verdict = "passed" if report.passed else "FAILED"
        terminal.out.print(
            f"Spearman {_fmt(report.main_value)} vs --fail-under {report.fail_under}: {verdict}"
        )


def _rows(report: EvalReport) -> list[tuple[str, str]]:
    a, adv, spread = report.agreement, report.adversarial, report.spread
    rows = [
        ("Labelled answers", str(a.answers)),
        *([("Graded examples", str(report.graded_examples))] if report.graded_examples else []),
        ("Spearman with labels", _fmt(a.spearman)),
        (f"ROC-AUC correct vs not ({a.roc_auc_answers})", _fmt(a.roc_auc)),
        (f"Quadratic weighted kappa, 1-5 ({a.qwk_answers})", _fmt(a.qwk)),
        ("Adversarial pass rate", f"{_pct(adv.pass_rate)} ({adv.passed} of {adv.answers})"),
    ]
    for kind, result in adv.by_kind.items():
        rows.append(
            (
                f"  {kind}",
                f"{result.passed} of {result.answers} pass, mean {_fmt(result.mean_score)}",
            )
        )
    if spread.criteria:
        spread_text = f"mean {_fmt(spread.mean_spread)}, max {spread.max_spread}, "
        spread_text += f"{spread.disagreements} of {spread.criteria} criteria spread >= 2"
    else:
        spread_text = "not measured (use --samples K > 1 with a model)"
    rows.append((f"Spread over {spread.samples} samples", spread_text))
    rates = [
        ("Verbatim quotes", report.verbatim_quotes),
        ("Injection false flags", report.injection_false_flags),
    ]
    if report.judge.engine == "llm":
        rates.append(("Scored offline (judge model failed)", report.fallbacks))
    for name, rate in rates:
        rows.append((name, f"{_pct(rate.rate)} ({rate.count} of {rate.total})"))
    cost = "unknown" if report.cost_usd is None else f"${report.cost_usd:.4f}"
    tokens = report.prompt_tokens + report.completion_tokens
    rows += [("Tokens, cost", f"{tokens:,}, {cost}"), ("Time", f"{report.seconds:.1f} s")]
    return rows


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
