"""What a new user meets in the first hour: finding question ids, practising chosen questions,
filters over several rounds, drill lists on stdout, answers files with unknown ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.store import read_session

from conftest import MINI_BANK

runner = CliRunner()


@pytest.fixture
def mini_banks(use_banks) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)


def test_banks_list_questions_shows_ids_round_topic_level_and_a_title(mini_banks: None) -> None:
    result = runner.invoke(app, ["banks", "list", "--questions"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "fundamentals"
    hybrid = next(line for line in lines if "mini-hybrid-search" in line)
    assert "medium" in hybrid or "easy" in hybrid or "hard" in hybrid
    assert "2 questions" in result.stdout
    assert "mockloop interview --question ID" in result.stdout


def test_interview_question_asks_exactly_the_chosen_ones_with_answers(
    mini_banks: None, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-attention-scaling": ["Scaling keeps softmax sane."]}))
    args = ["interview", "-q", "mini-attention-scaling", "--answers", str(answers), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [q["question_id"] for q in doc["scorecard"]["questions"]] == ["mini-attention-scaling"]
    session = read_session(Path(doc["transcript"])).transcript.session
    assert [p.question_ids for p in session.plan] == [["mini-attention-scaling"]]


def test_interview_question_with_an_unknown_id_suggests_one(mini_banks: None) -> None:
    result = runner.invoke(app, ["interview", "--question", "mini-hybrid-serch"])
    assert result.exit_code == 2
    assert "did you mean 'mini-hybrid-search'" in result.output
    assert "banks list --questions" in result.output


def test_a_filter_over_every_round_keeps_the_rounds_that_match() -> None:
    # The README's example: rag + hard exists only in system design; the other rounds drop out.
    result = runner.invoke(
        app,
        ["interview", "--topic", "rag", "--difficulty", "hard", "--seed", "7", "--json"],
        input="",
    )
    assert result.exit_code == 0, result.output
    rounds = {q["round"] for q in json.loads(result.stdout)["scorecard"]["questions"]}
    assert rounds == {"system_design"}
    nothing = runner.invoke(app, ["interview", "--topic", "no-such-topic"], input="")
    assert nothing.exit_code == 2
    assert "no questions in any round match no-such-topic" in nothing.output


def test_drill_list_goes_to_stdout(mini_banks: None) -> None:
    result = runner.invoke(app, ["drill", "--list", "-r", "fundamentals"])
    assert result.exit_code == 0, result.output
    assert "mini-hybrid-search" in result.stdout
    assert "mockloop interview --question ID" in result.stdout


def test_answer_keys_that_match_no_question_are_named(mini_banks: None, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-serch": ["typo"], "mini-hybrid-search": ["ok"]}))
    result = runner.invoke(app, ["interview", "-r", "fundamentals", "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    assert "no question of this session has the id mini-hybrid-serch" in result.stderr
    assert "mini-hybrid-search;" not in result.stderr


def test_a_full_loop_scorecard_fits_two_screens() -> None:
    args = ["interview", "--candidate-model", "simulated:partial", "--no-timer", "--seed", "2"]
    result = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip().splitlines()
    assert len(lines) <= 48, "\n".join(lines)
    assert "reference answers: mockloop export" in result.stdout


def test_scorecard_text_keeps_square_brackets(builtin_library) -> None:  # type: ignore[no-untyped-def]
    import io

    from rich.console import Console

    from mockloop.models import JudgeInfo, QuestionScore, Round, Scorecard
    from mockloop.tui.render import scorecard

    question = builtin_library.questions[0]
    score = QuestionScore(
        question_id=question.id,
        round=Round.CODING,
        topic=question.topic,
        rubric=question.rubric,
        criteria=[],
        overall=2.0,
        flags=["returns Sequence[dict[str, Any]] [bold]"],
    )
    card = Scorecard(
        session_id="s",
        judge=JudgeInfo(engine="keypoints", prompt_version="v"),
        questions=[score],
        rounds=[],
        overall=2.0,
        study_next=["python: annotate it as Sequence[dict[str, Any]]"],
    )
    out = Console(file=io.StringIO(), width=200)
    out.print(scorecard(card, builtin_library))
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "Sequence[dict[str, Any]]" in text
    assert "[bold]" in text
    assert f"mockloop interview -q {question.id}" in text


def test_takehome_list_shows_a_title_for_each_brief(builtin_library) -> None:  # type: ignore[no-untyped-def]
    from mockloop.cli.question_list import short_title
    from mockloop.models import Round

    result = runner.invoke(app, ["takehome", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    briefs = [q for b in builtin_library.banks if b.round is Round.TAKEHOME for q in b.questions]
    for brief in briefs:
        assert brief.id in result.stdout
        assert short_title(brief, 60) in result.stdout


def test_a_skipped_question_is_not_a_weak_topic(mini_banks: None, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"mini-hybrid-search": ["Vector search finds paraphrases."]}))
    args = ["interview", "-r", "fundamentals", "--answers", str(answers), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["scorecard"]
    flags = {q["question_id"]: q["flags"] for q in card["questions"]}
    assert "skipped" in flags["mini-attention-scaling"]
    assert "skipped" not in flags["mini-hybrid-search"]
    stats = runner.invoke(app, ["stats"])
    assert "mini-hybrid-search" not in stats.stdout  # topics, not ids, are listed
    skipped_topic = "self-attention"
    assert skipped_topic not in stats.stdout.split("Weakest topics:")[-1]
    drill = runner.invoke(app, ["drill", "--list", "-r", "fundamentals"])
    line = next(x for x in drill.stdout.splitlines() if "mini-attention-scaling" in x)
    assert "new" in line and "due" not in line


def test_exports_show_code_as_code_and_prose_as_prose(mini_banks: None, tmp_path: Path) -> None:
    from mockloop.export import looks_like_code

    code = "def f(xs):\n    return sorted(xs)\n"
    prose = "BM25 catches exact terms.\nVectors catch paraphrases: def is not code here."
    assert looks_like_code(code) and not looks_like_code(prose)
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        json.dumps({"mini-hybrid-search": [code], "mini-attention-scaling": [prose]})
    )
    made = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers), "--json"]
    )
    session = json.loads(made.stdout)["session_id"]
    markdown = runner.invoke(app, ["export", session, "-f", "md"]).stdout
    assert "```python\ndef f(xs):\n    return sorted(xs)\n```" in markdown
    assert "```python\nBM25" not in markdown
    html = runner.invoke(app, ["export", session, "-f", "html"]).stdout
    assert '<pre class="text">def f(xs):' in html
    assert '<p class="text">BM25 catches exact terms.' in html
