"""`banks validate` as a library call: which files are banks or rubrics, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mockloop.content import ContentError, Problem, comment_warnings, load_library, read_yaml
from mockloop.paths import content_dirs, yaml_files


@dataclass(frozen=True)
class Validation:
    """The outcome of validating content files: problems fail, warnings only inform."""

    checked: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def validate(paths: list[Path] | None = None) -> Validation:
    """Validate bank and rubric files (default: the ones in use), cross-checked together.

    Every file is read, so every unreadable one is reported; a rubric alone is checked against
    the built-in banks that use it.
    """
    files = yaml_files(paths) if paths else []
    banks: list[Path] = []
    rubrics: list[Path] = []
    problems: list[Problem] = []
    for file in files:
        try:
            data, _ = read_yaml(file)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        is_rubric = isinstance(data, dict) and "rubric" in data and "bank" not in data
        (rubrics if is_rubric else banks).append(file)
    # A trailing ` #` after a plain value can be deliberate, so it warns and does not fail.
    warnings = [
        warning
        for file in (banks if paths else yaml_files(content_dirs("question_banks")))
        for warning in comment_warnings(file)
    ]
    if not paths or banks or rubrics:
        try:
            load_library(banks or None, [*content_dirs("rubrics"), *rubrics])
        except ContentError as exc:
            problems.extend(exc.problems)
    checked = len(files) if paths else len(yaml_files(content_dirs("question_banks")))
    return Validation(checked, problems, warnings)
