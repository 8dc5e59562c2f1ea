"""Pieces several commands share: the library, the person at the keyboard, running a session."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mockloop.errors import ExitStatus

if TYPE_CHECKING:
    from mockloop.cli.reporting import Report
    from mockloop.content import Library
    from mockloop.environment import Environment
    from mockloop.models import SessionInfo
    from mockloop.ports import Candidate, Listener
    from mockloop.runs import PreparedRun, RunOptions
    from mockloop.store import SessionRecord
    from mockloop.tui.terminal import Terminal


_LIBRARIES: dict[str, Library] = {}


def library() -> Library:
    """The built-in banks and rubrics, plus any named by MOCKLOOP_QUESTION_BANKS/RUBRICS.

    Loaded once per process for the same files (a command may ask several times).
    """
    from mockloop.content import cached_library
    from mockloop.paths import content_fingerprint

    key = content_fingerprint()
    if key not in _LIBRARIES:
        _LIBRARIES.clear()
        _LIBRARIES[key] = cached_library()
    return _LIBRARIES[key]


def notify_stderr(message: str) -> None:
    """One line on stderr that --json does not silence: stdout carries the document only."""
    typer.echo(message, err=True)


def prepare(options: RunOptions, env: Environment) -> PreparedRun:
    """runs.prepare with the person at the keyboard as the default candidate."""
    from mockloop.runs import prepare as prepare_run

    def person() -> Candidate:
        from mockloop.tui.editor import TerminalCandidate

        return TerminalCandidate(env.terminal, env.clock)

    return prepare_run(options, env, person)


def run_and_report(
    path: Path, prepared: PreparedRun, env: Environment, report: Report, *, outcome: str
) -> None:
    """Run (or resume) a session on the terminal, then show its scorecard."""
    from mockloop import runs
    from mockloop.cli.reporting import report_scorecard
    from mockloop.store import read_session
    from mockloop.tui.signals import Terminated, save_on_signals

    lib, terminal = library(), env.terminal
    record = read_session(path)
    session_id = record.transcript.session.id
    terminal.note(runs.engine_banner(prepared.settings))
    unused = runs.unmatched_answers(prepared, record.transcript.session)
    if unused:
        more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
        terminal.err.print(
            f"warning: {prepared.options.answers}: no question of this session has the id "
            f"{', '.join(unused[:5])}{more}; those answers are not used (ids: `mockloop banks "
            "list --questions`)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    _warn_if_cap_unenforceable(prepared, terminal)
    listener = _listener(terminal, record, report.json_output, prepared.options.scripted)
    interviewer = runs.interviewer(
        prepared.settings,
        on_retry=lambda notice: terminal.note(str(notice)),
        stream=terminal.stream_markdown,
    )
    # SIGTERM and a closed terminal (SIGHUP) stop as cleanly as Ctrl-C: everything is saved.
    with save_on_signals(on_hangup=terminal.mute):
        try:
            result = runs.interview(
                path, lib, prepared, env, interviewer=interviewer, listener=listener
            )
            if result.finished:
                # The judge's retries are shown as they happen, not as a silent wait.
                chosen = runs.judge(
                    prepared.settings,
                    prepared.options.samples,
                    on_retry=lambda notice: terminal.note(str(notice)),
                    on_notice=notify_stderr,
                )
                judge_model = prepared.settings.effective_judge_model
                scoring = f"Scoring the session with {judge_model}…" if judge_model else None
                with _busy(terminal, scoring or "Scoring the session…"):
                    card = runs.score(path, lib, chosen)
        except (KeyboardInterrupt, Terminated) as stop:
            status = stop.exit_status if isinstance(stop, Terminated) else ExitStatus.INTERRUPTED
            if read_session(path).transcript.ended:
                terminal.err.print(f"\nStopped. Score it later with `mockloop score {session_id}`.")
            else:
                terminal.err.print(f"\nSaved. Resume with `mockloop resume {session_id}`.")
            raise typer.Exit(status) from None
    if not result.finished:
        terminal.err.print(f"Saved. Resume with `mockloop resume {session_id}`.")
        if result.status:
            raise typer.Exit(int(result.status))
        return
    report_scorecard(card, path, lib, terminal, report, outcome=outcome)


def _warn_if_cap_unenforceable(prepared: PreparedRun, terminal: Terminal) -> None:
    """--max-cost needs prices: say so up front when litellm has none for a model in use."""
    settings = prepared.settings
    if settings.max_cost is None:
        return
    models = {m for m in (settings.interviewer_model, settings.effective_judge_model) if m}
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


def _listener(
    terminal: Terminal, record: SessionRecord, json_output: bool, scripted: bool
) -> Listener:
    """Silent for --json; else the transcript view, which on resume shows where things stand."""
    from mockloop.ports import SilentListener
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


def welcome(terminal: Terminal, info: SessionInfo) -> None:
    """The panel a person sees before the first question: rounds, keys, and that all is saved."""
    from rich.panel import Panel

    from mockloop.rounds import ROUND_TITLES
    from mockloop.timefmt import duration

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
    terminal.err.print(Panel("\n".join(lines), title="mockloop", title_align="left", expand=True))
