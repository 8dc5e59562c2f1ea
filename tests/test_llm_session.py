"""A whole LLM-driven round through the CLI, over real HTTP to a fake OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import load_library
from mockloop.engine import plan_session
from mockloop.export import models_and_cost
from mockloop.interviewers.llm import LLMInterviewer
from mockloop.llm.gateway import Gateway, LLMSettings
from mockloop.models import Role, Round, TurnKind
from mockloop.paths import content_dirs
from mockloop.ports import Action, FakeClock, Prompt, Reply, SilentListener
from mockloop.sessions import run_session, start_session
from mockloop.store import read_session

from conftest import MINI_BANK, MINI_CODING_BANK
from fake_openai import FakeOpenAI, serve
from helpers import FunctionCandidate

runner = CliRunner()
ANSWER_1 = "Vector search finds paraphrases. BM25 catches exact product codes."
ANSWER_2 = "I would merge the two lists with reciprocal rank fusion."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    yield from serve()


@pytest.fixture
def mini_only(use_banks, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Only the small test bank, with a provider key the requests must never carry."""
    use_banks(MINI_BANK)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")


def judge_reply(quote: str) -> dict[str, object]:
    return {
        "criteria": {
            "correctness": {
                "score": 4,
                "rationale": "Names both retrievers.",
                "evidence": [quote, "a quote the candidate never said"],
            },
            "depth": {"score": 3, "rationale": "Fusion is named, not explained.", "evidence": []},
            "communication": {"score": 5, "rationale": "Crisp.", "evidence": []},
        },
        "missing_key_points": ["semantic", "not-a-key-point"],
    }


def interview(fake: FakeOpenAI, tmp_path: Path, *extra: str) -> object:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER_1, ANSWER_2]}))
    return runner.invoke(
        app,
        [
            "interview",
            "-r",
            "fundamentals",
            "--topic",
            "rag",
            "--no-timer",
            "--json",
            "--answers",
            str(answers),
            "--model",
            "openai/fake-model",
            "--api-base",
            fake.base_url,
            *extra,
        ],
    )


def test_llm_round_follows_up_moves_on_and_is_judged(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    fake.reply("Welcome to the fundamentals round. One question today.")
    fake.reply_json(
        {"action": "follow_up", "message": "How would you merge the rankings?", "probes": "fusion"}
    )
    fake.reply_json({"action": "move_on", "message": "", "probes": ""})
    fake.reply_json(judge_reply("BM25 catches exact product codes."))
    result = interview(fake, tmp_path)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    payload = json.loads(result.stdout)  # type: ignore[attr-defined]
    turns = read_session(Path(payload["transcript"])).transcript.turns
    assert turns[0].text == "Welcome to the fundamentals round. One question today."
    follow_ups = [t.text for t in turns if t.kind is TurnKind.FOLLOW_UP]
    assert follow_ups == ["How would you merge the rankings?"]
    card = payload["scorecard"]
    assert card["judge"]["engine"] == "llm" and card["judge"]["model"] == "openai/fake-model"
    (question,) = card["questions"]
    scores = {c["criterion"]: c for c in question["criteria"]}
    assert [e["quote"] for e in scores["correctness"]["evidence"]] == [
        "BM25 catches exact product codes."
    ]
    assert "quote not found in the transcript (dropped)" in scores["correctness"]["flags"]
    assert question["missed_points"] == ["semantic"]
    assert question["overall"] == pytest.approx(4 * 0.5 + 3 * 0.3 + 5 * 0.2)
    # The candidate's words reached the model fenced as data, and no key reached the body.
    follow_up_request = json.dumps(fake.requests[1])
    assert "<candidate_answer>\\n" + ANSWER_1 in follow_up_request
    assert "sk-test-not-a-real-key" not in json.dumps(fake.requests)
    assert fake.pending == 0


def test_provider_failure_continues_offline_and_says_so(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    fake.fail(401, "Incorrect API key provided")
    result = interview(fake, tmp_path, "--judge-model", "offline")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    payload = json.loads(result.stdout)  # type: ignore[attr-defined]
    turns = read_session(Path(payload["transcript"])).transcript.turns
    notes = [t.text for t in turns if t.role is Role.SYSTEM and t.meta.interviewer_notice]
    assert notes[0] == (
        "The API key for openai was rejected: check OPENAI_API_KEY or api_key in config.toml. "
        "The interview "
        "continues on the offline interviewer; re-run scoring later with `mockloop score`."
    )
    assert notes[1] == "Interviewer model openai/fake-model: 0 tokens, $0.0000 so far."
    # The scripted interviewer took over: its framing and its bank follow-up.
    assert any(t.kind is TurnKind.FOLLOW_UP for t in turns)
    assert payload["scorecard"]["judge"]["engine"] == "keypoints"


def test_a_server_that_goes_away_mid_round_is_not_retried(
    fake: FakeOpenAI, tmp_path: Path, use_banks: Callable[..., None]
) -> None:
    """A local server stopped mid-interview: no retry loop, a note, the offline interviewer."""
    use_banks(MINI_BANK)
    library = load_library([MINI_BANK], content_dirs("rubrics"))
    info = plan_session(library, [Round.FUNDAMENTALS], interviewer="llm:openai/m", count=1)
    path = start_session(info)
    base = fake.base_url
    sleeps: list[float] = []
    settings = LLMSettings(model="openai/m", api_base=base, api_key="k", max_retries=4)
    fake.reply("Welcome to the fundamentals round.")

    answered: list[str] = []

    def answer_then_stop_the_server(prompt: Prompt) -> Reply:
        if not answered:
            fake.stop()  # the server is gone before the interviewer decides on a follow-up
        answered.append(prompt.message)
        return Reply(Action.ANSWER, ANSWER_1) if len(answered) == 1 else Reply(Action.SKIP)

    run_session(
        path,
        library,
        interviewer=LLMInterviewer(Gateway(settings, sleep=sleeps.append)),
        candidate=FunctionCandidate(answer_then_stop_the_server),
        clock=FakeClock(),
        listener=SilentListener(),
    )
    turns = read_session(path).transcript.turns
    notes = [t.text for t in turns if t.role is Role.SYSTEM and t.meta.interviewer_notice]
    assert notes[0] == (
        f"Cannot reach the provider at {base}: nothing answers there. The interview continues "
        "on the offline interviewer; re-run scoring later with `mockloop score`."
    )
    assert sleeps == []  # refused at once, never waited on
    assert read_session(path).transcript.ended


def test_cost_cap_stops_the_session_saved_and_resumable(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER_1]}))
    result = runner.invoke(
        app,
        [
            "interview",
            "-r",
            "fundamentals",
            "--topic",
            "rag",
            "--no-timer",
            "--answers",
            str(answers),
            "--model",
            "openai/gpt-4o-mini",
            "--api-base",
            fake.base_url,
            "--max-cost",
            "0.0000001",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Resume with `mockloop resume" in result.stderr
    assert fake.requests == []  # stopped before the call, not after
    (path,) = (Path(str(tmp_path / "home" / "sessions"))).glob("*.jsonl")
    record = read_session(path)
    assert not record.transcript.ended
    assert "would exceed the cost cap" in record.transcript.turns[-1].text


def test_max_cost_on_an_unpriced_model_is_said_up_front(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": ["Use BM25 and vectors."]}))
    fake.always(lambda body: json.dumps({"action": "move_on"}))
    result = runner.invoke(
        app,
        [
            "interview", "-r", "fundamentals", "--topic", "rag", "--no-timer",
            "--answers", str(answers), "--model", "openai/fake-model", "--judge-model", "offline",
            "--api-base", fake.base_url, "--max-cost", "1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())  # the line wraps at the terminal's width
    assert (
        "--max-cost cannot be enforced for openai/fake-model: litellm has no price for it." in said
    )


def test_samples_report_median_spread_and_disagreement(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    for score in (2, 5, 4):
        reply = judge_reply("BM25 catches exact product codes.")
        reply["criteria"]["correctness"]["score"] = score  # type: ignore[index]
        fake.reply_json(reply)
    # Interview offline, then re-score the saved session with an LLM judge and 3 samples.
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER_1]}))
    first = runner.invoke(
        app,
        [
            "interview",
            "-r",
            "fundamentals",
            "--topic",
            "rag",
            "--no-timer",
            "--json",
            "--answers",
            str(answers),
        ],
    )
    session = json.loads(first.stdout)["session_id"]
    result = runner.invoke(
        app,
        [
            "score",
            session,
            "--json",
            "--samples",
            "3",
            "--judge-model",
            "openai/fake-model",
            "--api-base",
            fake.base_url,
        ],
    )
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    assert card["judge"]["settings"]["samples"] == 3
    assert card["judge"]["settings"]["usage"]["prompt_tokens"] > 0
    correctness = card["questions"][0]["criteria"][0]
    assert correctness["score"] == 4  # median of 2, 5, 4
    assert "samples [2, 5, 4], spread 3" in correctness["rationale"]
    assert "judges disagree: spread 3" in correctness["flags"]
    assert len(fake.requests) == 3


def test_framing_streams_and_is_shown_once(
    fake: FakeOpenAI, tmp_path: Path, mini_only: None
) -> None:
    framing = "Welcome to the fundamentals round. One question today, about retrieval."
    fake.reply(framing)
    fake.reply_json({"action": "move_on", "message": "", "probes": ""})
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER_1]}))
    result = runner.invoke(
        app,
        [
            "interview",
            "-r",
            "fundamentals",
            "--topic",
            "rag",
            "--no-timer",
            "--answers",
            str(answers),
            "--model",
            "openai/fake-model",
            "--judge-model",
            "offline",
            "--api-base",
            fake.base_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert fake.requests[0].get("stream") is True, fake.requests[0]
    assert "stream" not in fake.requests[1] or not fake.requests[1]["stream"]
    shown = " ".join(result.stderr.split())
    assert shown.count("One question today, about retrieval.") == 1


def test_a_resumed_round_keeps_its_own_persona(
    fake: FakeOpenAI, tmp_path: Path, use_banks: Callable[..., None]
) -> None:
    """Resuming skips the round's framing; the interviewer must still speak for that round."""
    use_banks(MINI_CODING_BANK)
    library = load_library([MINI_CODING_BANK], content_dirs("rubrics"))
    info = plan_session(library, [Round.CODING], interviewer="llm:openai/fake-model", count=1)
    path = start_session(info)

    def interviewer() -> LLMInterviewer:
        settings = LLMSettings(
            model="openai/fake-model", api_base=fake.base_url, api_key="sk-test", timeout_s=5
        )
        return LLMInterviewer(Gateway(settings))

    def run(respond: Callable[[Prompt], Reply]) -> None:
        run_session(
            path,
            library,
            interviewer=interviewer(),
            candidate=FunctionCandidate(respond),
            clock=FakeClock(),
            listener=SilentListener(),
        )

    fake.reply("Welcome to the coding round.")
    run(lambda _prompt: Reply(Action.QUIT))  # framing and question asked, then quit
    assert not read_session(path).transcript.ended
    fake.reply_json({"action": "move_on", "message": "", "probes": ""})
    fake.always(lambda _body: "Thanks.")
    run(lambda _prompt: Reply(Action.ANSWER, "def chunk_text(text, size, overlap): ..."))
    decision = fake.requests[1]["messages"][0]["content"]
    assert Round.CODING.title in decision
    assert Round.FUNDAMENTALS.title not in decision


def test_usage_is_data_on_the_turn_and_adds_up_across_resumes(
    fake: FakeOpenAI, tmp_path: Path, use_banks: Callable[..., None]
) -> None:
    """Each sitting records what it spent since its last note; the export sums every sitting."""
    use_banks(MINI_BANK)
    library = load_library([MINI_BANK], content_dirs("rubrics"))
    info = plan_session(library, [Round.FUNDAMENTALS], interviewer="llm:openai/m", count=2)
    path = start_session(info)
    settings = LLMSettings(model="openai/m", api_base=fake.base_url, api_key="k", timeout_s=5)
    fake.always(lambda body: '{"action": "move_on", "message": "", "probes": ""}')

    def sitting(respond: Callable[[Prompt], Reply]) -> None:
        run_session(
            path,
            library,
            interviewer=LLMInterviewer(Gateway(settings)),
            candidate=FunctionCandidate(respond),
            clock=FakeClock(),
            listener=SilentListener(),
        )

    answered: list[int] = []

    def once_then_quit(prompt: Prompt) -> Reply:
        if answered:
            return Reply(Action.QUIT)
        answered.append(prompt.index)
        return Reply(Action.ANSWER, "BM25 catches exact codes.")

    sitting(once_then_quit)
    first = [t.meta.usage for t in read_session(path).transcript.turns if t.meta.usage]
    sitting(lambda _prompt: Reply(Action.ANSWER, "Attention scales by sqrt(d)."))
    transcript = read_session(path).transcript
    records = [t.meta.usage for t in transcript.turns if t.meta.usage is not None]
    # The quit recorded the first sitting's spend; the second sitting added its own.
    assert len(first) == 1 and len(records) >= 2
    total = sum(r.usage.total_tokens for r in records)
    assert first[0].usage.total_tokens > 0 and total > first[0].usage.total_tokens
    (line,) = [x for x in models_and_cost(transcript, None) if x.startswith("Interviewer model")]
    assert line.startswith(f"Interviewer model openai/m: {total:,} tokens")
