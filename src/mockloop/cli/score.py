"""`mockloop score`: (re-)score a saved transcript."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mockloop.cli.interview import ApiBaseOption, JudgeOption, SamplesOption


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(epilog="Example: mockloop score 2026-11-22-a1b2 --json")(score)


def score(
    transcript: Annotated[str, typer.Argument(help="Session id, id prefix, or .jsonl path.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the scorecard as JSON on stdout.")
    ] = False,
    judge_model: JudgeOption = None,
    api_base: ApiBaseOption = None,
    samples: SamplesOption = 1,
) -> None:
    """Score a saved session again (e.g. after editing rubrics); the new scorecard is appended."""
    from mockloop.cli.common import judge, library, settings
    from mockloop.render import scorecard
    from mockloop.sessions import score_session
    from mockloop.store import resolve_session
    from mockloop.terminal import Terminal

    path = resolve_session(transcript)
    lib = library()
    config = settings(judge_model=judge_model, api_base=api_base)
    card = score_session(path, lib, judge(config, samples))
    if json_output:
        typer.echo(json.dumps(card.model_dump(mode="json"), indent=2))
        return
    Terminal.create().out.print(scorecard(card, lib))
