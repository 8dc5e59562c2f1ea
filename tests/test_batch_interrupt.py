"""Ctrl-C or a kill between create_batch and storing its id: never a paid batch the index lost."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.store import Index
from test_batch_api import MODEL, said, score, sessions, verdict_for

from fake_openai import FakeOpenAI
from helpers import spawn_mockloop

runner = CliRunner()
CREATE_DELAY_S = 3.0


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with FakeOpenAI() as server:
        server.always(verdict_for)
        server.batches.batch_polls = 0
        yield server


def start_submit(fake: FakeOpenAI, folder: Path) -> subprocess.Popen[str]:
    """A real `mockloop score --batch` in its own process, waiting on a slow create."""
    return spawn_mockloop(
        "score", str(folder), "--batch", "--judge-model", MODEL, "--api-base", fake.base_url
    )


def stored_jobs() -> list[tuple[str | None, str | None, str]]:
    with sqlite3.connect(Index().path) as db:
        rows = db.execute("SELECT batch_id, input_file_id, state FROM batch_jobs").fetchall()
    return [tuple(row) for row in rows]


@pytest.mark.slow
def test_ctrl_c_while_the_create_is_answered_stores_the_batch_then_stops(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    sessions(tmp_path / "b", 2)
    fake.batches.create_delay_s = CREATE_DELAY_S
    fake.batches.batch_polls = 1
    child = start_submit(fake, tmp_path / "b")
    assert fake.batches.create_seen.wait(60), "the create never reached the server"
    time.sleep(0.3)
    interrupted = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "Interrupted" in stderr and "nothing is sent twice" in " ".join(stderr.split())
    # Ctrl-C was held until the create answered and its id was stored, not heard mid-request.
    assert time.monotonic() - interrupted >= CREATE_DELAY_S - 0.3 - 0.2
    ((batch_id, file_id, state),) = stored_jobs()
    assert (batch_id, state) == (next(iter(fake.batches.batches)), "submitted")
    assert file_id == fake.batches.batches[batch_id]["input_file_id"]
    fake.batches.create_delay_s = 0.0
    again = score(fake, tmp_path / "b", "--wait")
    assert again.exit_code == 0, again.output
    assert "Scored 2" in said(again)
    assert fake.batches.created == 1 and fake.batches.listed == 0  # its id was on file


@pytest.mark.slow
def test_a_create_whose_answer_was_lost_is_found_by_listing_not_sent_again(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    sessions(tmp_path / "b", 2)
    fake.batches.create_delay_s = CREATE_DELAY_S
    child = start_submit(fake, tmp_path / "b")
    assert fake.batches.create_seen.wait(60), "the create never reached the server"
    child.kill()  # no handler runs: a power cut, an OOM kill, a CI runner torn down
    child.communicate(timeout=60)
    ((batch_id, file_id, state),) = stored_jobs()
    assert batch_id is None and state == "uploaded" and file_id in fake.batches.files
    fake.batches.create_delay_s = 0.0
    again = score(fake, tmp_path / "b", "--wait")
    assert again.exit_code == 0, again.output
    assert "Scored 2" in said(again)
    assert fake.batches.created == 1 and fake.batches.listed >= 1  # adopted, not re-created
    ((batch_id, _, state),) = stored_jobs()
    assert batch_id in fake.batches.batches and state == "collected"
