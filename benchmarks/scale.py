"""Scoring at scale: --jobs on every core, mockloop's own CPU per LLM transcript, provider batches.

`python benchmarks/scale.py batch10k URL FOLDER COUNT` runs the provider-batch measure alone for
COUNT transcripts against a fake server at URL and prints its figures as JSON.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from batch import LATENCY_S, VERDICT, write_transcripts
from common import CLI_WITH_PEAK, MOCKLOOP, ROOT, Row, isolated_env, scratch

OFFLINE_TRANSCRIPTS = 160
PROFILED_TRANSCRIPTS = 30
BATCH_SIZES = (2_000, 10_000)
OURS_MS = 5.0
PEAK_MB = 300


def copies(folder: Path, count: int) -> list[Path]:
    """`count` transcripts: 24 real ones written once, then copied byte for byte, renamed."""
    seeds = write_transcripts(folder / "seed", 24)
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text() for p in seeds]
    paths = []
    for index in range(count):
        source = seeds[index % len(seeds)]
        path = folder / f"s-{index:05d}.jsonl"
        path.write_text(texts[index % len(seeds)].replace(source.stem, path.stem))
        paths.append(path)
    return paths


def offline_rows(folder: Path) -> list[Row]:
    """Key-point scoring of the same transcripts with --jobs 1 and --jobs <cores>.

    The machine may be shared: next to each rate is the CPU the run obtained (its processes'
    CPU seconds over its wall seconds), and the load average, so that a speed-up missed for
    want of free cores is told apart from one lost in our own code.
    """
    from mockloop.batchpool import default_jobs, score_parallel
    from mockloop.content import load_library
    from mockloop.judges.keypoints import KeypointJudge

    library, cores = load_library(), default_jobs()
    judge = KeypointJudge()
    # Loading the similarity model (about 1 s, once per command, before the pool forks) is
    # start-up, not throughput: both runs get it loaded, so the rate is the pool's own.
    loading = time.perf_counter()
    _ = judge.info
    loading = time.perf_counter() - loading
    rates, used = {}, {}
    for jobs in sorted({1, cores}):
        paths = copies(folder / f"j{jobs}", OFFLINE_TRANSCRIPTS)
        before = _cpu_seconds()
        start = time.perf_counter()
        outcome = score_parallel(paths, library, judge, jobs=jobs)
        spent = time.perf_counter() - start
        rates[jobs] = len(outcome.scored) / spent
        used[jobs] = (_cpu_seconds() - before) / spent
    speedup = rates[cores] / rates[1]
    per_core = (rates[cores] / used[cores]) / (rates[1] / used[1])  # 1.0: no loss in the pool
    target = 0.8 * cores
    load = os.getloadavg()[0]
    return [
        Row(
            "scale",
            f"offline score {OFFLINE_TRANSCRIPTS} transcripts, --jobs {cores} vs 1 "
            "(cores obtained; load average)",
            f"{rates[cores]:.0f}/s vs {rates[1]:.0f}/s, x{speedup:.2f} "
            f"({used[cores]:.1f} vs {used[1]:.1f} cores, x{per_core:.2f} per core obtained; "
            f"load {load:.1f})",
            f">= x{target:.1f}",
            speedup >= target,
        ),
        Row("scale", "offline scoring start-up: the similarity model loaded once per command",
            f"{loading:.2f} s"),
    ]  # fmt: skip


def _cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_rows(url: str, folder: Path) -> list[Row]:
    """CPU per transcript in mockloop's code and in litellm's call (thread CPU clocks).

    No profiler: cProfile's per-call overhead lands mostly on litellm's many small calls and
    would inflate both figures. The gateway's one litellm entry point (`routed_call`) is wrapped
    to time its thread's CPU; litellm's other threads (logging) count as litellm's.
    """
    from mockloop.content import load_library
    from mockloop.judges.llm import LLMJudge
    from mockloop.llm import gateway
    from mockloop.scoring import score_transcript
    from mockloop.store import read_session

    library = load_library()
    judge = LLMJudge(gateway.Gateway(gateway.LLMSettings(model="openai/fake-model", api_base=url)))
    paths = copies(folder, PROFILED_TRANSCRIPTS + 1)
    score_transcript(read_session(paths[0]).transcript, library, judge)  # warm: imports, pools
    inside = [0.0]
    original = gateway.routed_call

    def timed(*args: Any, **kwargs: Any) -> Any:
        begin = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            inside[0] += time.thread_time() - begin

    gateway.routed_call = timed  # type: ignore[assignment]
    try:
        process, thread = time.process_time(), time.thread_time()
        for path in paths[1:]:
            score_transcript(read_session(path).transcript, library, judge)
        process, thread = time.process_time() - process, time.thread_time() - thread
    finally:
        gateway.routed_call = original
    per = 1000 / PROFILED_TRANSCRIPTS
    ours = (thread - inside[0]) * per
    theirs = (process - thread + inside[0]) * per
    return [
        Row("scale", "LLM judge CPU per transcript: mockloop's own code", f"{ours:.1f} ms",
            f"<= {OURS_MS:.0f} ms", ours <= OURS_MS),
        Row("scale", "LLM judge CPU per transcript: litellm (call + its threads)",
            f"{theirs:.1f} ms"),
    ]  # fmt: skip


def timed_command(command: list[str], env: dict[str, str], out: Path) -> tuple[float, float]:
    """Run a command with stdout to `out`: (wall seconds, its own peak RSS in MB)."""
    errors, peak = out.with_suffix(".err"), out.with_suffix(".peak")
    assert command[0] == MOCKLOOP  # run as the same CLI, in a wrapper that reports its peak
    wrapped = [sys.executable, "-c", CLI_WITH_PEAK, *command[1:]]
    start = time.perf_counter()
    with out.open("wb") as stdout, errors.open("wb") as stderr:
        status = subprocess.run(
            wrapped, env={**env, "MOCKLOOP_BENCH_HWM": str(peak)}, stdout=stdout, stderr=stderr
        ).returncode
    spent = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{' '.join(command[1:4])}: {errors.read_text()[-500:]}")
    return spent, float(peak.read_text())


def batch_child(url: str, folder: Path, count: int) -> dict[str, float]:
    """`mockloop score --batch` over `count` transcripts, then `--wait --json --junit` collects.

    The real command, reporting included: each run is its own process and its peak RSS is its
    own (the submitting run and the collecting run are measured apart, the larger is reported).
    """
    copies(folder / "t", count)
    env = isolated_env(folder / "home", OPENAI_API_KEY="sk-fake-benchmark-key")
    base = [MOCKLOOP, "score", str(folder / "t"), "--batch", "--judge-model",
            "openai/fake-model", "--api-base", url]  # fmt: skip
    submit_s, submit_mb = timed_command(base, env, folder / "submit.out")
    junit = folder / "scores.xml"
    command = [*base, "--wait", "--json", "--junit", str(junit)]
    collect_s, collect_mb = timed_command(command, env, folder / "scores.json")
    docs = json.loads((folder / "scores.json").read_text())
    cases = junit.read_text().count("<testcase ")
    if len(docs) != count or cases != count:
        raise RuntimeError(f"batch of {count}: {len(docs)} JSON documents, {cases} JUnit cases")
    return {
        "wall_s": submit_s + collect_s,
        "submit_s": submit_s,
        "collect_rps": count / collect_s,
        "peak_mb": max(submit_mb, collect_mb),
        "submit_mb": submit_mb,
        "collect_mb": collect_mb,
    }


def batch_rows(url: str, folder: Path) -> list[Row]:
    """Provider batches of 2,000 and 10,000 transcripts: wall time, peak memory, rate."""
    rows = []
    for count in BATCH_SIZES:
        got = batch_child(url, folder / f"b{count}", count)
        rows.append(
            Row("scale", f"--batch {count} transcripts: wall (submit), collection rate",
                f"{got['wall_s']:.0f} s ({got['submit_s']:.0f} s), {got['collect_rps']:.0f}/s")
        )  # fmt: skip
        rows.append(
            Row("scale", f"--batch {count} transcripts: peak memory (submit / collect + report)",
                f"{got['submit_mb']:.0f} / {got['collect_mb']:.0f} MB",
                f"< {PEAK_MB} MB", got["peak_mb"] < PEAK_MB)
        )  # fmt: skip
    return rows


def run() -> list[Row]:
    """All three areas; the fake server runs in its own process."""
    folder = scratch("scale")
    os.environ["MOCKLOOP_HOME"] = str(folder / "home")
    os.environ.setdefault("OPENAI_API_KEY", "sk-fake-benchmark-key")
    fake = [sys.executable, str(ROOT / "tests" / "fake_openai.py"), str(LATENCY_S)]
    server = subprocess.Popen(
        [*fake, json.dumps(VERDICT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdin is not None
    url = server.stdout.readline().strip()
    try:
        rows = offline_rows(folder / "offline")
        rows += cpu_rows(url, folder / "cpu")
        rows += batch_rows(url, folder / "batches")
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["batch10k"]:  # one size alone: URL FOLDER COUNT, figures as JSON
        url, where, count = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(batch_child(url, where, count)))
    else:
        for row in run():
            print(row, file=sys.stderr)
