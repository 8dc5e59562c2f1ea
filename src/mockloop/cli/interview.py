"""`mockloop interview` and `mockloop resume`: run a session, then score it."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockloop.cli.errors import ExitStatus, UserError
from mockloop.rounds import ROUND_TITLES, Difficulty, Round

if TYPE_CHECKING:
    from mockloop.config import Settings
    from mockloop.content import Library
    from mockloop.engine import Listener
    from mockloop.models import Scorecard, SessionInfo
    from mockloop.ports import Candidate, Clock, Judge
    from mockloop.store import SessionRecord
    from mockloop.tui.editor import TerminalCandidate
    from mockloop.tui.terminal import Terminal

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
) -> None:
    """Run a mock interview: questions, follow-ups, then a scorecard.

    Every answer is saved as you go; quit at any time and `mockloop resume` later.
    """
    from mockloop.cli.common import interviewer, library
    from mockloop.engine import plan_session
    from mockloop.sessions import start_session

    # Everything that can be wrong with the input is checked before a session file exists.
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
    lib = library()
    rounds = list(dict.fromkeys(round_ or list(Round)))
    info = plan_session(
        lib,
        rounds,
        interviewer=interviewer(prepared.config).name,
        topics=topic or (),
        difficulty=difficulty,
        count=questions,
        seed=seed,
        time_scale=time_scale,
        timer=not no_timer,
    )
    path = start_session(info)
    if prepared.terminal.interactive and not prepared.scripted:
        _welcome(prepared.terminal, info)
    prepared.run(path)


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
) -> None:
    """Continue an unfinished session where it stopped, with the time that was left."""
    from mockloop.store import ensure_unlocked, latest_unfinished, read_session, resolve_session

    path = resolve_session(session) if session else latest_unfinished()
    if path is None:
        raise UserError("no unfinished session to resume (see `mockloop history`)")
    record = read_session(path)
    if record.transcript.ended and record.scorecards:  # ended but unscored (a crash): score it
        raise UserError(f"session {path.stem} is already finished; export or score it instead")
    ensure_unlocked(path)  # a second `resume` of the same session stops before any output
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
    prepared.run(path)


@dataclass(frozen=True)
class Report:
    """How a finished session is reported: terminal, --json, --junit, --fail-under."""

    json_output: bool = False
    junit: Path | None = None
    fail_under: float | None = None

    def write_junit(self, sessions: list[tuple[Scorecard, Path]]) -> None:
        """Write the JUnit file for these scored sessions, if one was asked for."""
        from mockloop.reports import junit_xml
        from mockloop.store import read_session

        if self.junit is None:
            return
        xml = junit_xml(
            [(card, read_session(path).transcript) for card, path in sessions], self.fail_under
        )
        try:
            self.junit.write_text(xml, encoding="utf-8")
        except OSError as exc:
            message = f"{self.junit}: cannot write the JUnit report: {exc.strerror}"
            raise UserError(message) from None


@dataclass(frozen=True)
class PreparedRun:
    """Everything a command needs to run a session: settings, terminal, clock and candidate."""

    config: Settings
    terminal: Terminal
    clock: Clock
    candidate: Candidate
    samples: int
    report: Report
    scripted: bool

    def run(self, path: Path) -> None:
        """Run (or resume) the session at `path`, then score and report it."""
        _run(
            path,
            self.terminal,
            self.candidate,
            self.clock,
            self.config,
            samples=self.samples,
            report=self.report,
            scripted=self.scripted,
        )


def prepare_run(
    *,
    answers: Path | None,
    report: Report,
    samples: int,
    candidate_model: str | None = None,
    **model_flags: object,
) -> PreparedRun:
    """Read settings and set up the terminal and candidate; bad input fails here, before a file."""
    from mockloop.cli.common import choose_candidate, settings
    from mockloop.ports import SystemClock
    from mockloop.tui.terminal import Terminal

    if answers is not None and candidate_model is not None:
        raise UserError("use --answers or --candidate-model, not both")
    config = settings(**model_flags)
    terminal, clock = Terminal.create(quiet=report.json_output), SystemClock()
    candidate = choose_candidate(answers, terminal, clock, candidate_model, config)
    scripted = answers is not None or candidate_model is not None
    return PreparedRun(config, terminal, clock, candidate, samples, report, scripted)


def _run(
    path: Path,
    terminal: Terminal,
    candidate: Candidate,
    clock: Clock,
    config: Settings,
    *,
    samples: int,
    report: Report,
    scripted: bool,
) -> None:
    from mockloop.cli.common import engine_banner, judge, library
    from mockloop.store import read_session
    from mockloop.tui.signals import Terminated, save_on_signals

    lib = library()
    record = read_session(path)
    info = record.transcript.session
    terminal.note(engine_banner(config))
    _warn_if_cap_unenforceable(config, terminal)
    person = _person(candidate)
    if person is not None:
        # The engine must measure time with the clock that /pause and the Ctrl-C menu stop.
        clock, person.session_id = person.clock, info.id
    listener = _listener(terminal, record, json_output=report.json_output, scripted=scripted)
    # SIGTERM and a closed terminal (SIGHUP) stop as cleanly as Ctrl-C: everything is saved.
    with save_on_signals(on_hangup=terminal.mute):
        try:
            if not _interview(path, lib, terminal, candidate, clock, config, listener, info.id):
                return
            with _busy(terminal, "Scoring the session…"):
                card = score_or_explain(path, lib, judge(config, samples), info.id)
        except (KeyboardInterrupt, Terminated) as stop:
            status = stop.exit_status if isinstance(stop, Terminated) else ExitStatus.INTERRUPTED
            if read_session(path).transcript.ended:
                terminal.err.print(f"\nStopped. Score it later with `mockloop score {info.id}`.")
            else:
                terminal.err.print(f"\nSaved. Resume with `mockloop resume {info.id}`.")
            raise typer.Exit(status) from None
    report_scorecard(card, path, lib, terminal, report, outcome="completed")


def report_scorecard(
    card: Scorecard, path: Path, lib: Library, terminal: Terminal, report: Report, *, outcome: str
) -> None:
    """Show or print a scorecard, write the JUnit file, and exit 1 under --fail-under."""
    from mockloop.reports import passes, result_doc
    from mockloop.tui.render import scorecard

    report.write_junit([(card, path)])
    if report.json_output:
        doc = result_doc(card, path, outcome, report.fail_under)
        typer.echo(doc.model_dump_json(indent=2))
    else:
        terminal.out.print(scorecard(card, lib))
        terminal.out.print(
            f"\nSession {card.session_id} saved to {path}\n"
            f"Export it: mockloop export {card.session_id} --format md -o {card.session_id}.md"
        )
    if report.fail_under is not None and not passes(card.overall, report.fail_under):
        shown = "no score" if card.overall is None else f"{card.overall:.2f}"
        terminal.err.print(f"Overall {shown} is below --fail-under {report.fail_under:.2f}.")
        raise typer.Exit(ExitStatus.FAILED)


def _interview(
    path: Path,
    lib: Library,
    terminal: Terminal,
    candidate: Candidate,
    clock: Clock,
    config: Settings,
    listener: Listener,
    session_id: str,
) -> bool:
    """Run the engine; True when every round is done, False after a quit (saved)."""
    from mockloop.cli.common import interviewer
    from mockloop.engine import Outcome
    from mockloop.sessions import run_session

    result = run_session(
        path,
        lib,
        interviewer=interviewer(config, terminal),
        candidate=candidate,
        clock=clock,
        listener=listener,
    )
    if result.outcome is Outcome.COMPLETED:
        return True
    terminal.err.print(f"Saved. Resume with `mockloop resume {session_id}`.")
    person = _person(candidate)
    if person is not None and person.stop_status:
        # A quit from Ctrl-C or a signal exits as the shell expects (130, 143, 129).
        raise typer.Exit(person.stop_status)
    return False


def _warn_if_cap_unenforceable(config: Settings, terminal: Terminal) -> None:
    """--max-cost needs prices: say so up front when litellm has none for a model in use."""
    if config.max_cost is None:
        return
    models = {m for m in (config.interviewer_model, config.effective_judge_model) if m}
    if not models:
        return
    from mockloop.llm.gateway import litellm_price

    for model in sorted(models):
        if litellm_price(model, 1000, 1000) is None:
            terminal.say(
                f"--max-cost cannot be enforced for {model}: litellm has no price for it. "
                "Tokens are still counted and shown.",
                "warn",
            )


def _person(candidate: Candidate) -> TerminalCandidate | None:
    """The candidate when it is a person at the terminal (without importing prompt-toolkit)."""
    if "mockloop.tui.editor" not in sys.modules:
        return None
    from mockloop.tui.editor import TerminalCandidate

    return candidate if isinstance(candidate, TerminalCandidate) else None


def _listener(
    terminal: Terminal, record: SessionRecord, *, json_output: bool, scripted: bool
) -> Listener:
    """Silent for --json; else the transcript view, which on resume shows where things stand."""
    from mockloop.engine import SilentListener
    from mockloop.tui.view import TranscriptView

    if json_output:
        return SilentListener()
    view = TranscriptView(
        terminal,
        show_candidate=scripted or not terminal.interactive,
        info=record.transcript.session,
        history=record.transcript.turns,
    )
    if record.transcript.turns:
        view.resume_context(record)
    return view


def _busy(terminal: Terminal, message: str) -> AbstractContextManager[object]:
    """A spinner while something slow runs, where a person can see it."""
    if terminal.interactive and not terminal.plain:
        return terminal.err.status(message)
    return nullcontext()


def score_or_explain(path: Path, lib: Library, chosen: Judge, session_id: str) -> Scorecard:
    """Score a finished session; a judge failure keeps the transcript and says how to retry."""
    from mockloop.sessions import score_session

    if "mockloop.llm.gateway" not in sys.modules:
        return score_session(path, lib, chosen)
    from mockloop.llm.gateway import LLMError

    try:
        return score_session(path, lib, chosen)
    except LLMError as exc:
        raise UserError(
            f"{exc.summary} The session is saved; score it later with "
            f"`mockloop score {session_id}`."
        ) from None


def _welcome(terminal: Terminal, info: SessionInfo) -> None:
    from rich.panel import Panel

    from mockloop.tui.render import duration

    lines = []
    for item in info.plan:
        count = len(item.question_ids)
        limit = duration(item.time_limit_s * info.time_scale) if info.timer else "no time limit"
        lines.append(f"{ROUND_TITLES[item.round]}: {count} question{'s' * (count != 1)}, {limit}")
    lines += [
        "",
        "Enter adds a line; Esc+Enter (or Alt+Enter) submits your answer.",
        "Type /help on a line of its own for /hint, /pause, /skip, /quit and more.",
        "Ctrl-C pauses or quits. Every answer is saved as you go: `mockloop resume`.",
    ]
    terminal.err.print(Panel("\n".join(lines), title="mockloop", title_align="left", expand=False))
