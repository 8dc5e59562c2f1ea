"""Pieces several commands share: building engines, choosing the candidate, the banner."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockloop.config import Settings
    from mockloop.content import Library
    from mockloop.llm.gateway import Gateway
    from mockloop.ports import Candidate, Clock, Interviewer, Judge
    from mockloop.tui.terminal import Terminal

# One line that fits an 80-column terminal; the README lists example models.
OFFLINE_BANNER = "Offline: scripted interviewer, key-point scoring. Set MOCKLOOP_MODEL for an LLM."


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


def settings(**flags: object) -> Settings:
    """Merged settings; a bad value becomes a one-line usage error."""
    from mockloop.cli.errors import UserError
    from mockloop.config import ConfigError, load_settings

    try:
        return load_settings(**flags)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def gateway(config: Settings, model: str) -> Gateway:
    """A litellm gateway for one model (importing mockloop.llm.gateway does not import litellm)."""
    from mockloop.llm.gateway import Gateway, LLMSettings
    from mockloop.llm.tokens import CostMeter

    llm = LLMSettings(
        model=model,
        api_base=config.api_base,
        api_key=config.api_key,
        timeout_s=config.timeout_s,
        context_tokens=config.context_tokens,
    )
    return Gateway(llm, meter=CostMeter(config.max_cost))


def engine_banner(config: Settings) -> str:
    """Say plainly which engines will run."""
    if config.interviewer_model is None and config.effective_judge_model is None:
        return OFFLINE_BANNER
    model = config.interviewer_model
    asks = f"LLM interviewer {model}" if model else "scripted interviewer"
    judge = config.effective_judge_model
    scores = f"LLM judge {judge}" if judge else "key-point scoring"
    return f"{asks}, {scores}."


def interviewer(config: Settings, terminal: Terminal | None = None) -> Interviewer:
    """The LLM interviewer when a model is configured, else the scripted one."""
    if config.interviewer_model is None:
        return offline_interviewer()
    from mockloop.interviewers.llm import LLMInterviewer

    notify = (lambda notice: terminal.note(str(notice))) if terminal else None
    stream = terminal.stream_markdown if terminal else None
    return LLMInterviewer(gateway(config, config.interviewer_model), on_retry=notify, stream=stream)


def judge(config: Settings, samples: int = 1) -> Judge:
    """The LLM judge when a judge model is configured, else the key-point scorer."""
    model = config.effective_judge_model
    if model is None:
        return offline_judge()
    from mockloop.judges.llm import LLMJudge

    return LLMJudge(
        gateway(config, model), samples=samples, fallback=offline_judge, on_notice=_judge_notice
    )


def _judge_notice(message: str) -> None:
    # One line on stderr (stdout may carry --json): a question was scored offline instead.
    sys.stderr.write(f"{message}\n")


def offline_interviewer() -> Interviewer:
    """The scripted interviewer."""
    from mockloop.interviewers.scripted import ScriptedInterviewer

    return ScriptedInterviewer()


def offline_judge() -> Judge:
    """The key-point scorer."""
    from mockloop.judges.keypoints import KeypointJudge

    return KeypointJudge()


def choose_candidate(
    answers: Path | None,
    terminal: Terminal,
    clock: Clock,
    candidate_model: str | None = None,
    config: Settings | None = None,
) -> Candidate:
    """An answers file or a simulated candidate, else stdin when it is not a terminal, else the
    person at the keyboard."""
    from mockloop.candidates.scripted import ScriptedCandidate, load_answers, split_answers

    if candidate_model is not None:
        return simulated_candidate(candidate_model, config)
    if answers is not None:
        return load_answers(answers)
    if not sys.stdin.isatty():
        # Never wait for a key that cannot come: take whatever stdin holds, then move on.
        return ScriptedCandidate(in_order=split_answers(sys.stdin.read()))
    from mockloop.tui.editor import TerminalCandidate

    return TerminalCandidate(terminal, clock)


def simulated_candidate(value: str, config: Settings | None) -> Candidate:
    """`simulated:MODE` plays offline from the bank; any other value is a model via litellm."""
    from mockloop.candidates.simulated import LLMCandidate, SimulatedCandidate, parse_simulated
    from mockloop.cli.errors import UserError
    from mockloop.config import Settings

    try:
        mode = parse_simulated(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if mode is not None:
        return SimulatedCandidate(mode)
    llm = gateway(config or Settings(), value)
    return LLMCandidate(lambda messages: llm.complete(messages).text)
