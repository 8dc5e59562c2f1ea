"""The coding round: /run shows visible tests, the first answer is submitted to hidden tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockloop.content import Library, load_library
from mockloop.engine import Engine, plan_session
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.models import Question, Round, TestRunRecord, TurnKind
from mockloop.paths import content_dirs
from mockloop.ports import Action, FakeClock, Reply, RunSummary, SilentListener
from mockloop.sandbox.summary import extract_code
from mockloop.sessions import start_session
from mockloop.store import SessionWriter, read_session

from conftest import FIXTURES
from helpers import FunctionCandidate

CODE = "```python\ndef chunk_text(text, size, overlap):\n    return [text]\n```\nLinear time."


class RecordingRunner:
    """A code runner that records what it ran and reports a fixed pass count."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []

    def run(self, question: Question, code: str, label: str) -> RunSummary:
        self.runs.append((label, code))
        total = 2 if label == "visible" else 5
        record = TestRunRecord(label=label, status="ok", passed=1, total=total)  # type: ignore[arg-type]
        return RunSummary(label, "ok", 1, total, f"{label}: 1 of {total} passed", record)


@pytest.fixture
def coding_library() -> Library:
    return load_library([FIXTURES / "question_banks" / "mini_coding.yaml"], content_dirs("rubrics"))


def run_coding(
    library: Library, replies: list[Reply], runner: RecordingRunner
) -> tuple[Path, FunctionCandidate]:
    info = plan_session(library, [Round.CODING], interviewer="scripted", seed=1)
    path = start_session(info)
    queue = iter(replies)
    candidate = FunctionCandidate(lambda p: next(queue, Reply(Action.SKIP)))
    with SessionWriter(path) as writer:
        Engine(library, read_session(path), ScriptedInterviewer(), candidate, FakeClock(), writer,
               SilentListener(), code_runner=runner).run()  # fmt: skip
    return path, candidate


def test_run_then_submit_records_test_runs(coding_library: Library) -> None:
    runner = RecordingRunner()
    replies = [Reply(Action.RUN_TESTS, CODE), Reply(Action.ANSWER, CODE)]
    path, candidate = run_coding(coding_library, replies, runner)
    assert [label for label, _ in runner.runs] == ["visible", "visible", "hidden"]
    turns = read_session(path).transcript.turns
    test_runs = [t for t in turns if t.kind is TurnKind.TEST_RUN]
    assert [t.meta.tests.label for t in test_runs if t.meta.tests] == [
        "visible",
        "visible",
        "hidden",
    ]
    # The code stays in the editor after /run.
    assert candidate.prompts[1].draft == CODE


def test_hidden_pass_rate_drives_correctness(coding_library: Library) -> None:
    from mockloop.judges.keypoints import KeypointJudge
    from mockloop.scoring import score_transcript

    path, _ = run_coding(coding_library, [Reply(Action.ANSWER, CODE)], RecordingRunner())
    card = score_transcript(read_session(path).transcript, coding_library, KeypointJudge())
    correctness = next(c for c in card.questions[0].criteria if c.criterion == "correctness")
    assert correctness.score == 2  # 1 of 5 hidden tests: 1 + round(4 * 0.2)
    assert correctness.rationale == "Passed 1 of 5 hidden tests (20%)."


def test_a_skipped_question_is_no_answer_not_insufficient_evidence(
    coding_library: Library,
) -> None:
    from mockloop.judges.keypoints import KeypointJudge
    from mockloop.scoring import score_transcript

    path, _ = run_coding(coding_library, [Reply(Action.SKIP)], RecordingRunner())
    card = score_transcript(read_session(path).transcript, coding_library, KeypointJudge())
    correctness = next(c for c in card.questions[0].criteria if c.criterion == "correctness")
    assert correctness.score == 1 and "no answer given" in correctness.rationale
    assert card.questions[0].overall == 1.0 and "no answer given" in card.questions[0].flags


def test_extract_code_prefers_fenced_blocks() -> None:
    assert extract_code(CODE).startswith("def chunk_text")
    assert "Linear time" not in extract_code(CODE)
    assert extract_code("x = 1") == "x = 1"


def test_a_fence_inside_the_code_does_not_cut_the_submission_short() -> None:
    from mockloop.sandbox.summary import extract_code

    code = (
        'import re\n\nFENCE = re.compile(r"```json\\n(.*?)```", re.S)\n\n\n'
        "def f() -> int:\n    return 1"
    )
    answer = f"I strip the fences first.\n\n```python\n{code}\n```\n\nThen I parse."
    assert extract_code(answer) == code
    assert extract_code("no fences, just code\nx = 1") == "no fences, just code\nx = 1"
