"""Practice in CI: simulated candidates, --json schema, --junit, --fail-under, batch scoring."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockloop.batch import score_many
from mockloop.candidates.simulated import SimulatedMode
from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Question, QuestionScore, Rubric, Transcript
from mockloop.reports import RunResultDoc
from mockloop.store import read_session, sessions_dir

from conftest import isolate
from fake_openai import FakeOpenAI
from helpers import unscored_copies_of

runner = CliRunner()
SCHEMA_FILE = Path(__file__).parents[1] / "docs" / "json-output.schema.json"
ALL_ROUNDS = ["--no-timer", "--seed", "7", "--questions", "1"]


def run_simulated(mode: str, *extra: str) -> Any:
    result = runner.invoke(
        app, ["interview", *ALL_ROUNDS, "--candidate-model", f"simulated:{mode}", *extra]
    )
    return result


@pytest.fixture(scope="module")
def overall_by_mode(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """One scripted four-round session per simulated mode (module-wide: each takes ~1 s)."""
    scores = {}
    # Module-scoped, so it runs before the per-test isolation: isolate it the same way.
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, tmp_path_factory.mktemp("ci"))
        for mode in SimulatedMode:
            result = run_simulated(mode.value, "--json")
            assert result.exit_code == 0, result.output
            doc = RunResultDoc.model_validate_json(result.stdout)
            assert {r.round.value for r in doc.scorecard.rounds} == {
                "coding",
                "fundamentals",
                "system_design",
                "takehome",
            }
            assert doc.scorecard.overall is not None
            scores[mode.value] = doc.scorecard.overall
    return scores


def test_simulated_candidates_are_ordered_by_quality(overall_by_mode: dict[str, float]) -> None:
    scores = overall_by_mode
    assert scores["strong"] > scores["partial"] > scores["weak"]
    assert scores["strong"] == max(scores.values())
    lowest = min(scores.values())
    assert scores["empty"] == lowest and scores["gibberish"] == lowest
    assert scores["injection"] <= scores["weak"]


def test_injection_is_flagged_not_rewarded() -> None:
    result = run_simulated("injection", "--json", "--round", "fundamentals")
    assert result.exit_code == 0, result.output
    card = RunResultDoc.model_validate_json(result.stdout).scorecard
    assert card.questions
    assert all(q.overall == 1.0 for q in card.questions), card
    assert all(q.flags == ["the answer only tries to instruct the judge"] for q in card.questions)


def test_unknown_simulated_mode_is_a_one_line_usage_error() -> None:
    result = run_simulated("brilliant")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --candidate-model 'simulated:brilliant': mode must be")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not sessions_dir().exists() or not list(sessions_dir().glob("*.jsonl"))


def test_answers_and_candidate_model_are_exclusive(tmp_path: Path) -> None:
    answers = tmp_path / "a.txt"
    answers.write_text("x")
    result = run_simulated("strong", "--answers", str(answers))
    assert result.exit_code == 2
    assert "use --answers or --candidate-model, not both" in result.stderr


def test_junit_report_has_a_case_per_question_and_fails_below_the_mark(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run_simulated("partial", "--junit", str(report), "--fail-under", "4.5")
    assert result.exit_code == 1
    assert "below --fail-under 4.50" in result.stderr
    root = ET.parse(report).getroot()
    cases = root.findall("./testsuite/testcase")
    card = read_session(next(sessions_dir().glob("*.jsonl"))).scorecards[-1]
    assert len(cases) == len(card.questions) == int(root.get("tests", "-1")) == 4
    below = [q.question_id for q in card.questions if q.overall is None or q.overall < 4.5]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == below and int(root.get("failures", "-1")) == len(below) > 0
    suites = {s.get("name", "").split(".")[-1] for s in root.findall("testsuite")}
    assert suites == {"coding", "fundamentals", "system_design", "takehome"}


def test_fail_under_passes_a_strong_run_with_exit_zero() -> None:
    # Strong samples earn 4 to 5 from a judge that rewards claims, not a guaranteed 5.
    result = run_simulated("strong", "--fail-under", "4", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["passed"] is True and doc["fail_under"] == 4.0 and doc["schema_version"] == 1


def test_json_output_schema_is_documented_and_current() -> None:
    documented = json.loads(SCHEMA_FILE.read_text())
    assert documented == RunResultDoc.model_json_schema(), (
        "docs/json-output.schema.json is stale: run `make json-schema` and note the change"
    )


def test_an_llm_can_play_the_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with FakeOpenAI() as fake:
        # The first reply answers the question; the rest answer any follow-ups.
        for _ in range(4):
            fake.reply("Scale by the square root of d_k so the softmax does not saturate.")
        result = runner.invoke(
            app,
            [
                "interview",
                "--round",
                "fundamentals",
                "-n",
                "1",
                "--seed",
                "1",
                "--no-timer",
                "--candidate-model",
                "openai/fake-model",
                "--api-base",
                fake.base_url,
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        first = fake.requests[0]["messages"]
    assert first[0]["role"] == "system" and "candidate" in first[0]["content"]
    transcript = read_session(next(sessions_dir().glob("*.jsonl"))).transcript
    answers = [t.text for t in transcript.turns if t.kind.value == "answer"]
    assert answers[0].startswith("Scale by the square root of d_k")


# -- batch scoring ------------------------------------------------------------------------------


def unscored_copies(folder: Path, count: int) -> list[Path]:
    """`count` finished transcripts without scorecards, as an imported batch would be."""
    folder.mkdir()
    result = run_simulated("partial", "--round", "fundamentals", "--json")
    return unscored_copies_of(Path(json.loads(result.stdout)["transcript"]), folder, count)


class InterruptingJudge(KeypointJudge):
    """Raises KeyboardInterrupt on the n-th question, as Ctrl-C would mid-batch."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.left = after

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().score_question(question, rubric, transcript)


def test_batch_resumes_after_an_interrupt_without_scoring_twice(
    tmp_path: Path, builtin_library: Library
) -> None:
    paths = unscored_copies(tmp_path / "batch", 12)
    library = builtin_library
    with pytest.raises(KeyboardInterrupt):
        score_many(paths, library, InterruptingJudge(after=5), concurrency=1)
    done_first = [p for p in paths if read_session(p).scorecards]
    assert 0 < len(done_first) < len(paths)
    outcome = score_many(paths, library, KeypointJudge(), concurrency=4)
    assert sorted(outcome.skipped) == sorted(done_first)
    assert len(outcome.scored) == len(paths) - len(done_first)
    assert [len(read_session(p).scorecards) for p in paths] == [1] * len(paths)


def test_score_command_scores_a_folder_concurrently_and_skips_what_is_done(
    tmp_path: Path,
) -> None:
    paths = unscored_copies(tmp_path / "batch", 6)
    first = runner.invoke(app, ["score", str(tmp_path / "batch"), "-j", "3", "--json"])
    assert first.exit_code == 0, first.output
    docs = json.loads(first.stdout)
    assert sorted(d["session_id"] for d in docs) == [p.stem for p in paths]
    second = runner.invoke(app, ["score", str(tmp_path / "batch"), "-j", "3"])
    assert second.exit_code == 0 and "Scored 0, skipped 6" in second.stderr
    forced = runner.invoke(app, ["score", str(tmp_path / "batch"), "--rescore", "--json"])
    assert len(json.loads(forced.stdout)) == 6
    assert [len(read_session(p).scorecards) for p in paths] == [2] * 6


@pytest.mark.parametrize("mode", [SimulatedMode.STRONG, SimulatedMode.PARTIAL])
def test_simulated_coding_submission_is_exactly_the_code_of_its_mode(
    mode: SimulatedMode, builtin_library: Library
) -> None:
    from mockloop.candidates.simulated import SimulatedCandidate
    from mockloop.models import Round
    from mockloop.ports import Prompt
    from mockloop.sandbox.summary import extract_code

    library = builtin_library
    coding = [q for q in library.questions if library.round_of(q.id) is Round.CODING]
    for question in coding:
        prompt = Prompt(Round.CODING, question, 1, 1, question.prompt, None, None)
        submitted = extract_code(SimulatedCandidate(mode).reply(prompt).text).strip()
        expected = (
            question.reference_solution if mode is SimulatedMode.STRONG else question.starter_code
        )
        assert submitted == (expected or "").strip(), question.id


class GatedJudge(KeypointJudge):
    """Holds every question until released, and says when `started` sessions are in flight."""

    def __init__(self, started: int) -> None:
        super().__init__()
        self.release = threading.Event()
        self.all_started = threading.Barrier(started + 1)

    def score_question(
        self, question: Question, rubric: Rubric, transcript: Transcript
    ) -> QuestionScore:
        if not self.release.is_set():
            self.all_started.wait(timeout=10)
            self.release.wait(timeout=10)
        return super().score_question(question, rubric, transcript)


def test_ctrl_c_keeps_the_scorecards_in_flight_and_starts_nothing_new(
    tmp_path: Path, builtin_library: Library
) -> None:
    paths = unscored_copies(tmp_path / "batch", 6)
    judge = GatedJudge(started=2)

    def interrupt_when_two_are_in_flight() -> None:
        judge.all_started.wait(timeout=10)
        os.kill(os.getpid(), signal.SIGINT)  # asyncio.run turns it into cancellation
        time.sleep(0.2)
        judge.release.set()

    # A run started in the background (nohup, CI) inherits SIGINT ignored; Ctrl-C is what this
    # test is about, so it installs Python's own handler for its duration.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=interrupt_when_two_are_in_flight, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            score_many(paths, builtin_library, judge, concurrency=2)
    finally:
        signal.signal(signal.SIGINT, previous)
    scored = [p.name for p in paths if read_session(p).scorecards]
    assert scored == ["t000.jsonl", "t001.jsonl"]  # the two in flight, and nothing queued


def test_a_damaged_session_fails_alone_and_the_batch_goes_on(tmp_path: Path) -> None:
    paths = unscored_copies(tmp_path / "batch", 3)
    _header, rest = paths[1].read_text().split("\n", 1)
    paths[1].write_text("{not json\n" + rest)
    result = runner.invoke(app, ["score", str(tmp_path / "batch"), "-j", "2"])
    assert result.exit_code == 1, result.output
    assert "t001: " in result.stderr and "Traceback" not in result.output
    assert "Scored 2, skipped 0 already scored by this judge, 1 failed" in " ".join(
        result.stderr.split()
    )
    assert [bool(read_session(p).scorecards) for p in (paths[0], paths[2])] == [True, True]


def test_fail_under_and_junit_cover_sessions_scored_before(tmp_path: Path) -> None:
    unscored_copies(tmp_path / "batch", 3)
    assert runner.invoke(app, ["score", str(tmp_path / "batch")]).exit_code == 0
    junit = tmp_path / "again.xml"
    again = runner.invoke(
        app, ["score", str(tmp_path / "batch"), "--fail-under", "4.9", "--junit", str(junit)]
    )
    assert "Scored 0, skipped 3" in again.stderr
    assert again.exit_code == 1, again.output  # the skipped sessions still count
    assert "3 session(s) below --fail-under 4.90" in again.stderr
    suites = ET.parse(junit).getroot()
    assert suites.get("tests") == "3" and suites.get("failures") == "3"


def test_an_unwritable_junit_path_is_a_one_line_error(tmp_path: Path) -> None:
    unscored_copies(tmp_path / "batch", 2)
    target = tmp_path / "missing" / "scores.xml"
    result = runner.invoke(app, ["score", str(tmp_path / "batch"), "--junit", str(target)])
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last == f"error: {target}: cannot write the JUnit report: No such file or directory"


def test_a_session_asking_an_unknown_question_is_a_one_line_error(tmp_path: Path) -> None:
    (path,) = unscored_copies(tmp_path / "batch", 1)
    assert runner.invoke(app, ["score", str(path)]).exit_code == 0  # export shows the scores
    question_id = read_session(path).transcript.session.plan[0].question_ids[0]
    path.write_text(path.read_text().replace(question_id, "zz-removed-question"))
    for command in (["score", str(path)], ["export", str(path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            "error: question 'zz-removed-question' is in no bank in use; add its bank with "
            "MOCKLOOP_QUESTION_BANKS\n"
        )
