"""Run a coding question's tests on the candidate's code and describe the result."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mockloop.models import Question, TestOutcome, TestRunRecord
from mockloop.ports import CodeRunner as CodeRunner  # re-exported for adapters
from mockloop.ports import RunSummary

if TYPE_CHECKING:
    from mockloop.sandbox.runner import TestRun

# A fence opens and closes on a line of its own (as in CommonMark), so code that itself
# contains ``` inside a string, e.g. a parser for fenced LLM output, is not cut short.
CODE_FENCE = re.compile(
    r"^[ \t]*```[ \t]*(?:python|py)?[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.S | re.I | re.M
)


def extract_code(text: str) -> str:
    """The code in an answer: its fenced blocks if it has any, else the whole text."""
    blocks = CODE_FENCE.findall(text)
    return "\n\n".join(b.strip("\n") for b in blocks) if blocks else text


class SandboxRunner:
    """The real runner: a separate, limited Python process per run."""

    def run(self, question: Question, code: str, label: str) -> RunSummary:
        """Run the tests in the sandbox and summarise; hidden tests show counts only."""
        from mockloop.sandbox.runner import run_code_tests

        tests = getattr(question.tests, label, "") if question.tests else ""
        result = run_code_tests(extract_code(code), tests, label=label, requires=question.requires)
        return summarise(result, label)


def summarise(result: TestRun, label: str) -> RunSummary:
    """A test run as the transcript shows it: hidden tests give counts, never their content."""
    lines = [f"{label.capitalize()} tests: {result.detail} (sandbox: {result.sandbox})"]
    outcomes = []
    if label != "hidden":
        for outcome in result.outcomes:
            mark = "✓" if outcome.passed else "✗"
            message = f": {outcome.message}" if outcome.message else ""
            lines.append(f"  {mark} {outcome.name}{message}")
            outcomes.append(TestOutcome(**outcome.model_dump()))
    if result.skipped:
        lines.append("  not copied into the sandbox: " + ", ".join(result.skipped))
    record = TestRunRecord(
        label="hidden" if label == "hidden" else "visible",
        status=str(result.status),
        passed=result.passed,
        total=result.total,
        outcomes=outcomes,
        sandbox=result.sandbox,
        skipped=list(result.skipped),
    )
    return RunSummary(
        label, str(result.status), result.passed, result.total, "\n".join(lines), record
    )
