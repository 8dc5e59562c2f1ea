"""Code and take-homes are judged on what the candidate wrote, never on what they were given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.bankcheck import one_answer_transcript
from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import QuestionScore, Role, Round, Transcript, Turn, TurnKind

runner = CliRunner()


@pytest.fixture(scope="module")
def judge() -> KeypointJudge:
    return KeypointJudge()


def with_hidden_run(transcript: Transcript, passed: int, total: int) -> Transcript:
    run = Turn(
        seq=len(transcript.turns),
        round=Round.CODING,
        question_id=transcript.turns[0].question_id,
        role=Role.SYSTEM,
        kind=TurnKind.TEST_RUN,
        text=f"Hidden tests: {passed} of {total} passed",
        meta={"label": "hidden", "status": "ok", "passed": passed, "total": total},
    )
    return transcript.model_copy(update={"turns": [*transcript.turns, run]})


def coding_score(
    judge: KeypointJudge, library: Library, answer: str, passed: int, total: int
) -> QuestionScore:
    question = library.question("code-parse-sse")
    transcript = with_hidden_run(
        one_answer_transcript(question, answer, Round.CODING), passed, total
    )
    return judge.score_question(question, library.rubric_for(question), transcript)


def test_a_skipped_coding_question_is_no_answer(
    judge: KeypointJudge, builtin_library: Library
) -> None:
    """Submitting the untouched starter code scored 2.5 on the starter's own lines."""
    question = builtin_library.question("code-parse-sse")
    assert question.starter_code is not None
    result = coding_score(judge, builtin_library, f"```python\n{question.starter_code}```", 2, 9)
    assert result.overall == 1.0
    assert "no answer given" in result.flags
    assert all(not c.evidence for c in result.criteria)


def test_more_hidden_tests_passed_never_scores_lower(
    judge: KeypointJudge, builtin_library: Library
) -> None:
    """A correct SSE parser (9/9) scored 4.10 and a wrong one (6/9) 3.85 with code quality 5."""
    question = builtin_library.question("code-parse-sse")
    code = f"```python\n{question.reference_solution}```"
    scores = [coding_score(judge, builtin_library, code, passed, 9) for passed in range(10)]
    overall = [s.overall or 0.0 for s in scores]
    assert overall == sorted(overall), overall
    wrong = {c.criterion: c.score for c in scores[6].criteria}
    assert wrong["code_quality"] is not None and wrong["correctness"] is not None
    assert wrong["code_quality"] <= wrong["correctness"]
    assert overall[9] > overall[6]


def test_evidence_never_quotes_the_starter_code(
    judge: KeypointJudge, builtin_library: Library
) -> None:
    question = builtin_library.question("code-parse-sse")
    assert question.starter_code is not None
    given = {line.strip() for line in question.starter_code.splitlines() if line.strip()}
    code = f"```python\n{question.reference_solution}```\nI buffer data lines until a blank line."
    result = coding_score(judge, builtin_library, code, 9, 9)
    quotes = [e.quote.strip() for c in result.criteria for e in c.evidence]
    assert quotes and not any(q in given for q in quotes), quotes


@pytest.mark.slow
def test_an_untouched_takehome_is_no_answer(builtin_library: Library, tmp_path: Path) -> None:
    """An untouched take-home scored 3.25 by quoting the brief's own README and data files."""
    brief = next(
        q.id for q in builtin_library.questions if q.workspace and q.id == "th-rag-docs-qa"
    )
    folder = tmp_path / "ws"
    assert runner.invoke(app, ["takehome", "start", brief, str(folder)]).exit_code == 0
    result = runner.invoke(app, ["takehome", "submit", str(folder), "--json", "--fail-under", "3"])
    payload = json.loads(result.stdout)
    (question,) = payload["scorecard"]["questions"]
    assert question["overall"] == 1.0, question
    assert "no answer given" in question["flags"]
    assert all(not c["evidence"] for c in question["criteria"])
    assert result.exit_code != 0  # --fail-under 3 must not pass an untouched brief
