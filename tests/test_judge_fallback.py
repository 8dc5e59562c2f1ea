"""The LLM judge degrades instead of failing: simpler JSON forms, one criterion at a time, and
at last the offline judge, labelled as such; a weak judge model never costs the scorecard."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import Library, load_library
from mockloop.judges.llm import DEGRADED_FLAG, GIVE_UP_AFTER, OFFLINE_FALLBACK, CriterionVerdict
from mockloop.llm.structured import json_forms
from mockloop.models import QuestionScore

from conftest import MINI_BANK
from fake_openai import FakeOpenAI, serve

runner = CliRunner()
ANSWER = "Vector search finds paraphrases. BM25 catches exact product codes."
CRITERIA = ("correctness", "depth", "communication")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    yield from serve()


@pytest.fixture
def session(use_banks, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """An offline interview on one mini-bank question, saved and ready to re-score."""
    use_banks(MINI_BANK)
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER]}))
    args = [
        "interview",
        "-r",
        "fundamentals",
        "--topic",
        "rag",
        "--no-timer",
        "--json",
        "--answers",
        str(answers),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["session_id"])


def criterion(score: int) -> dict[str, Any]:
    return {"score": score, "rationale": f"scored {score}", "evidence": ["BM25 catches exact"]}


def whole(**scores: int) -> dict[str, Any]:
    return {"criteria": {c: criterion(s) for c, s in scores.items()}, "missing_key_points": []}


def score(session: str, fake: FakeOpenAI, model: str = "openai/fake-model") -> Any:
    args = ["score", session, "--json", "--judge-model", model, "--api-base", fake.base_url]
    return runner.invoke(app, args)


def test_a_server_that_rejects_json_schema_gets_json_object(fake: FakeOpenAI, session: str) -> None:
    # llama.cpp's server answers 500 to a json_schema response_format; the schema is in the
    # prompt anyway, so json_object (or nothing) works. A model litellm knows takes json_schema.
    fake.reject_format("json_schema").reply_json(whole(correctness=4, depth=3, communication=5))
    result = score(session, fake, "openai/gpt-4o-mini")
    assert result.exit_code == 0, result.output
    kinds = [(r.get("response_format") or {}).get("type") for r in fake.requests]
    assert kinds == ["json_schema", "json_object"]  # one rejected try, no retries of the same
    card = json.loads(result.stdout)["scorecard"]
    question = card["questions"][0]
    assert question["scored_by"] is None and question["overall"] is not None
    assert [c["score"] for c in question["criteria"]] == [4, 3, 5]


def test_a_partial_verdict_keeps_what_is_valid_and_asks_the_rest_one_at_a_time(
    fake: FakeOpenAI, session: str
) -> None:
    partial = whole(correctness=4)  # depth and communication missing
    fake.reply_json(partial).reply_json(partial)  # the whole verdict, and its one repair
    fake.reply_json(criterion(2)).reply_json(criterion(5))  # depth, then communication
    result = score(session, fake)
    assert result.exit_code == 0, result.output
    question = json.loads(result.stdout)["scorecard"]["questions"][0]
    assert [c["score"] for c in question["criteria"]] == [4, 2, 5]
    assert DEGRADED_FLAG in question["flags"] and question["scored_by"] is None
    single = fake.requests[2]["messages"]
    assert "<criterion>\ndepth" in single[1]["content"]
    assert json.loads(single[-1]["content"].split("schema:\n", 1)[1]) == (
        CriterionVerdict.model_json_schema()
    )
    assert fake.pending == 0 and len(fake.requests) == 4


def test_bad_json_then_a_flat_criterion_verdict(fake: FakeOpenAI, session: str) -> None:
    fake.reply_invalid_json().reply_invalid_json()  # the whole verdict fails twice
    fake.reply_invalid_json().reply_json(criterion(3))  # correctness: a repair works
    fake.reply_json(criterion(3)).reply_json(criterion(4))
    result = score(session, fake)
    assert result.exit_code == 0, result.output
    question = json.loads(result.stdout)["scorecard"]["questions"][0]
    assert [c["score"] for c in question["criteria"]] == [3, 3, 4]
    assert question["covered_points"] == [] and question["missed_points"] == []


def test_a_model_that_never_gives_json_leaves_the_question_to_the_offline_judge(
    fake: FakeOpenAI, session: str, tmp_path: Path
) -> None:
    fake.always(lambda _body: "I think the answer is pretty good, maybe a 4?")
    result = score(session, fake)
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    question = card["questions"][0]
    assert question["scored_by"] == OFFLINE_FALLBACK
    assert any(f.startswith(OFFLINE_FALLBACK) for f in question["flags"])
    assert question["overall"] is not None and card["overall"] is not None
    assert card["judge"]["engine"] == "llm"
    assert card["judge"]["settings"]["scored_offline"] == ["mini-hybrid-search"]
    notices = [line for line in result.stderr.splitlines() if "scored it offline" in line]
    assert len(notices) == 1 and "mini-hybrid-search" in notices[0]
    # The human scorecard and the exports say so too.
    human = runner.invoke(app, ["score", session, "--judge-model", "openai/fake-model",
                                "--api-base", fake.base_url])  # fmt: skip
    assert human.exit_code == 0, human.output
    shown = " ".join(human.stdout.split())
    assert f"mini-hybrid-search {question['overall']:.2f} [{OFFLINE_FALLBACK}]" in shown
    assert f"1 scored {OFFLINE_FALLBACK}." in " ".join(human.stdout.split())
    markdown = runner.invoke(app, ["export", card["session_id"], "--format", "md"])
    assert markdown.exit_code == 0, markdown.output
    assert f"({OFFLINE_FALLBACK})" in markdown.stdout


def test_setup_errors_still_stop_scoring(fake: FakeOpenAI, session: str) -> None:
    fake.fail(401, "Incorrect API key provided")
    result = score(session, fake)
    assert result.exit_code == 2
    assert "score it later" in result.output


def test_stored_scorecards_without_the_new_fields_still_load() -> None:
    old = {
        "question_id": "q",
        "round": "fundamentals",
        "topic": "t",
        "rubric": "fundamentals",
        "criteria": [{"criterion": "correctness", "score": 3, "rationale": "r"}],
        "overall": 3.0,
    }
    loaded = QuestionScore.model_validate(old)
    assert loaded.scored_by is None and loaded.criteria[0].samples == []


class Shape(BaseModel):
    value: int


def test_structured_output_forms_per_provider() -> None:
    assert [name for name, _ in json_forms("ollama_chat/llama3.2", Shape)] == [
        "ollama_format",
        "json_object",
        "prompt_only",
    ]
    ollama = json_forms("ollama/qwen2.5", Shape)[0][1]
    assert ollama == {"format": Shape.model_json_schema()}
    assert next(name for name, _ in json_forms("openai/gpt-4o-mini", Shape)) == "json_schema"
    assert json_forms("openai/some-local-model", Shape)[0][0] == "json_object"


def test_a_round_with_a_weak_model_still_ends_with_a_scorecard(
    fake: FakeOpenAI, use_banks: Callable[..., None], tmp_path: Path
) -> None:
    # The case from issue 14: a tiny local model for both interviewer and judge never gives
    # usable JSON; the round used to end with exit 2 and no scorecard.
    use_banks(MINI_BANK)
    fake.always(lambda _body: "Sure! Great answer, I would give it a good score overall.")
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [ANSWER]}))
    args = ["interview", "-r", "fundamentals", "--topic", "rag", "--no-timer", "--json",
            "--answers", str(answers), "--model", "openai/fake-model", "--api-base",
            fake.base_url]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    assert card["overall"] is not None
    assert [q["scored_by"] for q in card["questions"]] == [OFFLINE_FALLBACK]


@pytest.fixture
def five_questions(tmp_path: Path) -> tuple[str, list[str]]:
    """An offline fundamentals round of five built-in questions: its id and question ids."""
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps([ANSWER] * 20))
    args = ["interview", "-r", "fundamentals", "-n", "5", "--no-timer", "--json",
            "--answers", str(answers)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    return str(out["session_id"]), [q["question_id"] for q in out["scorecard"]["questions"]]


def asked_about(fake: FakeOpenAI, questions: list[dict[str, Any]]) -> list[str]:
    """The questions (in order) whose prompt some request to the model carried."""
    library = load_library()
    sent = " ".join(str(m.get("content")) for r in fake.requests for m in r["messages"])
    ids = [q["question_id"] for q in questions]
    return [i for i in ids if library.question(i).prompt.strip() in sent]


def test_a_model_that_fails_question_after_question_is_no_longer_asked(
    fake: FakeOpenAI, five_questions: tuple[str, list[str]]
) -> None:
    # SmolLM2-135M took about 110 s an answer to fail every form; after GIVE_UP_AFTER questions
    # in a row the rest of the run is scored offline without asking it.
    fake.always(lambda _body: "Sure! Great answer, I would give it a good score overall.")
    result = score(five_questions[0], fake)
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    questions = card["questions"]
    assert [q["scored_by"] for q in questions] == [OFFLINE_FALLBACK] * 5
    ids = [q["question_id"] for q in questions]
    assert asked_about(fake, questions) == ids[:GIVE_UP_AFTER]
    reason = f"not asked after failing {GIVE_UP_AFTER} questions in a row"
    for question in questions[GIVE_UP_AFTER:]:
        assert f"{OFFLINE_FALLBACK}: {reason}" in question["flags"]
    assert card["judge"]["settings"]["gave_up"] == reason
    stderr = result.stderr.splitlines()
    assert sum(f"failed every form on {GIVE_UP_AFTER} questions" in x for x in stderr) == 1
    assert sum("scored it offline" in line for line in stderr) == GIVE_UP_AFTER


def test_a_question_the_model_judges_resets_the_count(
    fake: FakeOpenAI, five_questions: tuple[str, list[str]]
) -> None:
    # Fail, fail, judge, fail, fail: never three in a row, so every question is asked.
    session, ids = five_questions
    third = load_library().question(ids[2]).prompt.strip()

    def reply(body: dict[str, Any]) -> str:
        if third in " ".join(str(m.get("content")) for m in body["messages"]):
            return json.dumps(whole(correctness=4, depth=3, communication=4))
        return "Sure! Great answer."

    fake.always(reply)
    result = score(session, fake)
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    questions = card["questions"]
    assert [q["scored_by"] for q in questions] == [OFFLINE_FALLBACK] * 2 + [None] + [
        OFFLINE_FALLBACK
    ] * 2
    assert asked_about(fake, questions) == [q["question_id"] for q in questions]
    assert "gave_up" not in card["judge"]["settings"]


def test_the_model_judge_sees_the_banks_graded_samples_with_their_scores(
    fake: FakeOpenAI, session: str, mini_library: Library
) -> None:
    fake.reply_json(whole(correctness=4, depth=3, communication=5))
    result = score(session, fake)
    assert result.exit_code == 0, result.output
    user = fake.requests[0]["messages"][1]["content"]
    question = mini_library.question("mini-hybrid-search")
    block = user.split("<graded_examples>\n", 1)[1].split("\n</graded_examples>", 1)[0]
    for sample in question.samples:
        scores = ", ".join(f"{k} {v}" for k, v in sample.scores.items())
        assert f'<example grade="{sample.label.value}" scores="{scores}">' in block
        assert sample.answer.strip() in block
    assert ANSWER not in block  # the candidate's own answer is in <candidate_turns> only


def test_an_answer_that_is_a_graded_sample_is_not_shown_as_its_own_example(
    use_banks: Callable[..., None], tmp_path: Path, fake: FakeOpenAI, mini_library: Library
) -> None:
    use_banks(MINI_BANK)
    question = mini_library.question("mini-hybrid-search")
    strong = next(s.answer for s in question.samples if s.label.value == "strong")
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": [strong]}))
    args = ["interview", "-r", "fundamentals", "--topic", "rag", "--no-timer", "--json"]
    result = runner.invoke(app, [*args, "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    fake.reply_json(whole(correctness=5, depth=4, communication=5))
    scored = score(str(json.loads(result.stdout)["session_id"]), fake)
    assert scored.exit_code == 0, scored.output
    user = fake.requests[0]["messages"][1]["content"]
    block = user.split("<graded_examples>\n", 1)[1].split("\n</graded_examples>", 1)[0]
    assert 'grade="strong"' not in block and 'grade="partial"' in block
