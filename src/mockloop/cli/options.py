"""Option declarations that several commands share, so each is written (and worded) once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ANSWERS_HELP = (
    "Scripted answers: YAML/JSON mapping question ids to answers (or a list), "
    "or text with answers separated by lines of ---. Never waits for input."
)


ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="Interviewer model (litellm name, e.g. openai/gpt-4o-mini).",
    ),
]
JudgeOption = Annotated[
    str | None,
    typer.Option("--judge-model", metavar="MODEL", help="Judge model (default: --model)."),
]
ApiBaseOption = Annotated[
    str | None,
    typer.Option("--api-base", metavar="URL", help="Base URL of an OpenAI-compatible server."),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        metavar="USD",
        min=0.0,
        help="Stop (saved, resumable) before spending more USD.",
    ),
]
AnswersOption = Annotated[
    Path | None, typer.Option(exists=True, dir_okay=False, metavar="FILE", help=ANSWERS_HELP)
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON on stdout (docs/json-output.md).")
]
NoTimerOption = Annotated[bool, typer.Option("--no-timer", help="No time limits.")]
CandidateModelOption = Annotated[
    str | None,
    typer.Option(
        "--candidate-model",
        metavar="WHO",
        help="Who answers instead of you: simulated:MODE (MODE is strong, partial, weak, empty, "
        "gibberish or injection; offline), or a litellm model name. Never waits for input.",
    ),
]
JunitOption = Annotated[
    Path | None,
    typer.Option(
        "--junit",
        metavar="FILE",
        dir_okay=False,
        help="Write a JUnit XML report (a case per question).",
    ),
]
FailUnderOption = Annotated[
    float | None,
    typer.Option(
        "--fail-under",
        metavar="SCORE",
        min=1.0,
        max=5.0,
        help="Exit 1 when the overall score is below this (1-5); also the JUnit pass mark.",
    ),
]
SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples", metavar="K", min=1, max=9, help="Independent judge samples (median)."
    ),
]
