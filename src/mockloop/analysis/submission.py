"""What the candidate wrote: their changes to the starter code or to the brief's files.

Provided code and files are never evidence: lines the starter or the workspace already had are
removed before analysis, so an untouched submission is empty ("no answer").
"""

from __future__ import annotations

import re

from mockloop.analysis.text import words
from mockloop.models import Question

_SECTION = re.compile(r"^### (\S+)\n```[^\n]*\n(.*?)\n```[ \t]*$", re.S | re.M)
_FENCE_ONLY = re.compile(r"^\s*```[\w+-]*\s*$")


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def minus_provided(text: str, provided: str) -> str:
    """`text` without the lines that `provided` already had (and without bare fences)."""
    given = _lines(provided)
    kept = [
        line
        for line in text.splitlines()
        if line.strip() not in given and not _FENCE_ONLY.match(line)
    ]
    return "\n".join(kept).strip()


def takehome_own(workspace: dict[str, str], submission: str) -> str:
    """A take-home submission reduced to new files and the lines changed in provided ones."""
    sections = _SECTION.findall(submission)
    if not sections:
        return minus_provided(submission, "\n".join(workspace.values()))
    # Prose outside the file sections (the debrief answers) is the candidate's own.
    rest = "\n".join(
        line
        for line in _SECTION.sub("", submission).splitlines()
        if not line.startswith("Not included:")
    ).strip()
    parts = [rest] if words(rest) else []
    for name, body in sections:
        own = minus_provided(body, workspace[name]) if name in workspace else body.strip()
        if words(own):
            parts.append(f"### {name}\n{own}")
    return "\n\n".join(parts)


def own_text(question: Question, said: str) -> str:
    """What the candidate wrote for a question, without the code or files it was given."""
    if question.workspace:
        return takehome_own(question.workspace, said)
    if question.starter_code:
        return minus_provided(said, question.starter_code)
    return said


def has_own_work(question: Question, said: str) -> bool:
    """True when the candidate added anything of their own."""
    return bool(words(own_text(question, said)))
