"""Batch scoring: 200 transcripts with the LLM judge against a 200 ms fake server."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import MOCKLOOP, ROOT, Row, isolated_env, scratch

TRANSCRIPTS = 200
BASELINE_TRANSCRIPTS = 50
LATENCY_S = 0.200
LEVELS = (1, 4, 16, 64)
EFFICIENCY = 0.8  # speed-up must reach 0.8 x N
VERDICT = {
    "criteria": {
        "correctness": {"score": 4, "rationale": "Right.", "evidence": []},
        "depth": {"score": 3, "rationale": "Some depth.", "evidence": []},
        "communication": {"score": 4, "rationale": "Clear.", "evidence": []},
    },
    "missing_key_points": [],
}


def write_transcripts(folder: Path, count: int) -> list[Path]:
    """`count` finished one-question fundamentals sessions, unscored."""
    from mockloop.content import load_library
    from mockloop.models import Role, Round, RoundPlan, SessionInfo, Turn, TurnKind
    from mockloop.store import Event, SessionWriter

    library = load_library()
    questions = [q for q in library.questions if library.round_of(q.id) is Round.FUNDAMENTALS]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        question = questions[index % len(questions)]
        info = SessionInfo(
            id=f"bench-{index:04d}",
            plan=[
                RoundPlan(round=Round.FUNDAMENTALS, question_ids=[question.id], time_limit_s=600)
            ],
            interviewer="scripted",
        )
        path = folder / f"{info.id}.jsonl"
        writer = SessionWriter(path)
        writer.session(info)
        for seq, (role, kind, text) in enumerate(
            [
                (Role.INTERVIEWER, TurnKind.QUESTION, question.prompt),
                (Role.CANDIDATE, TurnKind.ANSWER, question.samples[1].answer),
            ]
        ):
            writer.turn(
                Turn(seq=seq, round=Round.FUNDAMENTALS, question_id=question.id, role=role,
                     kind=kind, text=text)
            )  # fmt: skip
        writer.event(Event(event="session_done"))
        writer.close()
        paths.append(path)
    return paths


def throughput(fake_url: str, folder: Path, concurrency: int, count: int) -> tuple[float, float]:
    """Transcripts per second scored in-process by the batch scorer with the LLM judge, and the
    CPU the process obtained meanwhile (CPU seconds over wall seconds: about 1.0 means bound by
    one core, the GIL's, and less means a busy machine gave it less)."""
    from mockloop.batch import score_many
    from mockloop.content import load_library
    from mockloop.judges.llm import LLMJudge
    from mockloop.llm.gateway import Gateway, LLMSettings

    paths = write_transcripts(folder, count + 1)
    library = load_library()
    judge = LLMJudge(Gateway(LLMSettings(model="openai/fake-model", api_base=fake_url)))
    score_many(paths[-1:], library, judge, concurrency=1)  # warm: litellm import, connections
    paths = paths[:-1]
    start, cpu = time.perf_counter(), time.process_time()
    outcome = score_many(paths, library, judge, concurrency=concurrency)
    spent, cpu = time.perf_counter() - start, time.process_time() - cpu
    if len(outcome.scored) != count or outcome.failed:
        raise RuntimeError(
            f"batch at {concurrency}: {len(outcome.scored)} scored, {outcome.failed[:1]}"
        )
    return count / spent, cpu / spent


def interrupted_and_resumed(fake_url: str, folder: Path) -> tuple[int, int, int]:
    """Ctrl-C a real `mockloop score` mid-batch, run it again: (scored once, twice, never)."""
    paths = write_transcripts(folder / "t", TRANSCRIPTS)
    env = isolated_env(folder / "home", OPENAI_API_KEY="sk-fake-benchmark-key")
    command = [MOCKLOOP, "score", str(folder / "t"), "-j", "16", "--judge-model",
               "openai/fake-model", "--api-base", fake_url]  # fmt: skip
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Interrupt once the batch is under way: after some scorecards exist, before all do.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = sum('"type": "scorecard"' in p.read_text() for p in paths)
        if done >= 20:
            break
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    first.wait(timeout=60)
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=300)
    counts = [p.read_text().count('"type": "scorecard"') for p in paths]
    return sum(c == 1 for c in counts), sum(c > 1 for c in counts), sum(c == 0 for c in counts)


def run() -> list[Row]:
    """Throughput at each concurrency and the speed-up over concurrency 1."""
    folder = scratch("batch")
    os.environ["MOCKLOOP_HOME"] = str(folder / "home")
    os.environ.setdefault("OPENAI_API_KEY", "sk-fake-benchmark-key")
    rows = []
    # The server runs in its own process: in this one it would compete for the GIL with the
    # scorer under test and cap the throughput it measures.
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "fake_openai.py"),
            str(LATENCY_S),
            json.dumps(VERDICT),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    url = server.stdout.readline().strip()
    try:
        base = None
        for level in LEVELS:
            # Concurrency 1 is a rate: 50 transcripts measure it as well as 200, in 12 s not 50.
            count = BASELINE_TRANSCRIPTS if level == 1 else TRANSCRIPTS
            rate, cores = throughput(url, folder / f"c{level}", level, count)
            base = base or rate
            speedup = rate / base
            # With `count` transcripts, N workers need ceil(count / N) waves: the best speed-up.
            target = EFFICIENCY * min(level, count / math.ceil(count / level))
            rows.append(
                Row(
                    "batch",
                    f"score {count} transcripts, --concurrency {level} (CPU obtained; load)",
                    f"{rate:.1f}/s, x{speedup:.1f} ({cores:.2f} cores; load "
                    f"{os.getloadavg()[0]:.1f})",
                    f">= x{target:.1f}" if level > 1 else "",
                    speedup >= target if level > 1 else None,
                )
            )
        once, twice, never = interrupted_and_resumed(url, folder / "resume")
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    rows.append(
        Row(
            "batch",
            "Ctrl-C mid-batch, then the same command again",
            f"{once} scored once, {twice} twice, {never} never",
            f"{TRANSCRIPTS} once, 0 twice, 0 never",
            once == TRANSCRIPTS and not twice and not never,
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row, file=sys.stderr)
