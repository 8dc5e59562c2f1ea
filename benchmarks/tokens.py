"""Token efficiency: prompt tokens per turn over a 20-turn round, with a context budget."""

from __future__ import annotations

import os

from common import Row, scratch

TURNS = 20
BUDGET = 1500  # input tokens per call (MOCKLOOP_CONTEXT_TOKENS); small, so 20 turns exceed it
ANSWER = (
    "I would start from the requirements: who asks, how fresh the documents must be, and what "
    "latency we can afford. Then I would chunk by document structure with some overlap, embed "
    "with a model that suits the domain, and combine BM25 with vector search, fused with "
    "reciprocal rank fusion, before a cross-encoder re-ranks the top fifty. "
)


def run() -> list[Row]:
    """Send a growing interview through the gateway; count what each call really sent."""
    os.environ["MOCKLOOP_HOME"] = str(scratch("tokens"))
    os.environ.setdefault("OPENAI_API_KEY", "sk-fake-benchmark-key")
    from mockloop.llm.gateway import Gateway, LLMSettings, count_message_tokens

    from fake_openai import FakeOpenAI

    sent: list[int] = []
    unbounded: list[int] = []
    with FakeOpenAI() as fake:
        fake.always(lambda _body: "Thanks. What would you measure to know the retriever works?")
        gateway = Gateway(
            LLMSettings(model="openai/fake-model", api_base=fake.base_url, context_tokens=BUDGET)
        )
        messages = [{"role": "system", "content": "You are the interviewer. " * 20}]
        for turn in range(TURNS):
            messages.append({"role": "user", "content": f"Turn {turn + 1}. {ANSWER}"})
            unbounded.append(count_message_tokens(messages, "openai/fake-model"))
            reply = gateway.complete(messages, max_tokens=200)
            sent.append(count_message_tokens(fake.requests[-1]["messages"], "openai/fake-model"))
            messages.append({"role": "assistant", "content": reply.text})
    early_growth = sent[4] - sent[0]
    late_growth = max(sent[-5:]) - min(sent[-5:])
    flat = max(sent) <= BUDGET and late_growth < early_growth / 2
    shown = ", ".join(str(sent[i]) for i in (0, 4, 9, 14, 19))
    return [
        Row(
            "tokens",
            f"prompt tokens sent at turns 1, 5, 10, 15, 20 (budget {BUDGET})",
            shown,
            f"flat once at the budget (<= {BUDGET})",
            flat,
        ),
        Row(
            "tokens",
            "same conversation without a budget, turn 20",
            f"{unbounded[-1]} tokens ({unbounded[-1] / sent[-1]:.1f}x)",
        ),
    ]
