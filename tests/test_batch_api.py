"""`score --batch` over real HTTP: litellm's files and batches calls against the fake server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockloop.batchcollect import run_batches
from mockloop.batchjobs import BatchJobs
from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.judges.llm import LLMJudge
from mockloop.llm.batches import BatchClient
from mockloop.llm.gateway import Gateway, LLMSettings
from mockloop.store import read_session

from fake_openai import FakeOpenAI
from helpers import unscored_copies_of

runner = CliRunner()
MODEL = "openai/fake-model"


def verdict_for(body: dict[str, Any]) -> str:
    """A valid verdict for whatever rubric the request's JSON schema asks about."""
    instruction = body["messages"][-1]["content"]  # the gateway's JSON instruction, last
    schema = json.loads(instruction[instruction.index("\n{") :])
    criteria = next(v for k, v in schema["$defs"].items() if k.startswith("Criteria_"))
    verdict = {
        c: {"score": 4, "rationale": "Solid.", "evidence": []} for c in criteria["properties"]
    }
    return json.dumps({"criteria": verdict, "missing_key_points": []})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with FakeOpenAI() as server:
        server.always(verdict_for)
        server.batches.batch_polls = 0  # done at the first look; one test checks the wait
        yield server


def sessions(folder: Path, count: int) -> list[Path]:
    """`count` finished one-question transcripts without scorecards."""
    folder.mkdir()
    result = runner.invoke(
        app,
        ["interview", "--no-timer", "--seed", "7", "--questions", "1", "--round", "fundamentals",
         "--candidate-model", "simulated:partial", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    source = Path(json.loads(result.stdout)["transcript"])
    paths = unscored_copies_of(source, folder, count)
    source.unlink()
    return paths


def said(result: Any) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def score(fake: FakeOpenAI, folder: Path, *extra: str) -> Any:
    args = ["score", str(folder), "--batch", "--judge-model", MODEL, "--api-base", fake.base_url]
    return runner.invoke(app, [*args, *extra])


def test_a_batch_is_created_then_resumed_not_resent_then_collected(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    paths = sessions(tmp_path / "b", 3)
    fake.batches.batch_polls = 2
    first = score(fake, tmp_path / "b")
    assert first.exit_code == 0, first.output
    assert "Run the same command to collect it" in said(first)
    assert fake.batches.created == 1 and not any(read_session(p).scorecards for p in paths)
    again = score(fake, tmp_path / "b")  # still in progress: polled, nothing sent again
    assert again.exit_code == 0 and fake.batches.created == 1
    assert "in_progress" in said(again)
    done = score(fake, tmp_path / "b", "--wait", "--json")
    assert done.exit_code == 0, done.output
    assert fake.batches.created == 1
    assert sorted(d["session_id"] for d in json.loads(done.stdout)) == [p.stem for p in paths]
    for path in paths:
        (card,) = read_session(path).scorecards
        assert card.judge.engine == "llm" and card.judge.settings["batch"].startswith("batch_")
        assert card.judge.settings["usage"]["prompt_tokens"] > 0
        assert all(c.score == 4 for q in card.questions for c in q.criteria)
    assert len(fake.requests) == 3  # three batch lines answered, no live repair
    last = score(fake, tmp_path / "b", "--wait")
    assert "Scored 0, skipped 3" in said(last) and fake.batches.created == 1


def test_an_interrupted_wait_resumes_the_same_batch(
    tmp_path: Path, fake: FakeOpenAI, builtin_library: Library
) -> None:
    paths = sessions(tmp_path / "b", 2)
    fake.batches.batch_polls = 5
    settings = LLMSettings(model=MODEL, api_base=fake.base_url)
    judge = LLMJudge(Gateway(settings))

    def ctrl_c(_seconds: float) -> None:
        raise KeyboardInterrupt

    jobs = BatchJobs(builtin_library, judge, BatchClient(settings))
    with pytest.raises(KeyboardInterrupt):
        run_batches(jobs, paths, wait=True, sleep=ctrl_c)
    assert fake.batches.created == 1
    (job,) = jobs.open_jobs()
    assert job.batch_id in fake.batches.batches
    assert jobs.sessions_of(job) == paths  # the request -> session map is in the index
    result = score(fake, tmp_path / "b", "--wait")
    assert result.exit_code == 0, result.output
    assert fake.batches.created == 1 and "Scored 2" in said(result)
    assert all(
        read_session(p).scorecards[-1].judge.settings["batch"] == job.batch_id for p in paths
    )
    assert jobs.open_jobs() == []


def test_a_bad_line_and_a_failed_line_are_repaired_by_live_requests(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    paths = sessions(tmp_path / "b", 3)
    fake.reply_invalid_json()  # the first batch line: not JSON
    fake.server_error()  # the second: an HTTP 500 inside the batch (its error file)
    result = score(fake, tmp_path / "b", "--wait")
    assert result.exit_code == 0, result.output
    expected = "Scored 3, skipped 0 already scored by this judge, 0 failed, 2 repaired live"
    assert expected in said(result)
    assert len(fake.requests) == 3 + 2  # three batch lines, then two live repairs
    assert all(read_session(p).scorecards for p in paths)


def test_an_expired_batch_scores_what_came_back_and_lists_the_rest(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    paths = sessions(tmp_path / "b", 3)
    fake.batches.expire_after = 1
    result = score(fake, tmp_path / "b", "--wait")
    assert result.exit_code == 1, result.output
    stderr = said(result)
    assert "t001: the batch expired before this session was answered" in stderr
    assert "t002: the batch expired" in stderr and "Scored 1," in stderr
    assert [bool(read_session(p).scorecards) for p in paths] == [True, False, False]
    fake.batches.expire_after = None
    again = score(fake, tmp_path / "b", "--wait")
    assert again.exit_code == 0, again.output
    assert fake.batches.created == 2 and "Scored 2, skipped 1" in said(again)


def test_a_provider_without_a_batch_api_names_the_alternative(tmp_path: Path) -> None:
    sessions(tmp_path / "b", 2)
    result = runner.invoke(
        app, ["score", str(tmp_path / "b"), "--batch", "--judge-model", "ollama/llama3"]
    )
    assert result.exit_code == 2
    assert re.fullmatch(r"error: ollama/llama3: .* --concurrency N instead\n", result.stderr)


def test_batch_needs_a_judge_model(tmp_path: Path) -> None:
    sessions(tmp_path / "b", 2)
    result = runner.invoke(app, ["score", str(tmp_path / "b"), "--batch"])
    assert result.exit_code == 2 and "--judge-model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_session_with_an_unknown_question_fails_alone_and_sends_nothing(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    paths = sessions(tmp_path / "b", 2)
    question_id = read_session(paths[1]).transcript.session.plan[0].question_ids[0]
    paths[1].write_text(paths[1].read_text().replace(question_id, "zz-removed"))
    result = score(fake, tmp_path / "b", "--wait")
    assert result.exit_code == 1, result.output
    assert "t001: question 'zz-removed' is in no bank in use" in said(result)
    assert len(fake.requests) == 1  # only the good session's request was in the batch
    assert read_session(paths[0]).scorecards and not read_session(paths[1]).scorecards


def test_the_streamed_report_covers_new_and_filed_scorecards(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    import xml.etree.ElementTree as ET

    from mockloop.reports import junit_xml

    paths = sessions(tmp_path / "b", 5)
    first = runner.invoke(
        app,
        ["score", *map(str, paths[:3]), "--batch", "--wait", "--judge-model", MODEL,
         "--api-base", fake.base_url],
    )  # fmt: skip
    assert first.exit_code == 0 and "Scored 3, skipped 0" in said(first), first.output
    junit = tmp_path / "scores.xml"
    args = ("--wait", "--json", "--junit", str(junit), "--fail-under", "4.5")
    result = score(fake, tmp_path / "b", *args)
    assert result.exit_code == 1, result.output  # every verdict is 4: all below 4.5
    docs = json.loads(result.stdout)
    assert sorted(d["session_id"] for d in docs) == sorted(p.stem for p in paths)
    assert all(d["passed"] is False for d in docs)
    cards = [(read_session(p).scorecards[-1], read_session(p).transcript) for p in paths]
    by_id = {card.session_id: (card, t) for card, t in cards}
    order = [s.get("name", "").split(".")[0] for s in ET.parse(junit).getroot()]
    expected = junit_xml([by_id[session] for session in order], 4.5)
    assert junit.read_text() == expected  # the streamed file is the one-shot document
    root = ET.fromstring(expected)
    assert root.get("tests") == "5" and root.get("failures") == "5"
