"""Sessions survive anything: torn tails, bad bytes, id clashes, second writers, a broken index.

Issue 16, cases 1 to 5 and 7: each test reproduces the failure as a user met it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.engine import Engine, plan_session
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.models import Question, Role, Round, TestRunRecord, TurnKind
from mockloop.ports import Action, FakeClock, Reply, RunSummary, SilentListener
from mockloop.sessions import start_session
from mockloop.store import (
    Event,
    Index,
    SessionWriter,
    StoreError,
    new_session_id,
    read_session,
    session_files,
    sessions_dir,
)

from conftest import FIXTURES, MINI_BANK
from helpers import FunctionCandidate, new_session, run

runner = CliRunner()
CODE = "```python\ndef chunk_text(text, size, overlap):\n    return [text]\n```"


def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(
        json.dumps(
            {
                "mini-hybrid-search": ["BM25 for exact terms, vectors for meaning.", "Use RRF."],
                "mini-attention-scaling": ["Dot products grow with dimension; softmax saturates."],
            }
        )
    )
    return path


def cli_session(use_banks, tmp_path: Path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    result = runner.invoke(
        app,
        [
            "interview",
            "-r",
            "fundamentals",
            "--answers",
            str(answers_file(tmp_path)),
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["session_id"])


# -- case 2: a torn last line, then resume ------------------------------------------------------


def test_resume_repairs_a_torn_tail_instead_of_appending_onto_it(
    mini_library: Library,
) -> None:
    path = new_session(mini_library, count=2)
    answers = iter(["First answer about search.", "Second answer, more detail."])
    calls = 0

    def answer_then_quit(prompt):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 1:
            return Reply(Action.QUIT)
        return Reply(Action.ANSWER, next(answers))

    run(path, mini_library, FunctionCandidate(answer_then_quit))
    whole = path.read_bytes()
    torn = b'{"type": "turn", "seq": 99, "round": "fundam'
    path.write_bytes(whole + torn)  # a crash in the middle of writing a record
    assert read_session(path).damaged_lines == 1  # still readable before the resume

    result = run(path, mini_library, FunctionCandidate(lambda p: Reply(Action.ANSWER, "More.")))
    assert result.outcome.value == "completed"
    record = read_session(path)  # readable after, with nothing merged into the torn bytes
    assert record.damaged_lines == 0
    assert path.with_name(path.name + ".torn").read_bytes() == torn + b"\n"
    repaired = [e for e in record.events if e.event == "repaired"]
    assert len(repaired) == 1 and f"{len(torn)} bytes" in repaired[0].reason
    assert path.read_bytes().startswith(whole)  # the readable prefix is kept byte for byte


def test_a_whole_last_record_missing_only_its_newline_is_kept(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with SessionWriter(path):
        pass
    assert path.read_bytes().endswith(b"}\n")
    assert not path.with_name(path.name + ".torn").exists()
    assert read_session(path).transcript.session.id == path.stem


# -- case 3: one invalid UTF-8 byte ---------------------------------------------------------------


def test_an_invalid_byte_is_one_sessions_error_not_everyones(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = cli_session(use_banks, tmp_path)
    bad = cli_session(use_banks, tmp_path)
    bad_path = sessions_dir() / f"{bad}.jsonl"
    lines = bad_path.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if b"BM25" in line)
    lines[number] = lines[number].replace(b"BM25", b"BM\xf0\x9f25")  # half an emoji, mid-file
    bad_path.write_bytes(b"\n".join(lines))
    pattern = rf":{number + 1}: not a mockloop session record \(invalid UTF-8"
    with pytest.raises(StoreError, match=pattern):
        read_session(bad_path)

    history = runner.invoke(app, ["history", "--reindex"])
    assert history.exit_code == 0, history.output
    assert good in history.output and "Traceback" not in history.output
    scored = runner.invoke(app, ["score", "--all", "--rescore"])
    assert "Traceback" not in scored.output and good in scored.output
    assert "invalid UTF-8" in scored.output  # the bad one is reported, the others scored
    resumed = runner.invoke(app, ["resume", bad])
    assert resumed.exit_code == 2
    assert "invalid UTF-8" in resumed.output and len(resumed.output.strip().splitlines()) == 1


def test_a_torn_emoji_at_the_end_is_a_damaged_tail_not_an_error(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    path.write_bytes(path.read_bytes() + b'{"type": "turn", "text": "\xf0\x9f')
    assert read_session(path).damaged_lines == 1


# -- case 4: ids cannot collide -----------------------------------------------------------------


def test_ids_have_32_random_bits() -> None:
    ids = {new_session_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i.rsplit("-", 1)[1]) == 8 for i in ids)


def test_a_taken_id_is_drawn_again_never_appended_to(mini_library: Library) -> None:
    info = plan_session(mini_library, [Round.FUNDAMENTALS], interviewer="scripted", count=1)
    first = start_session(info)
    second = start_session(info)  # the same id again: a clash
    assert first != second and first.stem == info.id
    assert read_session(first).transcript.session.id == info.id
    assert read_session(second).transcript.session.id == second.stem
    assert len(first.read_text().splitlines()) == 1  # nothing appended to the first session


def test_two_headers_in_one_file_is_a_clear_error(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    path.write_bytes(path.read_bytes() * 2)
    with pytest.raises(StoreError, match="two sessions in a file"):
        read_session(path)


# -- case 5: one writer per session ---------------------------------------------------------------


def test_a_second_writer_fails_fast_naming_the_holder(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    with SessionWriter(path), pytest.raises(StoreError, match=f"by process {os.getpid()}"):
        SessionWriter(path)
    with SessionWriter(path):  # released on close
        pass


@pytest.mark.slow
def test_resume_twice_second_one_fails_with_one_line(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    use_banks(MINI_BANK)
    info = plan_session(
        __import__("mockloop.cli.common", fromlist=["library"]).library(),
        [Round.FUNDAMENTALS],
        interviewer="scripted",
        count=1,
    )
    path = start_session(info)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time
                from pathlib import Path
                from mockloop.store import SessionWriter
                with SessionWriter(Path({str(path)!r})):
                    print("locked", flush=True)
                    time.sleep(60)
            """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result = runner.invoke(app, ["resume", info.id, "--answers", str(answers_file(tmp_path))])
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and f"in use by process {holder.pid}" in lines[0]
    finally:
        holder.kill()
        holder.wait()
    record = read_session(path)
    assert [t.seq for t in record.transcript.turns] == list(range(len(record.transcript.turns)))
    assert not record.scorecards  # the refused resume wrote nothing


# -- case 1: a coding test run is one step --------------------------------------------------------


class InterruptingRunner:
    """Runs tests like the sandbox would; the first hidden run is interrupted (Ctrl-C)."""

    def __init__(self, interrupt: bool) -> None:
        self.interrupt = interrupt
        self.runs: list[str] = []

    def run(self, question: Question, code: str, label: str) -> RunSummary:
        if label == "hidden" and self.interrupt:
            raise KeyboardInterrupt
        self.runs.append(label)
        total = 2 if label == "visible" else 5
        record = TestRunRecord(label=label, status="ok", passed=2, total=total)  # type: ignore[arg-type]
        return RunSummary(label, "ok", 2, total, f"{label}: 2 of {total} passed", record)


def test_an_interrupted_test_run_runs_again_on_resume_and_the_answer_is_kept_once() -> None:
    from mockloop.candidates.scripted import ScriptedCandidate
    from mockloop.content import load_library
    from mockloop.judges.keypoints import KeypointJudge
    from mockloop.paths import content_dirs
    from mockloop.scoring import score_transcript

    library = load_library(
        [FIXTURES / "question_banks" / "mini_coding.yaml"], content_dirs("rubrics")
    )
    path = start_session(plan_session(library, [Round.CODING], interviewer="scripted", seed=1))

    def engine(candidate, code_runner):  # type: ignore[no-untyped-def]
        with SessionWriter(path) as writer:
            record = read_session(path)
            candidate.skip_recorded(record.transcript.turns)
            Engine(library, record, ScriptedInterviewer(), candidate, FakeClock(), writer,
                   SilentListener(), code_runner=code_runner).run()  # fmt: skip

    script = {"mini-chunk": [CODE, "It is linear in the text length."]}
    with pytest.raises(KeyboardInterrupt):
        engine(ScriptedCandidate(by_question=script), InterruptingRunner(interrupt=True))
    after_crash = read_session(path).transcript.turns
    assert [t.meta.tests.label for t in after_crash if t.meta.tests] == ["visible"]

    second = InterruptingRunner(interrupt=False)
    engine(ScriptedCandidate(by_question=script), second)
    assert second.runs == ["hidden"]  # only what had not run; the visible run is not repeated
    turns = read_session(path).transcript.turns
    answers = [t.text for t in turns if t.role is Role.CANDIDATE]
    assert answers == [CODE, "It is linear in the text length."]  # each stored once
    card = score_transcript(read_session(path).transcript, library, KeypointJudge())
    correctness = next(c for c in card.questions[0].criteria if c.criterion == "correctness")
    assert correctness.score is not None  # the hidden tests ran: evidence, not "insufficient"


def test_an_answer_recorded_before_a_crash_is_followed_up_not_asked_again(
    mini_library: Library,
) -> None:
    path = new_session(mini_library, count=1)
    with SessionWriter(path) as writer:
        record = read_session(path)
        engine = Engine(mini_library, record, ScriptedInterviewer(),
                        FunctionCandidate(lambda p: Reply(Action.ANSWER, "Scale by sqrt(d).")),
                        FakeClock(), writer, SilentListener())  # fmt: skip
        plan = record.transcript.session.plan[0]
        question = mini_library.question(plan.question_ids[0])
        engine._run_round  # noqa: B018 (the engine as resumed below records turns by itself)
        engine._emit(Role.INTERVIEWER, TurnKind.QUESTION, "Q?", plan.round, question_id=question.id)
        engine._emit(Role.CANDIDATE, TurnKind.ANSWER, "Scale by sqrt(d).", plan.round,
                     question_id=question.id)  # fmt: skip
    # The process died here: the answer is on disk, its follow-up is not.
    prompts: list[str] = []

    def reply(prompt):  # type: ignore[no-untyped-def]
        prompts.append(prompt.message)
        return Reply(Action.ANSWER, "Because softmax saturates.")

    run(path, mini_library, FunctionCandidate(reply))
    turns = read_session(path).transcript.turns
    answers = [t.text for t in turns if t.role is Role.CANDIDATE]
    assert answers.count("Scale by sqrt(d).") == 1
    assert prompts and prompts[0] != "Q?"  # the candidate was asked the follow-up, not again


# -- case 7: the index is a cache ----------------------------------------------------------------


def index_path() -> Path:
    return Index().path


@pytest.mark.parametrize("damage", ["garbage", "future", "missing"])
def test_a_broken_index_is_rebuilt_from_the_transcripts(
    damage: str,
    use_banks,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    session = cli_session(use_banks, tmp_path)
    path = index_path()
    if damage == "garbage":
        path.write_bytes(os.urandom(8192))
    elif damage == "future":
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version = 99")
    else:
        path.unlink()
    caplog.set_level("WARNING")
    for command in (["history"], ["stats"], ["drill", "--list"], ["history", "--reindex"]):
        result = runner.invoke(app, command)
        assert ("Traceback" not in result.output and result.exception is None) or isinstance(
            result.exception, SystemExit
        ), (command, result.output)
    history = runner.invoke(app, ["history"])
    assert session in history.output and "No sessions yet" not in history.output
    notes = [
        r.getMessage() for r in caplog.records if "rebuilt the session index" in r.getMessage()
    ]
    assert len(notes) == 1 and "1 transcript" in notes[0]


def test_reindex_skips_an_unreadable_transcript_and_says_which(
    use_banks,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    session = cli_session(use_banks, tmp_path)
    (sessions_dir() / "junk.jsonl").write_bytes(b"\xff\xfe not json\n{}\n")
    result = runner.invoke(app, ["history", "--reindex"])
    assert result.exit_code == 0 and "Re-indexed 1 session file(s)" in result.output
    assert session in result.output
    assert any("junk.jsonl" in r.getMessage() for r in caplog.records)


def test_session_files_ignores_locks_temporaries_and_torn_bytes(mini_library: Library) -> None:
    path = new_session(mini_library, count=1)
    with SessionWriter(path):
        pass
    (sessions_dir() / f".{path.name}.123.tmp").write_text("half an import")
    (sessions_dir() / f"{path.name}.torn").write_text("torn")
    assert session_files() == [path]


def test_export_star_is_one_line(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli_session(use_banks, tmp_path)
    for ref in ("*", "../x", "a\x1b[31m"):
        result = runner.invoke(app, ["export", ref])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and "\x1b" not in result.output


def test_history_never_says_no_sessions_while_transcripts_exist(use_banks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session = cli_session(use_banks, tmp_path)
    Index().clear()  # an index that lost its rows (or transcripts copied in by hand)
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 0 and session in result.output
    assert "No sessions yet" not in result.output


@pytest.mark.parametrize("tail", [b"\x80\n\x00", b"\x80\n\n", b"{\n  \n{", b"\n\n"])
def test_every_unreadable_line_at_the_tail_is_set_aside(mini_library: Library, tail: bytes) -> None:
    path = new_session(mini_library, count=1)
    header = path.read_bytes()
    path.write_bytes(header + tail)
    with SessionWriter(path) as writer:
        writer.event(Event(event="session_done"))
    record = read_session(path)
    assert record.damaged_lines == 0 and record.transcript.ended
    assert path.read_bytes().startswith(header)
