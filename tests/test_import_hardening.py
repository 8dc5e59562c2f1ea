"""Import is untrusted input (issue 16, case 6); exports are safe to open and render (case 10)."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.store import read_session, session_files, sessions_dir

from conftest import MINI_BANK

runner = CliRunner()

HOSTILE = (
    "Real answer: BM25 for exact terms, vectors for meaning.\n"
    "## Scores\n\n**Overall: 5.00**\n\n| Round | Questions | Score |\n|---|---:|---:|\n"
    '<img src=x onerror="alert(1)"> [click](javascript:alert(1)) '
    "![tracker](https://evil.example/pixel.png)\n"
    "ESC\x1b[31mRED\x1b[0m NUL\x00 BELL\x07 CSI\x9b"
)


@pytest.fixture
def exported(use_banks, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A scored session with a hostile answer, exported as JSON (the import tests' raw material)."""
    use_banks(MINI_BANK)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([HOSTILE, "Use RRF."]))  # in order: whichever question comes
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "-n", "1", "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    session = json.loads(result.stdout)["session_id"]
    out = tmp_path / "export.json"
    assert runner.invoke(app, ["export", session, "-f", "json", "-o", str(out)]).exit_code == 0
    data: dict[str, Any] = json.loads(out.read_text())
    data["session"] = session
    return data


def import_doc(doc: dict[str, Any], tmp_path: Path, name: str = "in.json") -> Any:
    doc = {k: v for k, v in doc.items() if k != "session"}
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return runner.invoke(app, ["import", str(path)])


def one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output and "\x1b" not in result.output
    return str(lines[0])


# -- case 6: import --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_id", "expected"),
    [
        ("../../escaped", "may only use letters"),
        ("/tmp/absolute", "may only use letters"),
        ("a\x1b[31mred", "may only use letters"),
        ("two\nlines", "may only use letters"),
        ("", "must not be empty"),
        ("x" * 300, "at most 100 characters"),
        (".hidden", "may only use letters"),
    ],
)
def test_import_refuses_ids_that_are_not_plain_file_names(
    bad_id: str, expected: str, exported: dict[str, Any], tmp_path: Path
) -> None:
    before = set(session_files())
    exported["transcript"]["session"]["id"] = bad_id
    line = one_error_line(import_doc(exported, tmp_path))
    assert "transcript.session.id" in line and expected in line
    assert set(session_files()) == before
    assert not (tmp_path / "escaped.jsonl").exists() and not Path("/tmp/absolute.jsonl").exists()
    assert not (sessions_dir() / ".jsonl").exists()


def test_import_refuses_scores_out_of_range(exported: dict[str, Any], tmp_path: Path) -> None:
    exported["scorecard"]["overall"] = 99
    assert "between 1 and 5" in one_error_line(import_doc(exported, tmp_path))


def test_import_refuses_a_missed_point_the_question_does_not_have(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    exported["scorecard"]["questions"][0]["missed_points"] = ["no-such-point"]
    line = one_error_line(import_doc(exported, tmp_path))
    assert "missed_points[0]" in line and "no-such-point" in line


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path, use_banks) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    for depth in (100_000, 1_000, 40):
        path = tmp_path / f"deep{depth}.json"
        path.write_text('{"transcript": ' + "[" * depth + "]" * depth + "}")
        line = one_error_line(runner.invoke(app, ["import", str(path)]))
        assert "nested deeper than" in line or "transcript" in line


def test_non_finite_numbers_and_bad_bytes_are_one_line(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    exported["transcript"]["turns"][0]["elapsed_s"] = float("inf")
    assert "finite" in one_error_line(import_doc(exported, tmp_path))
    raw = tmp_path / "raw.json"
    raw.write_bytes(b'{"transcript": "\xff"}')
    assert "UTF-8" in one_error_line(runner.invoke(app, ["import", str(raw)]))


def test_an_imported_answer_over_the_size_limit_is_refused(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    turn = next(t for t in exported["transcript"]["turns"] if t["role"] == "candidate")
    turn["text"] = "word " * 10_001
    assert "at most 50,000" in one_error_line(import_doc(exported, tmp_path))


def test_import_writes_the_whole_file_or_nothing(exported: dict[str, Any], tmp_path: Path) -> None:
    result = import_doc(exported, tmp_path)
    assert result.exit_code == 0, result.output
    copy = sessions_dir() / f"{exported['session']}-import2.jsonl"
    record = read_session(copy)
    assert len(record.transcript.turns) == len(exported["transcript"]["turns"])
    leftovers = [p.name for p in sessions_dir().iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_import_of_a_large_export_is_fast(exported: dict[str, Any], tmp_path: Path) -> None:
    # One fsync per file, not per record: 2,000 turns import in well under the old minutes.
    turns = exported["transcript"]["turns"]
    template = next(t for t in turns if t["role"] == "candidate")
    exported["transcript"]["turns"] = [
        {**template, "seq": i, "text": f"answer {i} " * 50} for i in range(2000)
    ]
    started = time.perf_counter()
    result = import_doc(exported, tmp_path)
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 30


# -- case 10: exports -----------------------------------------------------------------------------


def render(session: str, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"review.{fmt}"
    result = runner.invoke(app, ["export", session, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def markdown_outside_fences(text: str) -> str:
    return re.sub(r"^(`{3,})text\n.*?^\1$", "", text, flags=re.S | re.M)


def test_markdown_fences_or_escapes_everything_the_candidate_wrote(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    md = render(exported["session"], "md", tmp_path)
    outside = markdown_outside_fences(md)
    assert outside.count("**Overall:") == 1 and outside.count("\n## Scores\n") == 1
    # Outside the fences, markup only appears escaped (a backslash before it renders it as text).
    for raw in ("<img", "](javascript:", "![tracker]"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), outside), raw
    assert outside.count("| Round | Questions | Score |") == 1
    # Evidence quotes are escaped too: they are the candidate's words outside any fence.
    evidence = [line for line in md.splitlines() if line.startswith("> ")]
    assert all(not re.search(r"(?<!\\)<img", line) for line in evidence)
    for char in ("\x1b", "\x00", "\x07", "\x9b"):
        assert char not in md
    assert "\\x1b[31mRED" in md


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def test_html_escapes_everything_and_shows_control_characters(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    page = render(exported["session"], "html", tmp_path)
    parser = Tags()
    parser.feed(page)
    assert "img" not in parser.tags and "a" not in parser.tags and "onerror" not in parser.attrs
    for char in ("\x1b", "\x00", "\x07", "\x9b"):
        assert char not in page
    assert "\\x1b[31mRED" in page


def test_scripted_answers_are_echoed_without_their_escape_codes(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["ESC\x1b[31mRED\x1b[0m NUL\x00 and a real answer."]))
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "-n", "1", "--answers", str(answers)]
    )
    assert result.exit_code == 0, result.output
    assert "\x1b[31mRED" not in result.output and "\x00" not in result.output
    assert "\\x1b[31mRED" in result.output


def test_credentials_in_urls_are_redacted_when_stored_and_exported(tmp_path: Path) -> None:
    from mockloop.redact import redact, redact_url

    assert redact_url("http://user:pass@host:4000/v1") == "http://[REDACTED]@host:4000/v1"
    assert redact_url("https://h/v1?api-key=abc123&x=1") == "https://h/v1?api-key=[REDACTED]&x=1"
    assert "s3cret" not in redact("proxy at https://me:s3cret@proxy.local:8080 failed")
    from mockloop.llm.errors import classify

    class APIConnectionError(Exception):  # what litellm raises when the server is unreachable
        pass

    APIConnectionError.__module__ = "litellm.exceptions"

    error = classify(
        APIConnectionError("refused"), model="openai/x", timeout_s=5, api_base="http://u:pw@h:1/v1"
    )
    assert "pw" not in str(error) and "[REDACTED]@h:1" in str(error)
