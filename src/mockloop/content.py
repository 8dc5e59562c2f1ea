"""Load and validate question banks and rubrics, with errors that name file, line and field."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mockloop.errors import MockloopError
from mockloop.models import Bank, Difficulty, OfflineSignal, Question, Round, Rubric
from mockloop.paths import cache_dir, content_dirs, content_fingerprint, write_cache, yaml_files

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, rendered as `file:line: field: message`."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}:{self.line}: {where}{self.message}"


class ContentError(MockloopError):
    """A content file (or several) failed validation; each problem is one line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------------------------------------
# Locating fields in the YAML source


@dataclass(frozen=True)
class SourceMap:
    """The YAML node tree of one file, to turn a field path into a line number."""

    path: str
    root: yaml.Node | None

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest node on `loc` that exists in the file."""
        return _line(self, loc)


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                # Point at the value, except for containers whose first line is the key's line.
                return value if isinstance(value, yaml.ScalarNode) else key
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


def _descend(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    """Like _child, but always return the value node (to keep walking down)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value  # type: ignore[no-any-return]
        return None
    return _child(node, part)


def _line(source: SourceMap, loc: Loc) -> int:
    node = source.root
    line = node.start_mark.line + 1 if node is not None else 1
    for depth, part in enumerate(loc):
        target = _child(node, part)
        if target is None:
            break
        line = target.start_mark.line + 1
        node = _descend(node, part) if depth < len(loc) - 1 else target
    return line


def format_loc(loc: Loc) -> str:
    """`('questions', 3, 'difficulty')` -> `questions[3].difficulty`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_EMBEDDED_PATH = re.compile(r"^((?:[a-z_]+(?:\[\d+\])*)(?:\.[a-z_]+(?:\[\d+\])*)*): (.*)$", re.S)


def _split_embedded_path(message: str) -> tuple[Loc, str]:
    """Validators put a relative path in front of their message; turn it back into a loc."""
    match = _EMBEDDED_PATH.match(message)
    if not match:
        return (), message
    loc: list[str | int] = []
    for segment in match.group(1).split("."):
        name, *indexes = segment.split("[")
        loc.append(name)
        loc.extend(int(i.rstrip("]")) for i in indexes)
    return tuple(loc), match.group(2)


def _message(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field (check its spelling)"
    if kind == "enum":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected.replace(' or ', ', ')}"
    if kind == "string_pattern_mismatch":
        return "must be a lowercase slug (letters, digits, '-' and '_')"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message[0].lower() + message[1:] if message else message


def problems_from(exc: ValidationError, source: SourceMap) -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per error, with lines."""
    problems = []
    for error in exc.errors():
        loc: Loc = tuple(p for p in error["loc"] if not isinstance(p, str) or "[" not in p)
        message = _message(error)
        extra, message = _split_embedded_path(message)
        loc = loc + extra
        problems.append(Problem(source.path, source.line_of(loc), format_loc(loc), message))
    return problems


# ---------------------------------------------------------------------------------------------
# Loading files


def display_path(path: Path) -> str:
    """A path as short as possible: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# libyaml's parser builds the same node tree (with line marks) about ten times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> tuple[Any, SourceMap]:
    """Parse one YAML file safely, keeping its node tree for line numbers."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(shown, 1, "", f"cannot read file: {exc}")]) from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError([Problem(shown, line, "", f"invalid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(shown, 1, "", f"invalid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    return data, SourceMap(shown, node)


def load_model(path: Path, model: type[M]) -> tuple[M, SourceMap]:
    """Read a YAML file into a pydantic model or raise ContentError with every problem."""
    data, source = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError([Problem(source.path, 1, "", "must be a YAML mapping")])
    try:
        return model.model_validate(data), source
    except ValidationError as exc:
        raise ContentError(problems_from(exc, source)) from exc


def load_bank(path: Path) -> Bank:
    """Load one question bank."""
    return load_model(path, Bank)[0]


def load_rubric(path: Path) -> Rubric:
    """Load one rubric."""
    return load_model(path, Rubric)[0]


_COMMENT_AFTER = re.compile(r"\s+#")


def comment_warnings(path: Path) -> list[Problem]:
    """Unquoted values followed on their line by ` #`: YAML drops the rest as a comment.

    `text: marks pieces with ## and ...` silently becomes `marks pieces with`; the author
    almost always meant the `#` as text and should quote the value.
    """
    data, source = read_yaml(path)
    del data
    lines = path.read_text(encoding="utf-8").splitlines()
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, Loc]] = [(source.root, ())] if source.root is not None else []
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*loc, str(key.value))) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, index)) for index, item in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode) and not node.style and node.value:
            end = node.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            if _COMMENT_AFTER.match(rest):
                problems.append(
                    Problem(
                        source.path,
                        end.line + 1,
                        format_loc(loc),
                        "warning: ' #' after an unquoted value starts a YAML comment, so the "
                        "rest of the line is dropped; quote the value if '#' is part of it",
                    )
                )
    return sorted(problems, key=lambda p: p.line)


# ---------------------------------------------------------------------------------------------
# The library: every bank and rubric, cross-checked


@dataclass
class Library:
    """All banks and rubrics in use, indexed by id."""

    banks: list[Bank] = field(default_factory=list)
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    sources: dict[str, SourceMap] = field(default_factory=dict)  # bank or rubric id -> source

    @property
    def questions(self) -> list[Question]:
        """Every question of every bank."""
        return [q for bank in self.banks for q in bank.questions]

    def round_of(self, question_id: str) -> Round:
        """The round a question belongs to."""
        return next(b.round for b in self.banks for q in b.questions if q.id == question_id)

    def question(self, question_id: str) -> Question:
        """The question with this id, or UnknownQuestion (a KeyError)."""
        for bank in self.banks:
            for question in bank.questions:
                if question.id == question_id:
                    return question
        raise UnknownQuestion(question_id)

    def rubric_for(self, question: Question) -> Rubric:
        """The rubric a question is scored with."""
        return self.rubrics[question.rubric]


def load_library(
    bank_paths: Sequence[Path] | None = None, rubric_paths: Sequence[Path] | None = None
) -> Library:
    """Load and cross-check banks and rubrics; raise ContentError listing every problem."""
    problems: list[Problem] = []
    library = Library()
    for path in yaml_files(rubric_paths or content_dirs("rubrics")):
        try:
            rubric, source = load_model(path, Rubric)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        library.rubrics[rubric.rubric] = rubric
        library.sources[f"rubric:{rubric.rubric}"] = source
    for path in yaml_files(bank_paths or content_dirs("question_banks")):
        try:
            bank, source = load_model(path, Bank)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        library.banks.append(bank)
        library.sources[f"bank:{bank.bank}"] = source
    problems.extend(cross_check(library))
    if problems:
        raise ContentError(problems)
    return library


def cross_check(library: Library) -> list[Problem]:
    """Rules that span files: unique ids, known rubrics, sample scores on real criteria."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for bank in library.banks:
        source = library.sources[f"bank:{bank.bank}"]
        for index, question in enumerate(bank.questions):
            loc: Loc = ("questions", index)

            def report(sub: Loc, message: str, loc: Loc = loc, source: SourceMap = source) -> None:
                full = loc + sub
                problems.append(
                    Problem(source.path, source.line_of(full), format_loc(full), message)
                )

            if question.id in seen:
                report(
                    ("id",), f"duplicate question id {question.id!r} (also in {seen[question.id]})"
                )
            seen.setdefault(question.id, source.path)
            rubric = library.rubrics.get(question.rubric)
            if rubric is None:
                known = ", ".join(sorted(library.rubrics)) or "none loaded"
                report(("rubric",), f"unknown rubric {question.rubric!r} (known: {known})")
                continue
            criteria = {c.id for c in rubric.criteria}
            coverage = sorted(
                c.id for c in rubric.criteria if c.offline_signal is OfflineSignal.COVERAGE
            )
            for k_index, point in enumerate(question.key_points):
                if point.criterion is not None and point.criterion not in coverage:
                    report(
                        ("key_points", k_index, "criterion"),
                        f"{point.criterion!r} is not a coverage criterion of rubric "
                        f"{rubric.rubric!r} (expected {', '.join(coverage) or 'none'})",
                    )
            for s_index, sample in enumerate(question.samples):
                for name in sample.scores:
                    if name not in criteria:
                        report(
                            ("samples", s_index, "scores", name),
                            f"not a criterion of rubric {rubric.rubric!r} "
                            f"(expected {', '.join(sorted(criteria))})",
                        )
    return problems


# ---------------------------------------------------------------------------------------------
# A cache of the validated library


LIBRARY_CACHE = "library.json"


class _LibraryCache(BaseModel):
    key: str
    banks: list[Bank]
    rubrics: list[Rubric]


def cached_library() -> Library:
    """The library in use, from a JSON cache of the last valid load when no file has changed.

    Parsing and validating the YAML of every bank takes ~0.2 s; re-validating the cached JSON
    takes ~10 ms. The cache is keyed on every bank and rubric file's path, size and mtime (and
    the mockloop version), and is only written after a load that passed every check.
    """
    key = content_fingerprint()
    path = cache_dir() / LIBRARY_CACHE
    try:
        cached = _LibraryCache.model_validate_json(path.read_bytes())
        if cached.key == key:
            return Library(banks=cached.banks, rubrics={r.rubric: r for r in cached.rubrics})
    except (OSError, ValueError):
        pass  # no cache, an old format, or a damaged file: load from the YAML
    library = load_library()
    snapshot = _LibraryCache(key=key, banks=library.banks, rubrics=list(library.rubrics.values()))
    write_cache(LIBRARY_CACHE, snapshot.model_dump_json())
    return library


# ---------------------------------------------------------------------------------------------
# Selecting questions

DEFAULT_QUESTIONS: dict[Round, int] = {
    Round.CODING: 2,
    Round.FUNDAMENTALS: 5,
    Round.SYSTEM_DESIGN: 2,
    Round.TAKEHOME: 1,
}


class UnknownQuestion(MockloopError, KeyError):
    """A session or command names a question that no bank in use holds."""

    def __init__(self, question_id: str) -> None:
        super().__init__(question_id)
        self.question_id = question_id

    def __str__(self) -> str:
        return (
            f"question {self.question_id!r} is in no bank in use; add its bank with "
            "MOCKLOOP_QUESTION_BANKS"
        )


class SelectionError(MockloopError, ValueError):
    """No question matches the filters."""


def requirements_met(question: Question) -> bool:
    """True when every module the question needs can be imported here."""
    return all(find_spec(name) is not None for name in question.requires)


def select_questions(
    library: Library,
    round_: Round,
    *,
    topics: Sequence[str] = (),
    difficulty: Difficulty | None = None,
    count: int | None = None,
    rng: random.Random,
) -> list[Question]:
    """Pick up to `count` questions of a round matching the filters, reproducibly for a seed."""
    pool = [
        q
        for bank in library.banks
        if bank.round is round_
        for q in bank.questions
        if (not topics or q.topic in topics)
        and (difficulty is None or q.difficulty is difficulty)
        and requirements_met(q)
    ]
    if not pool:
        filters = ", ".join(
            f for f in (f"topic {'/'.join(topics)}" if topics else "", difficulty or "") if f
        )
        raise SelectionError(
            f"no {round_.value} questions match {filters or 'the filters'}; "
            "see `mockloop banks list` for what is available"
        )
    pool.sort(key=lambda q: q.id)  # file order must not change what a seed selects
    wanted = count if count is not None else DEFAULT_QUESTIONS[round_]
    return rng.sample(pool, min(wanted, len(pool)))
