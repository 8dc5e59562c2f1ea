"""The engines a run is built from: the gateway to a model, the interviewer and the judge."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockloop.config import Settings
    from mockloop.llm.errors import RetryNotice
    from mockloop.llm.gateway import Gateway
    from mockloop.ports import Interviewer, Judge, StreamView


def gateway(
    settings: Settings, model: str, on_retry: Callable[[RetryNotice], None] | None = None
) -> Gateway:
    """A litellm gateway for one model (importing mockloop.llm.gateway does not import litellm)."""
    from mockloop.llm.gateway import Gateway, LLMSettings
    from mockloop.llm.tokens import CostMeter

    llm = LLMSettings(
        model=model,
        api_base=settings.api_base,
        api_key=settings.api_key,
        api_version=settings.api_version,
        timeout_s=settings.timeout_s,
        context_tokens=settings.context_tokens,
        router=settings.router,
    )
    return Gateway(llm, meter=CostMeter(settings.max_cost), on_retry=on_retry)


def interviewer(
    settings: Settings,
    *,
    on_retry: Callable[[RetryNotice], None] | None = None,
    stream: Callable[[], StreamView] | None = None,
) -> Interviewer:
    """The LLM interviewer when a model is configured, else the scripted one."""
    if settings.interviewer_model is None:
        from mockloop.interviewers.scripted import ScriptedInterviewer

        return ScriptedInterviewer()
    from mockloop.interviewers.llm import LLMInterviewer

    llm = gateway(settings, settings.interviewer_model)
    return LLMInterviewer(llm, on_retry=on_retry, stream=stream)


def judge(
    settings: Settings,
    samples: int = 1,
    *,
    on_retry: Callable[[RetryNotice], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> Judge:
    """The LLM judge when a judge model is configured, else the key-point scorer.

    A question the model cannot judge is scored by the key-point scorer, labelled as such;
    `on_notice` hears one line about it; `on_retry` hears each retry as it happens.
    """
    from mockloop.judges.keypoints import KeypointJudge

    model = settings.effective_judge_model
    if model is None:
        return KeypointJudge()
    from mockloop.judges.llm import LLMJudge

    return LLMJudge(
        gateway(settings, model, on_retry),
        samples=samples,
        fallback=KeypointJudge,
        on_notice=on_notice,
    )


def engine_banner(settings: Settings) -> str:
    """Say plainly which engines will run."""
    if settings.interviewer_model is None and settings.effective_judge_model is None:
        return OFFLINE_BANNER
    model = settings.interviewer_model
    asks = f"LLM interviewer {model}" if model else "scripted interviewer"
    scorer = settings.effective_judge_model
    scores = f"LLM judge {scorer}" if scorer else "key-point scoring"
    return f"{asks}, {scores}."


# One line that fits an 80-column terminal; the README lists example models.
OFFLINE_BANNER = "Offline: scripted interviewer, key-point scoring. Set MOCKLOOP_MODEL for an LLM."
