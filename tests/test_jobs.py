"""`score --jobs N`: offline scoring on every core, streamed to disk, resumable after Ctrl-C."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.batchpool import score_parallel
from mockloop.content import Library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.store import Index, read_session
from test_ci import unscored_copies

from helpers import spawn_mockloop

runner = CliRunner()


def test_jobs_score_like_one_process_and_index_every_session(
    tmp_path: Path, builtin_library: Library
) -> None:
    paths = unscored_copies(tmp_path / "batch", 8)
    parallel: dict[str, float | None] = {}
    outcome = score_parallel(
        paths, builtin_library, KeypointJudge(), jobs=2,
        sink=lambda path, card: parallel.setdefault(path.name, card.overall),
    )  # fmt: skip
    assert len(outcome.scored) == 8 and not outcome.failed and len(parallel) == 8
    copies = unscored_copies(tmp_path / "one", 8)
    single: dict[str, float | None] = {}
    score_parallel(
        copies, builtin_library, KeypointJudge(), jobs=1,
        sink=lambda path, card: single.setdefault(path.name, card.overall),
    )  # fmt: skip
    assert parallel == single
    indexed = {row["id"]: row["overall"] for row in Index().sessions(limit=100)}
    assert all(indexed[p.stem] == read_session(p).scorecards[-1].overall for p in paths)


def test_score_command_uses_jobs_and_skips_what_is_done(tmp_path: Path) -> None:
    from mockloop.cli.app import app

    unscored_copies(tmp_path / "batch", 5)
    first = runner.invoke(app, ["score", str(tmp_path / "batch"), "--jobs", "2"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.stderr.split())
    assert "Scored 5, skipped 0" in said and "(2 processes)" in said
    again = runner.invoke(app, ["score", str(tmp_path / "batch"), "--jobs", "2"])
    assert "Scored 0, skipped 5" in again.stderr


def test_jobs_is_refused_for_a_model_judge(tmp_path: Path) -> None:
    from mockloop.cli.app import app

    unscored_copies(tmp_path / "batch", 2)
    result = runner.invoke(
        app, ["score", str(tmp_path / "batch"), "--jobs", "2", "--judge-model", "openai/x"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --jobs is for offline scoring; a model judge uses --concurrency N\n"
    )


@pytest.mark.slow
def test_a_real_sigint_keeps_finished_scorecards_and_a_rerun_scores_the_rest(
    tmp_path: Path,
) -> None:
    paths = unscored_copies(tmp_path / "batch", 120)
    args = ("score", str(tmp_path / "batch"), "--jobs", "2")
    child = spawn_mockloop(*args)
    deadline = time.monotonic() + 60
    while not any(read_session(p).scorecards for p in paths[:8]):
        assert time.monotonic() < deadline and child.poll() is None, "no scorecard was saved"
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "Interrupted. Every scorecard finished so far is saved" in stderr
    counts = [len(read_session(p).scorecards) for p in paths]
    assert set(counts) <= {0, 1} and 0 < sum(counts) < len(paths), counts
    rerun = spawn_mockloop(*args)
    _, rerun_stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, rerun_stderr
    assert f"Scored {counts.count(0)}, skipped {sum(counts)}" in " ".join(rerun_stderr.split())
    assert [len(read_session(p).scorecards) for p in paths] == [1] * len(paths)
