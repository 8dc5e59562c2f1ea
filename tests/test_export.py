"""Exports for reviewers (md, html, json), secret redaction, and importing an export."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.redact import REDACTED, redact, secret_values
from mockloop.store import read_session, sessions_dir

from conftest import MINI_BANK

runner = CliRunner()
OPENAI_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8t"  # not a real key; split to keep scanners calm
AWS_ID = "AKIA" + "ABCDEFGHIJ234567"
ENV_SECRET = "tenant-Q7-zx81-env-only-secret"
CONFIG_KEY = "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e"  # no known shape: only config.toml says it is one


@pytest.fixture
def session(use_banks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """A scored mini-bank session whose answers leak secrets, with one secret only in the env."""
    use_banks(MINI_BANK)
    monkeypatch.setenv("MYCORP_API_KEY", ENV_SECRET)
    config = tmp_path / "config.toml"
    config.write_text(f'api_key = "{CONFIG_KEY}"\n')
    monkeypatch.setenv("MOCKLOOP_CONFIG", str(config))
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        json.dumps(
            {
                "mini-hybrid-search": [
                    f"BM25 for exact terms, vectors for meaning. My key is {OPENAI_KEY} btw.",
                    f"Use reciprocal rank fusion <b>fast</b>. aws {AWS_ID}; token {ENV_SECRET}",
                ],
                "mini-attention-scaling": [
                    f"api_key = 'zz9-plural-z-alpha'. I pasted {CONFIG_KEY} by mistake."
                ],
            }
        )
    )
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["session_id"])


class Page(HTMLParser):
    """Collects tags, external references and text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def export(session: str, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"review.{fmt}"
    result = runner.invoke(app, ["export", session, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_every_format_redacts_secrets(session: str, fmt: str, tmp_path: Path) -> None:
    text = export(session, fmt, tmp_path)
    for secret in (OPENAI_KEY, AWS_ID, ENV_SECRET, "zz9-plural-z-alpha", CONFIG_KEY):
        assert secret not in text, (fmt, secret)
    assert REDACTED in text
    assert "BM25 for exact terms" in text  # the answer itself survives
    # The session file keeps what was said: redaction is for what leaves the machine.
    raw = (sessions_dir() / f"{session}.jsonl").read_text()
    assert OPENAI_KEY in raw


def test_html_is_one_self_contained_page_with_scores_and_evidence(
    session: str, tmp_path: Path
) -> None:
    html = export(session, "html", tmp_path)
    page = Page()
    page.feed(html)
    page.close()
    assert page.external == [] and "script" not in page.tags and "link" not in page.tags
    assert "style" in page.tags and "@media print" in html
    text = " ".join(page.text)
    assert f"mockloop session {session}" in text
    assert "Overall:" in text and "Reference answer:" in text and "Missed key points:" in text
    assert "Scored offline by the key-point scorer" in text
    assert "Interviewer: scripted (offline)" in text
    # Candidate text is escaped, never markup.
    assert "<b>fast</b>" not in html and "&lt;b&gt;fast&lt;/b&gt;" in html
    assert "blockquote" in page.tags  # evidence quotes


def test_markdown_has_timings_models_and_missed_points(session: str, tmp_path: Path) -> None:
    text = export(session, "md", tmp_path)
    assert text.startswith(f"# mockloop session {session}")
    assert "- Interviewer: scripted (offline)" in text
    assert "**Candidate** _(0 s)_:" in text
    assert "Missed key points:" in text


def test_redaction_leaves_ordinary_code_alone() -> None:
    code = "api_key = settings.api_key\ntokens = tokenizer.encode(text)\nmax_tokens=1024"
    assert redact(code) == code
    assert (
        redact("Authorization: Bearer abcdefghijklmnop1234") == "Authorization: Bearer " + REDACTED
    )
    assert secret_values({"OPENAI_API_KEY": "sk-123456789", "HOME": "/home/me"}) == ["sk-123456789"]


def test_import_round_trip_keeps_turns_and_scores(session: str, tmp_path: Path) -> None:
    exported = tmp_path / "review.json"
    export(session, "json", tmp_path)
    original = read_session(sessions_dir() / f"{session}.jsonl")
    result = runner.invoke(app, ["import", str(exported)])
    assert result.exit_code == 0, result.output
    copy_id = f"{session}-import2"  # the original is still here, so the import is a copy
    assert f"Imported session {copy_id} (with its scorecard)" in result.stdout
    imported = read_session(sessions_dir() / f"{copy_id}.jsonl")
    assert [t.text for t in imported.transcript.turns] == [
        redact(t.text, [ENV_SECRET, CONFIG_KEY]) for t in original.transcript.turns
    ]
    assert (
        imported.transcript.ended
        and imported.scorecards[-1].overall == original.scorecards[-1].overall
    )
    rescored = runner.invoke(app, ["score", copy_id, "--json"])
    assert rescored.exit_code == 0, rescored.output
    assert copy_id in runner.invoke(app, ["history"]).stdout


def test_import_reads_json_that_yaml_would_refuse(session: str, tmp_path: Path) -> None:
    # json.dump writes non-ASCII as \\u escapes, an emoji as a surrogate pair YAML rejects.
    data = json.loads(export(session, "json", tmp_path))
    data["transcript"]["turns"][1]["text"] += " Thanks! \U0001f642"
    resaved = tmp_path / "resaved.json"
    resaved.write_text(json.dumps(data))
    assert "\\ud83d\\ude42" in resaved.read_text()
    result = runner.invoke(app, ["import", str(resaved)])
    assert result.exit_code == 0, result.output
    copy = read_session(sessions_dir() / f"{session}-import2.jsonl")
    assert copy.transcript.turns[1].text.endswith("Thanks! \U0001f642")


def test_import_of_a_bad_file_names_file_line_and_field(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{\n  "format": "mockloop.export/1",\n  "transcript": {\n'
        '    "session": {"id": "x", "plan": [], "interviewer": "scripted"},\n'
        '    "turns": [\n      {"seq": 0, "round": "lunch", "role": "candidate",'
        ' "kind": "answer", "text": "hi"}\n    ]\n  }\n}\n'
    )
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:6: transcript.turns[0].round: ")
    assert "Traceback" not in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"transcript": \n  [1, 2,\n')
    result = runner.invoke(app, ["import", str(broken)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {broken}:3: invalid JSON")


def test_import_refuses_questions_no_bank_knows(session: str, tmp_path: Path, use_banks) -> None:  # type: ignore[no-untyped-def]
    export(session, "json", tmp_path)
    use_banks(Path(__file__).parent / "fixtures" / "question_banks" / "mini_coding.yaml")
    result = runner.invoke(app, ["import", str(tmp_path / "review.json")])
    assert result.exit_code == 2
    assert "asks question 'mini-" in result.stderr
    assert "which is in no bank in use; add its bank with MOCKLOOP_QUESTION_BANKS" in result.stderr


def test_the_answer_time_includes_the_work_before_a_hint(mini_library) -> None:  # type: ignore[no-untyped-def]
    from mockloop.export import review
    from mockloop.models import Role, Round, RoundPlan, SessionInfo, Transcript, Turn, TurnKind

    q = "mini-hybrid-search"
    info = SessionInfo(
        id="s",
        plan=[RoundPlan(round=Round.FUNDAMENTALS, question_ids=[q], time_limit_s=600)],
        interviewer="scripted",
    )

    def turn(seq: int, role: Role, kind: TurnKind, elapsed: float) -> Turn:
        return Turn(
            seq=seq,
            round=Round.FUNDAMENTALS,
            question_id=q,
            role=role,
            kind=kind,
            text="x",
            elapsed_s=elapsed,
        )

    turns = [
        turn(0, Role.INTERVIEWER, TurnKind.QUESTION, 0),
        turn(1, Role.INTERVIEWER, TurnKind.HINT, 50),  # 50 s of work, then /hint
        turn(2, Role.CANDIDATE, TurnKind.ANSWER, 15),
    ]
    view = review(Transcript(session=info, turns=turns), None, mini_library)
    answer = next(t for t in view["rounds"][0]["turns"] if t["kind"] == "answer")
    assert answer["elapsed"] == "1:05 min"
