"""Limits that keep sessions safe: scoring a maximal answer, importing a 50 MB export."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import HWM_SNIPPET, MOCKLOOP, Row, isolated_env, scratch

SCORE_TARGET_S = 2.0
SCORE_TARGET_MB = 200
IMPORT_MB = 50
IMPORT_TARGET_S = 10.0

# Scores one session holding a maximal answer, in a child process so that its peak memory is
# its own: prints the scoring time, the peak RSS, and the RSS before scoring (libraries loaded).
SCORE_CHILD = (
    HWM_SNIPPET
    + """
import json, random, sys, time
from mockloop.content import load_library
from mockloop.engine import MAX_ANSWER_CHARS, plan_session
from mockloop.ports import SilentListener
from mockloop.interviewers.scripted import ScriptedInterviewer
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Round
from mockloop.ports import Action, FakeClock, Reply
from mockloop.sessions import run_session, score_session, start_session

library = load_library()
info = plan_session(library, [Round.FUNDAMENTALS], interviewer="scripted", count=1, seed=3)
question = library.question(info.plan[0].question_ids[0])
texts = [question.reference_answer, question.prompt, *(k.text for k in question.key_points)]
words = " ".join(texts).split()  # on-topic words: the analysis has real matches to weigh
rng = random.Random(7)
text = " ".join(rng.choice(words) for _ in range(MAX_ANSWER_CHARS // 4))[:MAX_ANSWER_CHARS]
replies = iter([Reply(Action.ANSWER, text)])

class Candidate:
    def reply(self, prompt):
        return next(replies, Reply(Action.SKIP))

path = start_session(info)
run_session(path, library, interviewer=ScriptedInterviewer(), candidate=Candidate(),
            clock=FakeClock(), listener=SilentListener())
judge = KeypointJudge()
# The embedding model loads lazily on first use: warm it on a short answer first.
warm = start_session(
    plan_session(library, [Round.FUNDAMENTALS], interviewer="scripted", count=1, seed=3)
)
short = iter([Reply(Action.ANSWER, "A short answer about attention.")])
class Short:
    def reply(self, prompt):
        return next(short, Reply(Action.SKIP))
run_session(warm, library, interviewer=ScriptedInterviewer(), candidate=Short(),
            clock=FakeClock(), listener=SilentListener())
score_session(warm, library, judge)
before = _vm_hwm_mb()
start = time.perf_counter()
score_session(path, library, judge)
spent = time.perf_counter() - start
peak = _vm_hwm_mb()
print(json.dumps({"seconds": spent, "peak_mb": peak, "before_mb": before, "chars": len(text)}))
"""
)


def score_maximal_answer(home: Path) -> list[Row]:
    """Time and peak memory of scoring one answer at the size limit, offline judge."""
    done = subprocess.run(
        [sys.executable, "-c", SCORE_CHILD],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    growth = result["peak_mb"] - result["before_mb"]
    return [
        Row(
            "durability",
            f"score one {result['chars']:,}-character answer (offline judge, warm)",
            f"{result['seconds']:.2f} s",
            f"< {SCORE_TARGET_S:g} s",
            result["seconds"] < SCORE_TARGET_S,
        ),
        Row(
            "durability",
            "peak memory of that scoring process (growth while scoring)",
            f"{result['peak_mb']:.0f} MB (+{growth:.0f} MB)",
            f"< {SCORE_TARGET_MB} MB",
            result["peak_mb"] < SCORE_TARGET_MB,
        ),
    ]


def big_export(home: Path, folder: Path) -> Path:
    """A real export, its answers repeated until the file is IMPORT_MB megabytes."""
    answers = folder / "answers.json"
    answers.write_text(json.dumps(["Attention scales scores by the square root of d_k."] * 4))
    env = isolated_env(home)
    run = subprocess.run(
        [
            MOCKLOOP,
            "interview",
            "-r",
            "fundamentals",
            "-n",
            "1",
            "--answers",
            str(answers),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    session = json.loads(run.stdout)["session_id"]
    source = folder / "one.json"
    subprocess.run(
        [MOCKLOOP, "export", session, "-f", "json", "-o", str(source)], env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    doc = json.loads(source.read_text())
    turns = doc["transcript"]["turns"]
    template = next(t for t in turns if t["role"] == "candidate")
    answer = ("The softmax saturates when logits grow with dimension; scaling keeps variance "
              "near one. ") * 450  # fmt: skip
    count = IMPORT_MB * 1024 * 1024 // len(answer)
    doc["transcript"]["turns"] = [
        *turns,
        *({**template, "seq": len(turns) + i, "text": answer} for i in range(count)),
    ]
    doc["transcript"]["session"]["id"] = "big-import"
    target = folder / "big.json"
    target.write_text(json.dumps(doc))
    return target


def import_big_export(home: Path, folder: Path) -> list[Row]:
    """Wall time of `mockloop import` on a 50 MB export (validation, one fsync, indexing)."""
    source = big_export(home, folder)
    size_mb = source.stat().st_size / 2**20
    start = time.perf_counter()
    subprocess.run(
        [MOCKLOOP, "import", str(source)],
        env=isolated_env(home),
        check=True,
        capture_output=True,
    )
    spent = time.perf_counter() - start
    return [
        Row(
            "durability",
            f"`mockloop import` of a {size_mb:.0f} MB export",
            f"{spent:.1f} s",
            f"< {IMPORT_TARGET_S:g} s (was 374 s)",
            spent < IMPORT_TARGET_S,
        )
    ]


def run() -> list[Row]:
    """Both durability figures, each in its own home."""
    folder = scratch("durability")
    return [
        *score_maximal_answer(folder / "score-home"),
        *import_big_export(folder / "import-home", folder),
    ]
