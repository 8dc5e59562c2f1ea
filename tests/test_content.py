"""Loading and validating banks and rubrics: good files load, bad ones say file:line: field."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mockloop.content import (
    ContentError,
    Library,
    SelectionError,
    load_bank,
    load_library,
    load_rubric,
    select_questions,
)
from mockloop.models import Difficulty, Round, parse_duration
from mockloop.paths import content_dirs

from conftest import MINI_BANK

GOOD = MINI_BANK.read_text()


def write(tmp_path: Path, text: str, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_bank(path)
    return [str(p) for p in info.value.problems]


def test_good_bank_loads() -> None:
    bank = load_bank(MINI_BANK)
    assert bank.round is Round.FUNDAMENTALS
    assert [q.id for q in bank.questions] == ["mini-hybrid-search", "mini-attention-scaling"]
    assert bank.questions[0].time_limit == 360


def test_builtin_rubrics_load_and_weights_sum_to_one() -> None:
    for path in sorted(content_dirs("rubrics")[0].glob("*.yaml")):
        rubric = load_rubric(path)
        assert abs(sum(c.weight for c in rubric.criteria) - 1) < 0.01, path


def test_bad_enum_names_file_line_field_and_choices(tmp_path: Path) -> None:
    text = GOOD.replace("difficulty: easy", "difficulty: trivial")
    path = write(tmp_path, text)
    line = text.splitlines().index("    difficulty: trivial") + 1
    assert problems(path) == [
        f"{path}:{line}: questions[1].difficulty: must be one of easy, medium, hard"
    ]


def test_missing_field_points_at_its_question(tmp_path: Path) -> None:
    text = GOOD.replace("    rubric: fundamentals\n    prompt: Why would", "    prompt: Why would")
    path = write(tmp_path, text)
    line = text.splitlines().index("  - id: mini-hybrid-search") + 1
    assert problems(path) == [f"{path}:{line}: questions[0].rubric: is required"]


def test_unknown_field_is_rejected_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("    time_limit: 6m\n", "    time_limit: 6m\n    timelimit: 6m\n", 1)
    path = write(tmp_path, text)
    line = text.splitlines().index("    timelimit: 6m") + 1
    assert problems(path) == [
        f"{path}:{line}: questions[0].timelimit: is not a known field (check its spelling)"
    ]


def test_follow_up_must_probe_a_known_key_point(tmp_path: Path) -> None:
    text = GOOD.replace("probes: fusion", "probes: fuson")
    path = write(tmp_path, text)
    line = text.splitlines().index("      - probes: fuson") + 1
    (message,) = problems(path)
    assert message.startswith(f"{path}:{line}: questions[0].follow_ups[0].probes: 'fuson' is not")


def test_bad_duration(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("time_limit: 6m", "time_limit: six minutes"))
    (message,) = problems(path)
    assert "questions[0].time_limit: must be a duration such as 90s, 6m or 1h" in message


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bank: x\nround: coding\nquestions: [\n  - id: a\n")
    (message,) = problems(path)
    assert message.startswith(f"{path}:") and "invalid YAML" in message


def test_not_a_mapping(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "- just\n- a list\n")) == [
        f"{tmp_path / 'bank.yaml'}:1: must be a YAML mapping"
    ]


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    path = write(tmp_path, "bank: !!python/object/apply:os.system ['echo pwned']\n")
    (message,) = problems(path)
    assert "invalid YAML" in message


def test_cross_file_rules(tmp_path: Path) -> None:
    duplicate = write(tmp_path, GOOD.replace("bank: mini", "bank: mini2"), "copy.yaml")
    bad_rubric = write(
        tmp_path,
        GOOD.replace("bank: mini", "bank: mini3")
        .replace("mini-hybrid-search", "x-hybrid")
        .replace("mini-attention-scaling", "x-attention")
        .replace("rubric: fundamentals\n    prompt: Why is", "rubric: nope\n    prompt: Why is")
        .replace("{correctness: 5, depth: 4, communication: 5}", "{correctnes: 5}"),
        "other.yaml",
    )
    with pytest.raises(ContentError) as info:
        load_library([MINI_BANK, duplicate, bad_rubric], content_dirs("rubrics"))
    messages = [str(p) for p in info.value.problems]
    assert any("duplicate question id 'mini-hybrid-search'" in m for m in messages)
    assert any("questions[1].rubric: unknown rubric 'nope'" in m for m in messages)
    assert any("samples[0].scores.correctnes: not a criterion" in m for m in messages)


def test_rubric_weights_must_sum_to_one(tmp_path: Path) -> None:
    source = (content_dirs("rubrics")[0] / "fundamentals.yaml").read_text()
    path = write(tmp_path, source.replace("weight: 0.5", "weight: 0.9"), "rubric.yaml")
    with pytest.raises(ContentError) as info:
        load_rubric(path)
    assert "criteria weights must sum to 1.0 (they sum to 1.40)" in str(info.value)


def test_selection_is_reproducible_and_filtered(mini_library: Library) -> None:
    first = select_questions(mini_library, Round.FUNDAMENTALS, count=1, rng=random.Random(3))
    again = select_questions(mini_library, Round.FUNDAMENTALS, count=1, rng=random.Random(3))
    assert first == again
    easy = select_questions(
        mini_library, Round.FUNDAMENTALS, difficulty=Difficulty.EASY, rng=random.Random(0)
    )
    assert [q.id for q in easy] == ["mini-attention-scaling"]
    rag = select_questions(mini_library, Round.FUNDAMENTALS, topics=["rag"], rng=random.Random(0))
    assert [q.id for q in rag] == ["mini-hybrid-search"]
    with pytest.raises(SelectionError, match="no coding questions match"):
        select_questions(mini_library, Round.CODING, rng=random.Random(0))


@pytest.mark.parametrize(
    ("text", "seconds"), [(90, 90), ("90s", 90), ("6m", 360), ("1h30m", 5400), ("1h", 3600)]
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_builtin_library_is_valid() -> None:
    library = load_library()
    assert set(library.rubrics) == {"coding", "fundamentals", "system_design", "takehome"}


def test_cached_library_skips_the_yaml_until_a_bank_changes(
    use_banks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import mockloop.content as content

    bank = tmp_path / "mini.yaml"
    shutil.copy(MINI_BANK, bank)
    use_banks(bank)
    first = content.cached_library()
    # A context of its own: undoing the whole monkeypatch would also undo the test's isolation.
    with monkeypatch.context() as patch:
        patch.setattr(content, "load_library", lambda: pytest.fail("YAML read again"))
        again = content.cached_library()
    assert [q.id for q in again.questions] == [q.id for q in first.questions]
    assert again.rubrics.keys() == first.rubrics.keys()
    bank.write_text(bank.read_text().replace("difficulty: medium", "difficulty: lunch", 1))
    with pytest.raises(ContentError, match="difficulty: must be one of easy, medium, hard"):
        content.cached_library()


def test_the_content_fingerprint_changes_with_the_model_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mockloop.paths as paths

    models = tmp_path / "models.py"
    models.write_text("class KeyPoint: ...\n")
    monkeypatch.setattr(paths, "SCHEMA_FILES", (models,))
    before = paths.content_fingerprint()
    assert paths.content_fingerprint() == before
    models.write_text("class KeyPoint:\n    criterion: str | None\n")
    assert paths.content_fingerprint() != before


def test_key_point_criteria_are_given_on_every_point_or_none(tmp_path: Path) -> None:
    text = GOOD.replace(
        "      - id: exact-terms\n", "      - id: exact-terms\n        criterion: correctness\n", 1
    )
    (message,) = problems(write(tmp_path, text))
    assert (
        "key_points: give every key point a criterion, or none (missing on: semantic, fusion)"
        in (message)
    )


def test_key_point_criterion_must_be_a_coverage_criterion_of_the_rubric(tmp_path: Path) -> None:
    text = GOOD
    for point in ("exact-terms", "semantic", "fusion"):
        text = text.replace(
            f"      - id: {point}\n", f"      - id: {point}\n        criterion: depth\n"
        )
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_library([path], content_dirs("rubrics"))
    line = text.splitlines().index("        criterion: depth") + 1
    assert str(info.value.problems[0]) == (
        f"{path}:{line}: questions[0].key_points[0].criterion: 'depth' is not a coverage "
        "criterion of rubric 'fundamentals' (expected correctness)"
    )
