"""The commands through Typer's CliRunner, plus start-up checks in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.store import read_session

from conftest import MINI_BANK

runner = CliRunner()


@pytest.fixture
def mini_banks(use_banks) -> None:  # type: ignore[no-untyped-def]
    """Run the CLI on the small test bank only."""
    use_banks(MINI_BANK)


def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(
        json.dumps(
            {
                "mini-hybrid-search": [
                    "Vector search finds paraphrases.",
                    "Use reciprocal rank fusion.",
                ],
                "mini-attention-scaling": ["I don't know."],
            }
        )
    )
    return path


def test_interview_json_writes_transcript_and_scorecard(mini_banks: None, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "interview",
            "--round",
            "fundamentals",
            "--questions",
            "2",
            "--answers",
            str(answers_file(tmp_path)),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    card = payload["scorecard"]
    assert card["judge"]["engine"] == "keypoints"
    assert {q["question_id"] for q in card["questions"]} == {
        "mini-hybrid-search",
        "mini-attention-scaling",
    }
    by_id = {q["question_id"]: q["overall"] for q in card["questions"]}
    assert by_id["mini-attention-scaling"] == 1.0 < by_id["mini-hybrid-search"]
    record = read_session(Path(payload["transcript"]))
    assert record.transcript.ended and record.scorecards


def test_export_markdown_of_a_session(mini_banks: None, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers_file(tmp_path)), "--json"]
    )
    session = json.loads(result.stdout)["session_id"]
    exported = runner.invoke(app, ["export", session, "--format", "md"])
    assert exported.exit_code == 0, exported.output
    text = exported.stdout
    assert text.startswith(f"# mockloop session {session}")
    assert "Vector search finds paraphrases." in text
    assert "Scored offline by the key-point scorer" in text
    assert "Reference answer:" in text
    out = tmp_path / "review.json"
    assert runner.invoke(app, ["export", session, "-f", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["transcript"]["session"]["id"] == session


def test_human_output_names_the_offline_engine_and_next_steps(
    mini_banks: None, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers_file(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert "Offline: scripted interviewer, key-point scoring." in result.stderr
    assert "reference answers: mockloop export" in result.stdout
    assert "Scored offline by the key-point scorer" in result.stdout


def test_stdin_answers_never_hang(mini_banks: None) -> None:
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--json"], input="BM25 catches exact terms.\n---\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scorecard"]["overall"] is not None


def test_score_and_sessions_and_resume_errors(mini_banks: None, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers_file(tmp_path)), "--json"]
    )
    session = json.loads(result.stdout)["session_id"]
    rescored = runner.invoke(app, ["score", session, "--json"])
    assert rescored.exit_code == 0 and json.loads(rescored.stdout)["session_id"] == session
    listing = runner.invoke(app, ["sessions"])
    assert session in listing.stdout and "done" in listing.stdout
    again = runner.invoke(app, ["resume", session])
    assert again.exit_code == 2
    assert (
        again.stderr
        == f"error: session {session} is already finished; export or score it instead\n"
    )


def test_banks_list_show_validate(mini_banks: None, tmp_path: Path) -> None:
    listing = runner.invoke(app, ["banks", "list"])
    assert listing.exit_code == 0 and "self-attention" in listing.stdout
    shown = runner.invoke(app, ["banks", "show", "mini-hybrid-search", "--reveal"])
    assert "reciprocal rank fusion" in shown.stdout
    assert runner.invoke(app, ["banks", "validate"]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINI_BANK.read_text().replace("difficulty: easy", "difficulty: trivial"))
    result = runner.invoke(app, ["banks", "validate", str(bad)])
    assert result.exit_code == 1
    line = bad.read_text().splitlines().index("    difficulty: trivial") + 1
    assert f"{bad}:{line}: questions[1].difficulty: must be one of easy, medium, hard" in (
        result.stderr
    )


def test_bad_input_is_one_line_and_exit_2(mini_banks: None, tmp_path: Path) -> None:
    bad = tmp_path / "answers.yaml"
    bad.write_text("mini-hybrid-search: {not: text}\n")
    result = runner.invoke(app, ["interview", "--answers", str(bad), "-r", "fundamentals"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {bad}:1: mini-hybrid-search: must be an answer (text) or a list of answers"
    )
    missing = runner.invoke(app, ["export", "no-such-session"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert runner.invoke(app, ["interview", "--topic", "nothing"]).exit_code == 2


def test_every_command_help_has_an_example() -> None:
    for command in (
        ["interview"],
        ["resume"],
        ["score"],
        ["export"],
        ["sessions"],
        ["banks", "list"],
        ["banks", "validate"],
        ["banks", "show"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Example: mockloop" in result.stdout, command


@pytest.mark.slow
def test_help_does_not_import_litellm() -> None:
    code = textwrap.dedent("""
        import sys
        from typer.testing import CliRunner
        from mockloop.cli.app import app
        CliRunner().invoke(app, ["--help"])
        CliRunner().invoke(app, ["interview", "--help"])
        heavy = ("litellm", "wordllama", "tiktoken", "numpy")
        print(sorted(m for m in heavy if m in sys.modules))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
