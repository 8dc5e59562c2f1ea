"""Author checks: samples rank in order, reference code passes, starter code fails."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mockloop.content import Library, requirements_met
from mockloop.models import (
    Question,
    Role,
    Round,
    RoundPlan,
    SampleLabel,
    SessionInfo,
    Transcript,
    Turn,
    TurnKind,
)
from mockloop.ports import Judge
from mockloop.sandbox.runner import RunStatus, TestRun, run_code_tests, run_workspace_tests
from mockloop.takehome import TakehomeError, write_files

MIN_HIDDEN_TESTS = 5
_FILE_HEADER = re.compile(r"^# file: (\S+)\n", re.M)


@dataclass(frozen=True)
class CheckResult:
    """What one question's checks found; `problems` is empty when it passes."""

    question_id: str
    sample_scores: dict[str, float]
    problems: list[str]


def one_answer_transcript(question: Question, answer: str, round_: Round) -> Transcript:
    """A transcript in which `answer` is the only reply to `question`."""
    info = SessionInfo(
        id="check",
        plan=[
            RoundPlan(round=round_, question_ids=[question.id], time_limit_s=question.time_limit)
        ],
        interviewer="scripted",
    )
    turns = [
        Turn(
            seq=0,
            round=round_,
            question_id=question.id,
            role=Role.INTERVIEWER,
            kind=TurnKind.QUESTION,
            text=question.prompt,
        ),
        Turn(
            seq=1,
            round=round_,
            question_id=question.id,
            role=Role.CANDIDATE,
            kind=TurnKind.ANSWER,
            text=answer,
        ),
    ]
    return Transcript(session=info, turns=turns)


def answer_score(judge: Judge, library: Library, question: Question, answer: str) -> float | None:
    """The judge's overall score for a single answer to a question."""
    round_ = library.round_of(question.id)
    transcript = one_answer_transcript(question, answer, round_)
    return judge.score_question(question, library.rubric_for(question), transcript).overall


def sample_scores(judge: Judge, library: Library, question: Question) -> dict[str, float]:
    """Judge's overall score per labelled sample (strong, partial, weak)."""
    scores: dict[str, float] = {}
    for sample in question.samples:
        value = answer_score(judge, library, question, sample.answer)
        scores[sample.label.value] = value if value is not None else 0.0
    return scores


def ranking_problems(scores: dict[str, float]) -> list[str]:
    """Strong must score above partial, and partial above weak."""
    order = [label.value for label in SampleLabel]
    if not all(label in scores for label in order):
        return [f"needs strong, partial and weak samples, has {sorted(scores)}"]
    values = [scores[label] for label in order]
    if values[0] > values[1] > values[2]:
        return []
    shown = ", ".join(f"{label} {scores[label]:.2f}" for label in order)
    return [f"samples out of order under the offline scorer: {shown}"]


def solved_files(reference: str) -> dict[str, str]:
    """`# file: name` sections of a take-home reference solution."""
    parts = _FILE_HEADER.split(reference)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def describe(result: TestRun) -> str:
    """A failed run in one line: status, counts and the first failing test's message."""
    failed = next((o for o in result.outcomes if not o.passed), None)
    first = f"; {failed.name}: {failed.message}" if failed else ""
    return f"{result.status} {result.passed}/{result.total} passed{first} {result.detail}".strip()


def coding_problems(question: Question) -> list[str]:
    """Reference passes visible and hidden tests; starter fails a hidden one."""
    if not requirements_met(question):
        return []  # cannot be checked here; `banks check` says so separately
    if not (question.tests and question.reference_solution and question.starter_code):
        return ["coding question needs tests, reference_solution and starter_code"]
    problems: list[str] = []
    for label in ("visible", "hidden"):
        tests = getattr(question.tests, label)
        result = run_code_tests(question.reference_solution, tests, requires=question.requires)
        if not (result.status is RunStatus.OK and result.passed == result.total > 0):
            problems.append(f"reference solution on {label} tests: {describe(result)}")
    hidden = run_code_tests(
        question.starter_code, question.tests.hidden, requires=question.requires
    )
    if hidden.total < MIN_HIDDEN_TESTS:
        problems.append(f"{hidden.total} hidden tests, want at least {MIN_HIDDEN_TESTS}")
    elif hidden.passed == hidden.total:
        problems.append("starter code passes every hidden test")
    return problems


def takehome_problems(question: Question) -> list[str]:
    """The starter workspace fails a hidden test; the reference files pass them all."""
    if not (question.tests and question.workspace and question.reference_solution):
        return ["take-home needs tests, workspace and a `# file:` reference_solution"]
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mockloop-check-") as tmp:
        root = Path(tmp)
        try:
            write_files(root, question.workspace)
        except TakehomeError as exc:
            return [str(exc)]
        starter = run_workspace_tests(root, question.tests.hidden, label="hidden")
        if starter.total < MIN_HIDDEN_TESTS:
            problems.append(f"{starter.total} hidden tests, want at least {MIN_HIDDEN_TESTS}")
        elif starter.passed == starter.total:
            problems.append("starter workspace passes every hidden test")
        try:
            write_files(root, solved_files(question.reference_solution))
        except TakehomeError as exc:
            return [*problems, f"reference solution: {exc}"]
        for label in ("visible", "hidden"):
            result = run_workspace_tests(root, getattr(question.tests, label), label=label)
            if not (result.status is RunStatus.OK and result.passed == result.total > 0):
                problems.append(f"reference solution on {label} tests: {describe(result)}")
    return problems


def adversary_problems(
    judge: Judge, library: Library, question: Question, ceiling: float
) -> list[str]:
    """Adversarial answers (echo, alias lists, misconceptions) that reach the partial sample."""
    from mockloop.adversarial import check_adversaries

    results = check_adversaries(
        lambda answer: answer_score(judge, library, question, answer), library, question, ceiling
    )
    problems = []
    for result in results:
        if result.passed:
            continue
        kind = result.adversary.kind
        head = (
            f"adversarial answer ({kind}) scored {result.score:.2f}, partial sample {ceiling:.2f}"
        )
        if result.score < ceiling:
            head = f"adversarial answer ({kind}) scored {result.score:.2f} but was not detected"
        problems.append(head + "".join(f"\n      {why}" for why in result.culprits))
    return problems


def check_question(
    judge: Judge, library: Library, question: Question, *, run_code: bool = True
) -> CheckResult:
    """Every author check for one question."""
    scores = sample_scores(judge, library, question)
    problems = ranking_problems(scores)
    if "partial" in scores:
        problems.extend(adversary_problems(judge, library, question, scores["partial"]))
    if answer_score(judge, library, question, "I don't know.") != 1.0:
        problems.append("'I don't know.' does not get the lowest score")
    round_ = library.round_of(question.id)
    if run_code and round_ is Round.CODING:
        problems.extend(coding_problems(question))
    if run_code and round_ is Round.TAKEHOME:
        problems.extend(takehome_problems(question))
    return CheckResult(question.id, scores, problems)
