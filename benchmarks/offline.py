"""The offline engine: time to the first question, time per turn, scoring, peak memory."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import MOCKLOOP, Row, isolated_env, ms, scratch

FIRST_QUESTION_S = 0.5
TURN_S = 0.050
PEAK_MB = 200
QUESTIONS = 5
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)  # a crashed run must not pass as a small, fast one\n"
)


def answers_file(folder: Path) -> Path:
    """Strong sample answers for every fundamentals question, keyed by id (plus follow-ups)."""
    from mockloop.content import load_library
    from mockloop.models import Round

    library = load_library()
    answers = {}
    for bank in library.banks:
        if bank.round is Round.FUNDAMENTALS:
            for q in bank.questions:
                partial = next(s.answer for s in q.samples if s.label.value == "partial")
                answers[q.id] = [partial, q.reference_answer]
    path = folder / "answers.json"
    path.write_text(json.dumps(answers))
    return path


def first_question_s(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting the process to the first question on its stderr."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen = None
    for line in proc.stderr:
        if seen is None and "question 1 of" in line:
            seen = time.perf_counter() - start
    if proc.wait() != 0:
        raise RuntimeError(f"the interview exited with {proc.returncode}")
    if seen is None:
        raise RuntimeError("the first question never appeared")
    return seen


def per_turn_s(folder: Path) -> tuple[float, float, int]:
    """In-process: median seconds per engine turn and per scored question, turns measured."""
    import os

    os.environ["MOCKLOOP_HOME"] = str(folder / "home")
    from mockloop.content import load_library
    from mockloop.engine import plan_session
    from mockloop.interviewers.scripted import ScriptedInterviewer
    from mockloop.judges.keypoints import KeypointJudge
    from mockloop.models import Round, Turn, TurnKind
    from mockloop.ports import Action, FakeClock, Listener, Prompt, Reply
    from mockloop.scoring import score_transcript
    from mockloop.sessions import run_session, start_session

    library = load_library()
    stamps: list[float] = []

    class Timed(Listener):
        def on_turn(self, turn: Turn) -> None:
            if turn.kind is TurnKind.ANSWER:
                stamps.append(time.perf_counter())

        def on_event(self, event: object) -> None:
            pass

    class Partial:
        def reply(self, prompt: Prompt) -> Reply:
            sample = next(s.answer for s in prompt.question.samples if s.label.value == "partial")
            return Reply(Action.ANSWER, sample)

    count = len([q for b in library.banks if b.round is Round.FUNDAMENTALS for q in b.questions])
    info = plan_session(
        library, [Round.FUNDAMENTALS], interviewer="scripted", count=min(count, 40), seed=1
    )
    path = start_session(info)
    interviewer, judge = ScriptedInterviewer(), KeypointJudge()
    start = time.perf_counter()
    result = run_session(
        path,
        library,
        interviewer=interviewer,
        candidate=Partial(),
        clock=FakeClock(),
        listener=Timed(),
    )
    gaps = [b - a for a, b in zip([start, *stamps], stamps, strict=False)]
    started = time.perf_counter()
    score_transcript(result.record.transcript, library, judge)
    per_question = (time.perf_counter() - started) / len(info.plan[0].question_ids)
    return statistics.median(gaps[1:]), per_question, len(gaps)


def run() -> list[Row]:
    """First question and peak memory in a real process; per-turn cost in-process."""
    folder = scratch("offline")
    env = isolated_env(folder / "home")
    answers = answers_file(folder)
    command = [
        MOCKLOOP,
        "interview",
        "--answers",
        str(answers),
        "--round",
        "fundamentals",
        "--questions",
        str(QUESTIONS),
        "--no-timer",
        "--seed",
        "3",
    ]
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm caches
    firsts = [first_question_s(command, env) for _ in range(5)]
    first = statistics.median(firsts)
    start = time.perf_counter()
    rss = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    whole = time.perf_counter() - start
    peak_mb = int(rss.stdout.strip()) / 1024
    turn, scored, turns = per_turn_s(folder)
    return [
        Row(
            "offline",
            f"start to first question ({QUESTIONS}-question fundamentals round)",
            f"{first:.3f} s",
            f"< {FIRST_QUESTION_S} s",
            first < FIRST_QUESTION_S,
        ),
        Row(
            "offline",
            f"per turn: answer saved, analysed, follow-up chosen (median of {turns})",
            ms(turn),
            f"< {TURN_S * 1000:.0f} ms",
            turn < TURN_S,
        ),
        Row("offline", "key-point scoring per question", ms(scored)),
        Row(
            "offline",
            f"whole {QUESTIONS}-question round, start to scorecard",
            f"{whole:.2f} s",
        ),
        Row(
            "offline",
            "peak memory (RSS)",
            f"{peak_mb:.0f} MB",
            f"< {PEAK_MB} MB",
            peak_mb < PEAK_MB,
        ),
    ]
