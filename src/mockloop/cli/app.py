"""The `mockloop` command: wires the command modules into one Typer app."""

from __future__ import annotations

from typing import Annotated

import typer

from mockloop import __version__
from mockloop.cli import banks, export, imports, interview, judge, progress, score, takehome
from mockloop.cli.context import begin
from mockloop.cli.errors import MockloopGroup

app = typer.Typer(
    name="mockloop",
    cls=MockloopGroup,
    help=(
        "Mock interviews for Generative-AI engineer roles, in your terminal.\n\n"
        "Runs the four-round loop (coding, LLM fundamentals, system design, take-home), "
        "follows up on your answers and scores them against rubrics. Works offline by default.\n\n"
        "Example: mockloop interview --round fundamentals --questions 3"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help costs ~0.2 s of imports on every --help.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mockloop {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show full tracebacks for errors (debugging).")
    ] = False,
) -> None:
    """Global options."""
    env = begin(ctx.obj)
    env.debug = env.debug or traceback


interview.register(app)
score.register(app)
export.register(app)
progress.register(app)
imports.register(app)
app.add_typer(banks.app, name="banks")
app.add_typer(takehome.app, name="takehome")
app.add_typer(judge.app, name="judge")


def main() -> None:
    """Console-script entry point."""
    app()
