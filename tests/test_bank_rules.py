"""Authoring rules for banks: dead aliases are errors, YAML comments that eat text are warned about,
and the built-in fundamentals questions carry titles, misconceptions and stretch follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.analysis.text import contains_phrase, stems
from mockloop.cli.app import app
from mockloop.content import ContentError, Library, comment_warnings, load_bank
from mockloop.models import Difficulty, Round

from conftest import MINI_BANK

runner = CliRunner()
GOOD = MINI_BANK.read_text()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("alias", ['"##"', '"<=>"', '"--"'])
def test_alias_without_word_tokens_is_an_error_with_file_and_line(
    tmp_path: Path, alias: str
) -> None:
    text = GOOD.replace("[RRF, reciprocal rank,", f"[RRF, {alias}, reciprocal rank,")
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_bank(path)
    [problem] = info.value.problems
    assert problem.line == line_of(text, alias)
    assert problem.field == "questions[0].key_points[2].aliases[1]"
    assert "no word tokens" in problem.message


def test_misconception_alias_without_word_tokens_is_an_error(tmp_path: Path) -> None:
    misconception = (
        "        aliases: [RRF, reciprocal rank, score fusion, merge the rankings]\n"
        "        misconceptions:\n"
        "          - claim: You just concatenate the two lists.\n"
        '            aliases: [concatenate the lists, "++"]\n'
        "            correction: Merge them by rank with reciprocal rank fusion.\n"
    )
    text = GOOD.replace(
        "        aliases: [RRF, reciprocal rank, score fusion, merge the rankings]\n",
        misconception,
    )
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_bank(path)
    [problem] = info.value.problems
    assert problem.field == "questions[0].key_points[2].misconceptions[0].aliases[1]"
    assert problem.line == line_of(text, '"++"')


def test_banks_validate_rejects_a_dead_alias(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    text = GOOD.replace("[RRF, reciprocal rank,", '[RRF, "##", reciprocal rank,')
    path = write(tmp_path, text)
    result = runner.invoke(app, ["banks", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line_of(text, '##')}: questions[0].key_points[2].aliases[1]: alias '##'" in (
        result.stderr
    )
    # Any other command that loads the bank treats it as bad input.
    use_banks(path)
    assert runner.invoke(app, ["interview", "-r", "fundamentals"]).exit_code == 2


def test_a_comment_inside_an_unquoted_value_is_warned_about(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    text = GOOD.replace(
        "text: results are merged, e.g. with reciprocal rank fusion or weighted scores",
        "text: results are merged with ## markers or weighted scores",
    )
    path = write(tmp_path, text)
    assert load_bank(path).questions[0].key_points[2].text == "results are merged with"
    line = line_of(text, "## markers")
    [warning] = comment_warnings(path)
    assert (warning.line, warning.field) == (line, "questions[0].key_points[2].text")
    result = runner.invoke(app, ["banks", "validate", str(path)])
    assert result.exit_code == 0  # a warning, not an error
    assert f"{path}:{line}:" in result.stderr and "starts a YAML comment" in result.stderr


def test_quoted_hashes_and_block_scalars_are_not_warned_about(tmp_path: Path) -> None:
    text = GOOD.replace(
        "text: results are merged, e.g. with reciprocal rank fusion or weighted scores",
        'text: "results are merged with ## markers"',
    ).replace("  BM25 matches exact tokens,", "  BM25 # matches exact tokens,")
    assert comment_warnings(write(tmp_path, text)) == []


def fundamentals(library: Library) -> list:  # type: ignore[type-arg]
    return [q for b in library.banks if b.round is Round.FUNDAMENTALS for q in b.questions]


def test_builtin_fundamentals_have_titles_misconceptions_and_stretch(builtin_library) -> None:  # type: ignore[no-untyped-def]
    for question in fundamentals(builtin_library):
        assert question.title, question.id
        assert any(kp.misconceptions for kp in question.key_points), question.id
        if question.difficulty is Difficulty.HARD:
            assert 1 <= len(question.stretch_follow_ups) <= 3, question.id


def test_builtin_fundamentals_aliases_do_not_repeat_the_prompt(builtin_library) -> None:  # type: ignore[no-untyped-def]
    # An alias found in the question itself is scored for an answer that only echoes it.
    for question in fundamentals(builtin_library):
        prompt = stems(question.prompt)
        echoed = [
            alias
            for kp in question.key_points
            for alias in kp.aliases
            if contains_phrase(prompt, stems(alias))
        ]
        assert not echoed, (question.id, echoed)


def test_builtin_misconceptions_are_not_in_the_strong_sample(builtin_library) -> None:  # type: ignore[no-untyped-def]
    for question in fundamentals(builtin_library):
        strong = " ".join(s.answer for s in question.samples if s.label == "strong")
        answer = stems(f"{strong} {question.reference_answer}")
        for kp in question.key_points:
            for wrong in kp.misconceptions:
                for phrase in (wrong.claim, *wrong.aliases):
                    assert not contains_phrase(answer, stems(phrase)), (question.id, phrase)
