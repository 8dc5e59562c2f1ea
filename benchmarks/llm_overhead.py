"""mockloop's own time per LLM turn, against a fake server with a fixed 200 ms latency."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time
from typing import Any

from common import Row, ms, scratch

LATENCY_S = 0.200
TURN_TARGET_S = 0.015
TTFT_TARGET_S = 0.010
RUNS = 12
DECISION = {"action": "follow_up", "message": "How would you size the test?", "probes": "x"}
STREAMED = "A framing message streamed in small deltas, " * 8


def raw_post(port: int, body: dict[str, Any]) -> tuple[float, float]:
    """(seconds to the full response, seconds to the first content chunk) over plain HTTP."""
    payload = json.dumps(body).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    start = time.perf_counter()
    connection.request(
        "POST",
        "/v1/chat/completions",
        payload,
        {"Content-Type": "application/json", "Authorization": "Bearer sk-fake"},
    )
    response = connection.getresponse()
    first = 0.0
    if body.get("stream"):
        for line in response:
            if b'"content": "' in line and b'"content": ""' not in line and not first:
                first = time.perf_counter() - start
    else:
        response.read()
    total = time.perf_counter() - start
    connection.close()
    return total, first


def run() -> list[Row]:
    """Follow-up decision turns and streamed framing, each against the raw request it sends."""
    os.environ["MOCKLOOP_HOME"] = str(scratch("llm"))
    os.environ.setdefault("OPENAI_API_KEY", "sk-fake-benchmark-key")
    from mockloop.content import load_library
    from mockloop.interviewers.llm import LLMInterviewer
    from mockloop.llm.gateway import Gateway, LLMSettings
    from mockloop.models import Role, Round, Turn, TurnKind

    from fake_openai import FakeOpenAI

    library = load_library()
    question = next(q for q in library.questions if library.round_of(q.id) is Round.FUNDAMENTALS)
    turns = [
        Turn(seq=0, round=Round.FUNDAMENTALS, question_id=question.id, role=Role.INTERVIEWER,
             kind=TurnKind.QUESTION, text=question.prompt),
        Turn(seq=1, round=Round.FUNDAMENTALS, question_id=question.id, role=Role.CANDIDATE,
             kind=TurnKind.ANSWER, text=question.samples[1].answer),
    ]  # fmt: skip
    with FakeOpenAI(latency_s=LATENCY_S, chunk_chars=12) as fake:
        fake.always(lambda body: STREAMED if body.get("stream") else json.dumps(DECISION))
        settings = LLMSettings(model="openai/fake-model", api_base=fake.base_url, max_retries=0)
        interviewer = LLMInterviewer(Gateway(settings))
        interviewer.follow_up(question, turns)  # warm: litellm import, connection pool
        sent = dict(fake.requests[-1])
        turn_times, raw_times = [], []
        for _ in range(RUNS):
            before = len(fake.requests)
            start = time.perf_counter()
            decision = interviewer.follow_up(question, turns)
            turn_times.append(time.perf_counter() - start)
            # After an error the interviewer falls back offline for good, and would time nothing.
            if len(fake.requests) != before + 1 or decision != DECISION["message"]:
                raise RuntimeError(f"the LLM turn did not reach the fake server: {decision}")
            raw_times.append(raw_post(fake.port, sent)[0])
        gateway = Gateway(settings)
        messages = [{"role": "user", "content": "Open the round."}]
        gateway.complete(messages, on_delta=lambda _: None)  # warm the streaming path
        stream_body = dict(fake.requests[-1])
        firsts, raw_firsts = [], []
        for _ in range(RUNS):
            seen: list[float] = []

            def first_delta(_delta: str, seen: list[float] = seen) -> None:
                if not seen:
                    seen.append(time.perf_counter())

            start = time.perf_counter()
            gateway.complete(messages, on_delta=first_delta)
            firsts.append(seen[0] - start)
            raw_firsts.append(raw_post(fake.port, stream_body)[1])
    overhead = statistics.median(turn_times) - statistics.median(raw_times)
    ttft_gap = statistics.median(firsts) - statistics.median(raw_firsts)
    return [
        Row("llm", f"raw HTTP request, same payload (fake server, {LATENCY_S * 1000:.0f} ms)",
            ms(statistics.median(raw_times))),
        Row("llm", "follow-up decision turn (structured JSON) above the raw request",
            ms(overhead), f"< {TURN_TARGET_S * 1000:.0f} ms", overhead < TURN_TARGET_S),
        Row("llm", "time to first streamed token above the raw request's", ms(ttft_gap),
            f"< {TTFT_TARGET_S * 1000:.0f} ms", ttft_gap < TTFT_TARGET_S),
    ]  # fmt: skip
