"""The take-home flow from the command line: start, check, submit with a debrief, scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.store import read_session
from mockloop.takehome import collect

from conftest import FIXTURES

runner = CliRunner()
SOLUTION = """from collections import Counter


def top_words(text: str, k: int) -> list[tuple[str, int]]:
    counts = Counter(text.lower().split())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:k]
"""
HALF_RIGHT = """from collections import Counter


def top_words(text, k):
    return Counter(text.split()).most_common(k)
"""


@pytest.fixture
def workspace(use_banks, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    use_banks(FIXTURES / "question_banks" / "mini_takehome.yaml")
    folder = tmp_path / "ws"
    result = runner.invoke(app, ["takehome", "start", "mini-wordcount", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_start_writes_the_workspace_and_refuses_a_full_folder(workspace: Path) -> None:
    assert (workspace / "counter.py").read_text().startswith("def top_words")
    assert (workspace / "README.md").exists()
    again = runner.invoke(app, ["takehome", "start", "mini-wordcount", str(workspace)])
    assert again.exit_code == 2 and "is not empty" in again.stderr


def test_check_exits_with_the_visible_tests_status(workspace: Path) -> None:
    failing = runner.invoke(app, ["takehome", "check", str(workspace)])
    assert failing.exit_code == 1
    assert "✗ test_simple: NotImplementedError" in failing.stdout
    (workspace / "counter.py").write_text(SOLUTION)
    passing = runner.invoke(app, ["takehome", "check", str(workspace)])
    assert passing.exit_code == 0 and "1 of 1 tests passed" in passing.stdout


def test_check_outside_a_workspace_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["takehome", "check", str(tmp_path)])
    assert result.exit_code == 2 and "is not a take-home workspace" in result.stderr


@pytest.mark.parametrize(("code", "passed", "correctness"), [(SOLUTION, 4, 5), (HALF_RIGHT, 2, 3)])
def test_submit_scores_correctness_by_hidden_tests(
    workspace: Path, tmp_path: Path, code: str, passed: int, correctness: int
) -> None:
    (workspace / "counter.py").write_text(code)
    answers = tmp_path / "debrief.txt"
    answers.write_text("I count with a Counter in one pass, then sort ties alphabetically.\n")
    result = runner.invoke(
        app, ["takehome", "submit", str(workspace), "--json", "--answers", str(answers)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    turns = read_session(Path(payload["transcript"])).transcript.turns
    hidden = next(t for t in turns if t.meta.tests and t.meta.tests.label == "hidden")
    assert (hidden.meta.tests.passed, hidden.meta.tests.total) == (passed, 4)
    assert "test_ties" not in hidden.text  # hidden tests show counts, never their content
    submission = next(t for t in turns if t.meta.submission)
    assert "counter.py" in submission.meta.files and "Counter" in submission.text
    (question,) = payload["scorecard"]["questions"]
    scores = {c["criterion"]: c["score"] for c in question["criteria"]}
    assert scores["correctness"] == correctness


def test_collect_skips_generated_and_over_budget_files(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "big.py").write_text("y = 2\n" * 2000)
    (tmp_path / "cache.pyc").write_bytes(b"\0binary")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.py").write_text("z = 3\n")
    submission = collect(tmp_path, budget=100)
    assert list(submission.files) == ["small.py"]
    assert submission.skipped == [
        "cache.pyc (generated, binary or too large)",
        "big.py (over the 100-token budget)",
    ]


@pytest.mark.slow
def test_scripted_coding_round_is_scored_by_hidden_tests(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A coding round from an answers file, offline, with the real sandboxed runner."""
    from mockloop.content import load_library

    use_banks(FIXTURES / "question_banks" / "mini_coding.yaml")
    question = load_library().question("mini-chunk")
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        json.dumps(
            {
                "mini-chunk": [
                    f"```python\n{question.reference_solution}```",
                    "It is linear time, O(n).",
                ]
            }
        )
    )
    result = runner.invoke(
        app, ["interview", "-r", "coding", "--no-timer", "--json", "--answers", str(answers)]
    )
    assert result.exit_code == 0, result.output
    (scored,) = json.loads(result.stdout)["scorecard"]["questions"]
    correctness = next(c for c in scored["criteria"] if c["criterion"] == "correctness")
    from mockloop.sandbox.boundary import available

    assert (correctness["score"], correctness["rationale"]) == (
        5,
        f"Passed 5 of 5 hidden tests (100%) (sandbox: {available()}).",
    )


def test_without_a_sandbox_check_says_so_and_require_sandbox_refuses(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mockloop.sandbox import boundary

    monkeypatch.setenv("MOCKLOOP_NO_SANDBOX", "1")
    monkeypatch.setitem(boundary._policy, "warned", False)
    (workspace / "counter.py").write_text(SOLUTION)
    result = runner.invoke(app, ["takehome", "check", str(workspace)])
    assert result.exit_code == 0 and "(sandbox: none)" in result.stdout
    assert result.stderr.count("note: no OS sandbox") == 1 and "bubblewrap" in result.stderr
    refused = runner.invoke(app, ["takehome", "check", str(workspace), "--require-sandbox"])
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and "install bubblewrap" in refused.stderr
    config = tmp_path / "config.toml"
    config.write_text("require_sandbox = true\n")
    monkeypatch.setenv("MOCKLOOP_CONFIG", str(config))
    from_config = runner.invoke(app, ["takehome", "check", str(workspace)])
    assert from_config.exit_code == 2 and "--require-sandbox" in from_config.stderr
    config.write_text("require_sandbox = 3\n")
    bad = runner.invoke(app, ["takehome", "check", str(workspace)])
    assert bad.exit_code == 2 and "require_sandbox: must be true or false" in bad.stderr
