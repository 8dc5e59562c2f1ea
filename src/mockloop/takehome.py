"""Take-home briefs: write the workspace, run its tests, turn a submission into a session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mockloop.content import Library
from mockloop.errors import MockloopError
from mockloop.models import (
    ROUND_DURATIONS,
    Question,
    Role,
    Round,
    RoundPlan,
    SessionInfo,
    Turn,
    TurnMeta,
)
from mockloop.models import TurnKind as Kind
from mockloop.ports import RunSummary
from mockloop.sandbox.summary import summarise
from mockloop.store import SessionWriter, new_session_id

MARKER = ".mockloop.json"  # written into a workspace: which brief it is
SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache"}
GENERATED = (".pyc", ".lock", ".log", ".sqlite3", ".db", ".png", ".jpg", ".zip", ".whl")
MAX_FILE_BYTES = 200_000
DEFAULT_BUDGET = 12_000  # tokens of candidate files shown to the judge
DEBRIEF = (
    "Thanks for your submission. Walk me through your design: the main choices you made, "
    "what you traded off, and what you would do with another week."
)


class TakehomeError(MockloopError, ValueError):
    """A take-home command cannot go on (unknown brief, not a workspace, ...)."""


def brief(library: Library, brief_id: str) -> Question:
    """The take-home brief with this id."""
    try:
        question = library.question(brief_id)
    except KeyError:
        raise TakehomeError(
            f"no take-home brief {brief_id!r} (see `mockloop takehome list`)"
        ) from None
    if library.round_of(brief_id) is not Round.TAKEHOME:
        raise TakehomeError(f"{brief_id!r} is not a take-home brief")
    return question


def start(question: Question, folder: Path) -> list[Path]:
    """Write the starter workspace into an empty (or new) folder."""
    if folder.exists() and any(folder.iterdir()):
        raise TakehomeError(f"{folder} is not empty; choose a new folder")
    written = write_files(folder, question.workspace or {})
    (folder / MARKER).write_text(json.dumps({"brief": question.id}), encoding="utf-8")
    return written


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write `name -> content` under `folder`, refusing any name that would land outside it."""
    written = []
    for name, content in sorted(files.items()):
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:
            raise TakehomeError(f"workspace file {name!r} would escape {folder}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written


def workspace_brief(folder: Path) -> str:
    """The brief id recorded in a workspace."""
    try:
        return str(json.loads((folder / MARKER).read_text(encoding="utf-8"))["brief"])
    except (OSError, ValueError, KeyError):
        raise TakehomeError(
            f"{folder} is not a take-home workspace (no {MARKER}); "
            "create one with `mockloop takehome start BRIEF DIR`"
        ) from None


def run_tests(question: Question, folder: Path, label: str) -> RunSummary:
    """Run the brief's visible or hidden tests on the workspace in the sandbox."""
    from mockloop.sandbox.runner import run_workspace_tests

    tests = getattr(question.tests, label, "") if question.tests else ""
    result = run_workspace_tests(folder, tests, label=label, requires=question.requires)
    return summarise(result, label)


@dataclass(frozen=True)
class Submission:
    """The candidate's files, as much as fits the budget, and what was left out."""

    files: dict[str, str]
    skipped: list[str]

    def as_text(self) -> str:
        """The files as one Markdown document for the transcript."""
        parts = [f"### {name}\n```\n{text}\n```" for name, text in self.files.items()]
        if self.skipped:
            parts.append("Not included: " + ", ".join(self.skipped))
        return "\n\n".join(parts)


def collect(folder: Path, budget: int = DEFAULT_BUDGET) -> Submission:
    """Read the workspace's text files, smallest first, until the token budget is spent.

    Symlinks, FIFOs, sockets and devices are never followed or read; they are listed as skipped.
    """
    from mockloop.sandbox.workspace import walk

    found = walk(folder, skip_dirs=frozenset(SKIP_DIRS), max_file=MAX_FILE_BYTES)
    candidates, skipped = [], list(found.skipped)
    for relative, raw in found.files.items():
        if Path(relative).name == MARKER:
            continue
        if Path(relative).suffix in GENERATED or b"\0" in raw[:1024]:
            skipped.append(f"{relative} (generated, binary or too large)")
            continue
        candidates.append((len(raw), relative, raw.decode("utf-8", errors="replace")))
    files, used = {}, 0
    for _, name, text in sorted(candidates):
        cost = len(text) // 4 + 1  # ~4 characters a token: close enough for a budget
        if used + cost > budget:
            skipped.append(f"{name} (over the {budget:,}-token budget)")
            continue
        files[name] = text
        used += cost
    return Submission(files, skipped)


def submission_session(question: Question, folder: Path, interviewer: str) -> SessionInfo:
    """A one-question take-home session for this brief."""
    plan = RoundPlan(
        round=Round.TAKEHOME,
        question_ids=[question.id],
        time_limit_s=ROUND_DURATIONS[Round.TAKEHOME],
    )
    return SessionInfo(id=new_session_id(), plan=[plan], interviewer=interviewer)


def record_submission(
    writer: SessionWriter, question: Question, submission: Submission, runs: list[RunSummary]
) -> None:
    """Write the brief, the submitted files and the test runs as the session's first turns."""
    turns = [
        (Role.INTERVIEWER, Kind.QUESTION, question.prompt.strip(), TurnMeta(index=1, total=1)),
        (
            Role.CANDIDATE,
            Kind.ANSWER,
            submission.as_text(),
            TurnMeta(submission=True, files=sorted(submission.files), skipped=submission.skipped),
        ),
        *((Role.SYSTEM, Kind.TEST_RUN, run.text, TurnMeta(tests=run.record)) for run in runs),
        (Role.INTERVIEWER, Kind.NOTE, DEBRIEF, TurnMeta(debrief=True)),
    ]
    for seq, (role, kind, text, meta) in enumerate(turns):
        writer.turn(
            Turn(
                seq=seq,
                round=Round.TAKEHOME,
                question_id=question.id,
                role=role,
                kind=kind,
                text=text,
                meta=meta,
            )
        )
