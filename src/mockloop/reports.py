"""Machine-readable results for CI: the --json document and the JUnit XML report."""

from __future__ import annotations

import io
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel, Field

from mockloop.models import QuestionScore, Round, Scorecard, Transcript, TurnKind


def fmt_score(value: float | None) -> str:
    """`3.40` or `n/a` for insufficient evidence."""
    return "n/a" if value is None else f"{value:.2f}"


def engine_line(card: Scorecard) -> str:
    """Which engine produced a scorecard, said plainly."""
    if card.judge.engine == "keypoints":
        similarity = card.judge.settings.get("similarity", "?")
        return f"Scored offline by the key-point scorer ({similarity} similarity); no model used."
    usage = card.judge.settings.get("usage") or {}
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    cost = usage.get("cost_usd")
    spent = f"; {tokens:,} tokens, " + ("cost unknown" if cost is None else f"${cost:.4f}")
    offline = [q for q in card.questions if q.scored_by]
    fallback = f" {len(offline)} scored {offline[0].scored_by}." if offline else ""
    return (
        f"Scored by LLM judge {card.judge.model} (prompt {card.judge.prompt_version}"
        f"{spent if usage else ''}).{fallback}"
    )


RESULT_SCHEMA_VERSION: Literal[1] = 1
DEFAULT_PASS_MARK = 3.0  # a question "passes" in JUnit at or above this when no --fail-under


class RunResultDoc(BaseModel):
    """What `--json` prints for one session: stable and versioned (docs/json-output.md)."""

    schema_version: Literal[1] = RESULT_SCHEMA_VERSION
    session_id: str
    transcript: str = Field(description="Path of the session's JSONL transcript.")
    outcome: Literal["completed", "scored"]
    fail_under: float | None = Field(
        default=None, description="The --fail-under threshold, when one was given."
    )
    passed: bool | None = Field(
        default=None, description="overall >= fail_under; null without --fail-under."
    )
    scorecard: Scorecard


def result_doc(
    card: Scorecard, transcript_path: Path, outcome: str, fail_under: float | None
) -> RunResultDoc:
    """The --json document of one scored session."""
    return RunResultDoc.model_validate(
        {
            "session_id": card.session_id,
            "transcript": str(transcript_path),
            "outcome": outcome,
            "fail_under": fail_under,
            "passed": None if fail_under is None else passes(card.overall, fail_under),
            "scorecard": card,
        }
    )


def passes(score: float | None, threshold: float) -> bool:
    """A score passes at or above the threshold; no score never passes."""
    return score is not None and score >= threshold


def junit_xml(sessions: Sequence[tuple[Scorecard, Transcript]], threshold: float | None) -> str:
    """JUnit XML: a suite per session and round, a case per question, failed below the mark."""
    writer = JunitWriter(threshold)
    try:
        for card, transcript in sessions:
            writer.add(card, transcript)
        out = io.StringIO()
        writer.finish(out)
        return out.getvalue()
    finally:
        writer.close()


class JunitWriter:
    """JUnit XML written one session at a time, so a report of thousands holds one in memory.

    The root's totals come first in the file but are known only at the end: the suites go to an
    unnamed scratch file as they come, and `finish` writes the root around them.
    """

    def __init__(self, threshold: float | None) -> None:
        self.mark = DEFAULT_PASS_MARK if threshold is None else threshold
        self.tests = self.failures = 0
        # Closed by close(); it lives as long as the report, not one block.
        self._body = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, card: Scorecard, transcript: Transcript) -> None:
        """Append the suites of one scored session."""
        root = ET.Element("testsuites")
        added, failed = _add_session(root, card, transcript, self.mark)
        self.tests, self.failures = self.tests + added, self.failures + failed
        for suite in root:
            ET.indent(suite, level=1)
            suite.tail = "\n"
            self._body.write("  " + ET.tostring(suite, encoding="unicode"))

    def finish(self, out: TextIO) -> None:
        """Write the whole document to `out`."""
        root = ET.Element(
            "testsuites", name="mockloop", tests=str(self.tests), failures=str(self.failures)
        )
        head = ET.tostring(root, encoding="unicode", xml_declaration=True)
        if not self.tests:
            out.write(head + "\n")
            return
        out.write(head.removesuffix(" />") + ">\n")
        self._body.seek(0)
        shutil.copyfileobj(self._body, out)
        out.write("</testsuites>\n")

    def close(self) -> None:
        """Drop the scratch file."""
        self._body.close()


def _add_session(
    root: ET.Element, card: Scorecard, transcript: Transcript, mark: float
) -> tuple[int, int]:
    seconds = _seconds_per_question(transcript)
    by_round: dict[Round, list[QuestionScore]] = defaultdict(list)
    for score in card.questions:
        by_round[score.round].append(score)
    total = failures = 0
    for round_, scores in by_round.items():
        failed = [s for s in scores if not passes(s.overall, mark)]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{card.session_id}.{round_.value}",
            tests=str(len(scores)),
            failures=str(len(failed)),
            errors="0",
            skipped="0",
            time=f"{sum(seconds.get(s.question_id, 0.0) for s in scores):.1f}",
        )
        for score in scores:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"mockloop.{round_.value}.{score.topic}",
                name=score.question_id,
                time=f"{seconds.get(score.question_id, 0.0):.1f}",
            )
            shown = "not scored" if score.overall is None else f"{score.overall:.2f}"
            if score in failed:
                failure = ET.SubElement(
                    case, "failure", message=f"scored {shown}, below {mark:.2f}", type="score"
                )
                failure.text = _failure_detail(score)
            ET.SubElement(case, "system-out").text = f"overall {shown}; " + "; ".join(
                f"{c.criterion} {c.score if c.score is not None else 'n/a'}" for c in score.criteria
            )
        total += len(scores)
        failures += len(failed)
    return total, failures


def _failure_detail(score: QuestionScore) -> str:
    lines = [f"{c.criterion}: {c.score} - {c.rationale}" for c in score.criteria]
    if score.missed_points:
        lines.append("missed key points: " + ", ".join(score.missed_points))
    lines += [f"flag: {flag}" for flag in score.flags]
    return "\n".join(lines)


def _seconds_per_question(transcript: Transcript) -> dict[str, float]:
    spent: dict[str, float] = defaultdict(float)
    for turn in transcript.turns:
        if turn.kind is TurnKind.ANSWER and turn.question_id:
            spent[turn.question_id] += turn.elapsed_s
    return spent
