"""Small builders shared by tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mockloop.content import Library
from mockloop.engine import Outcome, plan_session
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.models import Question, Role, Round, Turn, TurnKind
from mockloop.ports import Candidate, Clock, FakeClock, Prompt, Reply, SilentListener
from mockloop.sessions import RunResult, run_session, start_session


def unscored_copies_of(source: Path, folder: Path, count: int) -> list[Path]:
    """`count` copies of the transcript `source` in `folder`, without its scorecards, each under
    its own session id (t000, t001, ...), as an imported batch would be."""
    lines = [x for x in source.read_text().splitlines() if json.loads(x)["type"] != "scorecard"]
    paths = []
    for index in range(count):
        path = folder / f"t{index:03d}.jsonl"
        path.write_text("\n".join(lines).replace(source.stem, f"t{index:03d}") + "\n")
        paths.append(path)
    return paths


def spawn_mockloop(*args: str) -> subprocess.Popen[str]:
    """The installed `mockloop` command in its own process, piped, able to hear Ctrl-C."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "mockloop"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        # A suite started in the background inherits SIGINT ignored; the child must hear Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


class FunctionCandidate:
    """A candidate whose replies come from a function of the prompt (and may move the clock)."""

    def __init__(self, respond: Callable[[Prompt], Reply]) -> None:
        self.respond = respond
        self.prompts: list[Prompt] = []

    def reply(self, prompt: Prompt) -> Reply:
        self.prompts.append(prompt)
        return self.respond(prompt)


def new_session(library: Library, *, count: int = 2, seed: int = 1, **options: object) -> Path:
    info = plan_session(
        library,
        [Round.FUNDAMENTALS],
        interviewer="scripted",
        count=count,
        seed=seed,
        **options,  # type: ignore[arg-type]
    )
    return start_session(info)


def run(
    path: Path, library: Library, candidate: Candidate, clock: Clock | None = None
) -> RunResult:
    return run_session(
        path,
        library,
        interviewer=ScriptedInterviewer(),
        candidate=candidate,
        clock=clock or FakeClock(),
        listener=SilentListener(),
    )


__all__ = ["FunctionCandidate", "Outcome", "new_session", "run"]


def scripted_follow_up(question: Question, answer: str) -> str | None:
    """The scripted interviewer's follow-up to one fundamentals answer."""
    turn = Turn(
        seq=1,
        round=Round.FUNDAMENTALS,
        question_id=question.id,
        role=Role.CANDIDATE,
        kind=TurnKind.ANSWER,
        text=answer,
    )
    return ScriptedInterviewer().follow_up(question, [turn])
