"""A read-only or full home (case 8), the answer size limit (case 9), small tracebacks (case 11)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.engine import MAX_ANSWER_CHARS
from mockloop.models import Role, TurnKind
from mockloop.ports import Action, Reply
from mockloop.store import read_session, session_files

from conftest import MINI_BANK
from helpers import FunctionCandidate, new_session, run

runner = CliRunner()
ANSWERS = ["BM25 for exact terms, vectors for meaning.", "Use RRF.", "Softmax saturates."]


def one_error_line(result: object, naming: str) -> str:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and naming in errors[0], output
    assert "Traceback" not in output
    return errors[0]


def mount(target: Path, *options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options or ("size=8m",)), "tmpfs", str(target)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("needs a tmpfs mount (root in a container that allows it)")


@pytest.fixture
def own_fs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MOCKLOOP_HOME on a small file system of its own, to make read-only or fill up."""
    root = tmp_path / "fs"
    mount(root, "size=4m")
    home = root / "home"
    monkeypatch.setenv("MOCKLOOP_HOME", str(home))
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def scripted_session(tmp_path: Path) -> str:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    result = runner.invoke(
        app, ["interview", "-r", "fundamentals", "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["session_id"])


def snapshot(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in session_files(home / "sessions")}


@pytest.mark.slow
def test_a_read_only_home_is_one_line_and_loses_nothing(
    own_fs: Path,
    use_banks,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    use_banks(MINI_BANK)
    session = scripted_session(tmp_path)
    export = tmp_path / "export.json"
    assert runner.invoke(app, ["export", session, "-f", "json", "-o", str(export)]).exit_code == 0
    before = snapshot(own_fs)
    subprocess.run(["mount", "-o", "remount,ro", str(own_fs.parent)], check=True)
    answers = tmp_path / "answers.json"
    one_error_line(
        runner.invoke(app, ["interview", "-r", "fundamentals", "--answers", str(answers)]),
        str(own_fs),
    )
    one_error_line(runner.invoke(app, ["score", session, "--rescore"]), str(own_fs))
    one_error_line(runner.invoke(app, ["import", str(export)]), str(own_fs))
    history = runner.invoke(app, ["history"])  # reading still works
    assert history.exit_code == 0 and session in history.output
    assert snapshot(own_fs) == before


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_cuts_no_record_in_half(
    own_fs: Path,
    use_banks,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    use_banks(MINI_BANK)
    session = scripted_session(tmp_path)
    before = snapshot(own_fs)
    with (own_fs / "filler").open("wb", buffering=0) as filler:  # take every free block
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    filler.write(b"\0" * chunk)
            except OSError:
                pass
    one_error_line(runner.invoke(app, ["score", session, "--rescore"]), str(own_fs))
    answers = tmp_path / "answers.json"
    one_error_line(
        runner.invoke(app, ["interview", "-r", "fundamentals", "--answers", str(answers)]),
        str(own_fs),
    )
    after = snapshot(own_fs)
    assert after.keys() == before.keys()  # no headerless new session left behind
    for name, data in before.items():
        # A record fits whole in the file's last page or is not written at all: never torn.
        assert after[name].startswith(data)
        assert read_session(own_fs / "sessions" / name).damaged_lines == 0
    (own_fs / "filler").unlink()
    assert runner.invoke(app, ["score", session, "--rescore"]).exit_code == 0


# -- case 9: the answer size limit ----------------------------------------------------------------


def test_an_answer_over_the_limit_is_cut_with_a_note(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    huge = "tokens attention " * 12_000  # about 200,000 characters
    calls = 0

    def reply(prompt):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return Reply(Action.ANSWER, huge) if calls == 1 else Reply(Action.SKIP)

    run(path, mini_library, FunctionCandidate(reply))
    turns = read_session(path).transcript.turns
    answer = next(t for t in turns if t.role is Role.CANDIDATE)
    assert answer.text == huge[:MAX_ANSWER_CHARS]
    note = turns[answer.seq - 1]
    assert note.kind is TurnKind.NOTE and f"{len(huge):,} characters" in note.text
    assert "first 50,000" in note.text


# -- case 11: smaller tracebacks ------------------------------------------------------------------


def test_takehome_start_into_a_file_or_an_unwritable_place_is_one_line(
    use_banks,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from conftest import FIXTURES

    use_banks(FIXTURES / "question_banks" / "mini_takehome.yaml")
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    result = runner.invoke(app, ["takehome", "start", "mini-wordcount", str(existing)])
    one_error_line(result, "is a file")
    assert existing.read_text() == "mine"
    under_a_file = existing / "ws"
    one_error_line(
        runner.invoke(app, ["takehome", "start", "mini-wordcount", str(under_a_file)]), "notes.txt"
    )
    unwritable = Path("/proc/mockloop-ws")
    one_error_line(
        runner.invoke(app, ["takehome", "start", "mini-wordcount", str(unwritable)]), "cannot"
    )


def test_banks_validate_accepts_a_rubric_and_reports_every_unreadable_file(
    tmp_path: Path,
) -> None:
    rubric = Path(__file__).parents[1] / "rubrics" / "coding.yaml"
    result = runner.invoke(app, ["banks", "validate", str(rubric)])
    assert result.exit_code == 0, result.output
    assert "nonexistent" not in result.output
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_bytes(b"\xff\xfe")
    second.write_text("key: [unclosed\n")
    result = runner.invoke(app, ["banks", "validate", str(first), str(second), str(rubric)])
    assert result.exit_code == 1
    assert "a.yaml" in result.output and "b.yaml" in result.output
    assert "2 file(s) with problems" in result.output and "Traceback" not in result.output
