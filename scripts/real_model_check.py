"""Opt-in check of the LLM path against a real small model (not part of `make test`).

Usage:
    .venv/bin/python scripts/real_model_check.py --server-python PY --gguf FILE [--answers N]
    .venv/bin/python scripts/real_model_check.py --api-base URL [--answers N]

With --server-python and --gguf it starts llama-cpp-python's OpenAI-compatible server
(`PY -m llama_cpp.server`) on 127.0.0.1, waits until it answers, and stops it at the end; with
--api-base it uses a server you already run. How to get one, see README "A real small model".

It then runs, through the installed `mockloop` command:
1. one fundamentals interview with the model as interviewer and judge (answers from a file),
   and reports the exit status, the time, and who scored each question (the model, or the
   offline judge after the model failed);
2. `mockloop judge eval` on N SemEval-2013 test-unseen-answers (half correct, half not, a fixed
   seed) and reports ROC-AUC, fallbacks, verbatim quotes and time.
Everything the model does is local; nothing here reaches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from mockloop.validity import find_semeval

ROOT = Path(__file__).resolve().parents[1]
MOCKLOOP = Path(sys.executable).with_name("mockloop")
QUESTION = "stats-errors-power"
MODEL = "openai/local"  # llama.cpp serves whatever GGUF it loaded under any model name


def free_port() -> int:
    """An ephemeral port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 120) -> float:
    """Seconds until GET /models answers; exits if the server dies or never answers."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if server.poll() is not None:
            raise SystemExit(f"the model server exited with status {server.returncode}")
        try:
            with urlopen(f"{base}/models", timeout=2):
                return time.perf_counter() - started
        except (URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"the model server did not answer within {seconds:g} s")


def sample_semeval(count: int, path: Path) -> Path:
    """`count` test-unseen-answers lines (half correct), written to a temporary JSONL file."""
    semeval = find_semeval()
    if semeval is None:
        raise SystemExit("SemEval-2013 not found: set MOCKLOOP_SEMEVAL to its answers.jsonl")
    rows = [json.loads(line) for line in semeval.read_text().splitlines() if line.strip()]
    test = [r for r in rows if r["split"] == "test-unseen-answers"]
    rng = random.Random(7)
    correct = [r for r in test if r["label"] == "correct"]
    wrong = [r for r in test if r["label"] != "correct"]
    chosen = rng.sample(correct, count // 2) + rng.sample(wrong, count - count // 2)
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen))
    return path


def mockloop(args: list[str], env: dict[str, str]) -> tuple[int, float, str, str]:
    """Run the mockloop command: exit status, seconds, stdout, stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(MOCKLOOP), *args], env=env, capture_output=True, text=True, check=False
    )
    return done.returncode, time.perf_counter() - started, done.stdout, done.stderr


def interview(base: str, env: dict[str, str], work: Path) -> None:
    """One question, the model asking and judging; report who scored it."""
    strong = (
        "A Type I error is a false positive: rejecting a null hypothesis that is true, and its "
        "rate is alpha. A Type II error is a false negative: keeping a false null, at rate beta. "
        "Power is 1 - beta; it grows with sample size, effect size and alpha."
    )
    answers = work / "answers.json"
    answers.write_text(json.dumps({QUESTION: [strong, "That is all I would add."]}))
    status, seconds, out, err = mockloop(
        [
            *("interview", "-q", QUESTION, "--answers", str(answers), "--no-timer", "--json"),
            *("--model", MODEL, "--judge-model", MODEL, "--api-base", base),
        ],
        env,
    )
    print(f"interview: exit {status} in {seconds:.1f} s")
    if status != 0 or not out.strip():
        print("  stderr:", err.strip()[-600:])
        return
    card = json.loads(out)["scorecard"]
    for question in card["questions"]:
        who = question.get("scored_by") or card["judge"]["model"]
        print(f"  {question['question_id']}: overall {question['overall']:.2f}, scored by {who}")


def judge_eval(base: str, env: dict[str, str], work: Path, count: int) -> None:
    """judge eval on a balanced SemEval sample; print the figures that matter."""
    data = sample_semeval(count, work / "semeval-sample.jsonl")
    args = ["judge", "eval", "--judge-model", MODEL, "--api-base", base, "--data", str(data)]
    status, seconds, out, err = mockloop([*args, "--json"], env)
    print(f"judge eval ({count} SemEval test-unseen-answers): exit {status} in {seconds:.1f} s")
    if status not in (0, 1) or not out.strip():
        print("  stderr:", err.strip()[-600:])
        return
    report = json.loads(out)
    print("  agreement:", json.dumps(report["agreement"]))
    print("  fallbacks:", json.dumps(report["fallbacks"]))
    print("  verbatim quotes:", json.dumps(report["verbatim_quotes"]))
    print("  offline judge on the same answers, for comparison:")
    status, seconds, out, _ = mockloop(["judge", "eval", "--data", str(data), "--json"], env)
    if out.strip():
        print("   ", json.dumps(json.loads(out)["agreement"]))


def main() -> None:
    """Start (or use) a server, run both checks, stop the server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-base", help="a running OpenAI-compatible server (…/v1)")
    parser.add_argument("--server-python", help="a Python with llama-cpp-python[server]")
    parser.add_argument("--gguf", type=Path, help="the model file for that server")
    parser.add_argument("--answers", type=int, default=40, help="SemEval answers to judge")
    parser.add_argument("--no-interview", action="store_true", help="only the judge eval")
    options = parser.parse_args()
    if not options.api_base and not (options.server_python and options.gguf):
        parser.error("give --api-base, or --server-python and --gguf")
    work = Path(tempfile.mkdtemp(prefix="mockloop-real-"))
    env = {**os.environ, "MOCKLOOP_HOME": str(work / "home"), "OPENAI_API_KEY": "sk-local"}
    server = None
    base = options.api_base
    try:
        if base is None:
            port = free_port()
            base = f"http://127.0.0.1:{port}/v1"
            server = subprocess.Popen(
                [
                    *(options.server_python, "-m", "llama_cpp.server"),
                    *("--model", str(options.gguf), "--host", "127.0.0.1"),
                    *("--port", str(port), "--n_ctx", "4096"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            print(f"server up in {wait_until_up(base, server):.1f} s: {options.gguf.name}")
        if not options.no_interview:
            interview(base, env, work)
        judge_eval(base, env, work, options.answers)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # uvicorn waits for open connections to finish
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
