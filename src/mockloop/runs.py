"""Runs of mockloop without a terminal: prepare, interview, resume, score, drill, submit.

Every command of the CLI is parse -> a function here -> render. The same runs can be driven
from Python: build an `Environment`, call `prepare`, then `start_interview` and `run`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

# The engines a run is built from live in engines.py; runs is where callers find them.
from mockloop.engines import OFFLINE_BANNER as OFFLINE_BANNER
from mockloop.engines import engine_banner as engine_banner
from mockloop.engines import gateway as gateway
from mockloop.engines import interviewer as interviewer
from mockloop.engines import judge as judge
from mockloop.errors import ExitStatus, UserError
from mockloop.rounds import Difficulty, Round

if TYPE_CHECKING:
    from mockloop.config import Settings
    from mockloop.content import Library
    from mockloop.drill import Attempt
    from mockloop.environment import Environment
    from mockloop.models import Question, Scorecard, SessionInfo
    from mockloop.ports import Candidate, Interviewer, Judge, Listener, RunSummary
    from mockloop.store import Index


@dataclass(frozen=True)
class RunOptions:
    """What a run is asked for: who answers, with which models, how many judge samples."""

    answers: Path | None = None  # a scripted answers file
    candidate_model: str | None = None  # simulated:MODE or a litellm model
    samples: int = 1
    model: str | None = None
    judge_model: str | None = None
    api_base: str | None = None
    max_cost: float | None = None

    @property
    def scripted(self) -> bool:
        """True when nobody types: answers come from a file or a simulated candidate."""
        return self.answers is not None or self.candidate_model is not None


@dataclass(frozen=True)
class PreparedRun:
    """Checked options with their settings and candidate; no session file exists yet."""

    options: RunOptions
    settings: Settings
    candidate: Candidate


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: its exit status, the session file, and the scorecard if it was scored."""

    status: ExitStatus | int
    path: Path
    finished: bool  # every round is done (else the session was quit, saved and resumable)
    scorecard: Scorecard | None = None


# -- candidates --------------------------------------------------------------------------------


def candidate(
    options: RunOptions,
    settings: Settings,
    env: Environment,
    person: Callable[[], Candidate] | None = None,
) -> Candidate:
    """An answers file or a simulated candidate, else stdin when it is not a terminal, else
    `person()`, the one at the keyboard."""
    from mockloop.candidates.scripted import ScriptedCandidate, load_answers, split_answers

    if options.candidate_model is not None:
        return simulated_candidate(options.candidate_model, settings)
    if options.answers is not None:
        return load_answers(options.answers)
    if not env.stdin_isatty:
        import sys

        # Never wait for a key that cannot come: take whatever stdin holds, then move on.
        return ScriptedCandidate(in_order=split_answers(sys.stdin.read()))
    if person is None:
        raise UserError("nobody to answer: give answers (--answers) or a candidate model")
    return person()


def simulated_candidate(value: str, settings: Settings) -> Candidate:
    """`simulated:MODE` plays offline from the bank; any other value is a model via litellm."""
    from mockloop.candidates.simulated import LLMCandidate, SimulatedCandidate, parse_simulated

    try:
        mode = parse_simulated(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if mode is not None:
        return SimulatedCandidate(mode)
    llm = gateway(settings, value)
    return LLMCandidate(lambda messages: llm.complete(messages).text)


def prepare(
    options: RunOptions, env: Environment, person: Callable[[], Candidate] | None = None
) -> PreparedRun:
    """Check options, read settings, choose the candidate: bad input fails here, before a file."""
    if options.answers is not None and options.candidate_model is not None:
        raise UserError("use --answers or --candidate-model, not both")
    settings = env.settings(
        model=options.model,
        judge_model=options.judge_model,
        api_base=options.api_base,
        max_cost=options.max_cost,
    )
    preflight(settings, candidate_model=options.candidate_model)
    chosen = candidate(options, settings, env, person)
    return PreparedRun(options, settings, chosen)


def preflight(settings: Settings, *, candidate_model: str | None = None) -> None:
    """Fail in a second, before a session exists, when a configured model cannot work.

    Checks each model's key (the environment, no network) and, for a local server or
    --api-base, that something listens (one connection, about 2 s). Replays need neither.
    """
    from mockloop.llm.preflight import check_model

    if settings.replay is not None:
        return
    key = settings.api_key
    models = [
        (settings.interviewer_model, "--model"),
        (settings.effective_judge_model, "--judge-model"),
    ]
    if candidate_model is not None and not candidate_model.startswith("simulated"):
        models.append((candidate_model, "--candidate-model"))
    # A Router deployment name carries its own api_base and key variable (config.toml).
    checked: set[str] = set(settings.router.names) if settings.router is not None else set()
    for model, flag in models:
        if model is None or model in checked:
            continue
        checked.add(model)
        check_model(model, flag=flag, api_base=settings.api_base, api_key=key)


def unmatched_answers(prepared: PreparedRun, info: SessionInfo) -> list[str]:
    """Keys of an answers file that match no question of the session (each would be unused)."""
    from mockloop.candidates.scripted import ScriptedCandidate

    if not isinstance(prepared.candidate, ScriptedCandidate):
        return []
    return prepared.candidate.unknown_keys(q for plan in info.plan for q in plan.question_ids)


# -- sessions ----------------------------------------------------------------------------------


def start_interview(
    library: Library,
    prepared: PreparedRun,
    rounds: Sequence[Round | str],
    *,
    topics: Sequence[str] = (),
    difficulty: Difficulty | None = None,
    count: int | None = None,
    seed: int | None = None,
    time_scale: float = 1.0,
    timer: bool = True,
) -> Path:
    """Plan a session and create its file."""
    from mockloop.planning import plan_session
    from mockloop.sessions import start_session

    info = plan_session(
        library,
        list(dict.fromkeys(Round(r) for r in rounds or list(Round))),
        interviewer=interviewer_name(prepared.settings),
        topics=topics,
        difficulty=difficulty,
        count=count,
        seed=seed,
        time_scale=time_scale,
        timer=timer,
    )
    return start_session(info)


def interviewer_name(settings: Settings) -> str:
    """How the transcript names the interviewer: `scripted` or `llm:MODEL`."""
    model = settings.interviewer_model
    return "scripted" if model is None else f"llm:{model}"


def resumable(ref: str | None) -> Path:
    """The unfinished (or finished but never scored) session named by id, prefix or path; by
    default the latest. A session another process is running fails here, before any output."""
    from mockloop.store import ensure_unlocked, latest_unfinished, read_session, resolve_session

    path = resolve_session(ref) if ref else latest_unfinished()
    if path is None:
        raise UserError("no unfinished session to resume (see `mockloop history`)")
    record = read_session(path)
    if record.transcript.ended and record.scorecards:  # ended but unscored (a crash): score it
        raise UserError(f"session {path.stem} is already finished; export or score it instead")
    ensure_unlocked(path)
    return path


def interview(
    path: Path,
    library: Library,
    prepared: PreparedRun,
    env: Environment,
    *,
    interviewer: Interviewer,
    listener: Listener,
) -> RunOutcome:
    """Run (or resume) the session at `path` until every round is done or the candidate quits."""
    from mockloop.engine import Outcome
    from mockloop.sessions import run_session

    result = run_session(
        path,
        library,
        interviewer=interviewer,
        candidate=prepared.candidate,
        clock=env.clock,
        listener=listener,
    )
    if result.outcome is Outcome.COMPLETED:
        return RunOutcome(ExitStatus.OK, path, finished=True)
    # A quit from Ctrl-C or a signal exits as the shell expects (130, 143, 129).
    return RunOutcome(result.exit_status or ExitStatus.OK, path, finished=False)


def run(
    path: Path,
    library: Library,
    prepared: PreparedRun,
    env: Environment,
    *,
    interviewer: Interviewer,
    listener: Listener,
) -> RunOutcome:
    """Interview, then score the session when every round is done."""
    outcome = interview(path, library, prepared, env, interviewer=interviewer, listener=listener)
    if not outcome.finished:
        return outcome
    card = score(path, library, judge(prepared.settings, prepared.options.samples))
    return replace(outcome, scorecard=card)


def score(path: Path, library: Library, chosen: Judge) -> Scorecard:
    """Score a finished session; a judge failure keeps the transcript and says how to retry."""
    from mockloop.llm.errors import LLMError
    from mockloop.sessions import score_session

    try:
        return score_session(path, library, chosen)
    except LLMError as exc:
        summary = exc.summary.rstrip(". ")  # the table's messages do not all end a sentence
        raise UserError(
            f"{summary}. The session is saved; score it later with `mockloop score {path.stem}`."
        ) from None


def collect_sessions(refs: Sequence[str], all_sessions: bool) -> list[Path]:
    """Resolve ids, files and folders to session files, in a stable order, without repeats."""
    from mockloop.store import StoreError, read_session, resolve_session, session_files

    if not refs and not all_sessions:
        raise UserError("name a session (id, prefix, .jsonl file or folder), or use --all")
    found: dict[Path, None] = {}
    if all_sessions:
        for path in session_files():
            try:
                ended = read_session(path).transcript.ended
            except StoreError:
                found.setdefault(path)  # the batch reports its error and scores the others
                continue
            if ended:
                found.setdefault(path)
    for ref in refs:
        folder = Path(ref).expanduser()
        if folder.is_dir():
            files = session_files(folder)
            if not files:
                raise UserError(f"{ref}: no .jsonl transcripts in this folder")
            for path in files:
                found.setdefault(path)
        else:
            found.setdefault(resolve_session(ref))
    if not found:
        raise UserError("no finished sessions to score (see `mockloop history`)")
    return list(found)


# -- drill and take-home -----------------------------------------------------------------------


def drill_attempts(index: Index) -> list[Attempt]:
    """The latest score of every question answered so far, as the drill planner reads them."""
    from mockloop.drill import Attempt

    return [
        Attempt(r["question_id"], r["topic"], r["overall"], datetime.fromisoformat(r["scored_at"]))
        for r in index.latest_question_scores()
        if r["overall"] is not None  # a skipped question is not due: it was never attempted
    ]


def question_picks(library: Library, ids: Sequence[str]) -> list[tuple[Round, str]]:
    """The rounds of the questions named by `--question`; an unknown id is a usage error."""
    from difflib import get_close_matches

    known = [q.id for q in library.questions]
    for question_id in ids:
        if question_id not in known:
            close = get_close_matches(question_id, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UserError(
                f"no question {question_id!r}; {hint}see `mockloop banks list --questions`"
            )
    return [(library.round_of(q), q) for q in dict.fromkeys(ids)]


def start_drill(
    library: Library, prepared: PreparedRun, picks: Sequence[tuple[Round, str]], *, timer: bool
) -> Path:
    """Create a drill session for the picked questions."""
    from mockloop.planning import drill_session
    from mockloop.sessions import start_session

    info = drill_session(
        library, list(picks), interviewer=interviewer_name(prepared.settings), timer=timer
    )
    return start_session(info)


def submit_takehome(
    question: Question, folder: Path, prepared: PreparedRun
) -> tuple[Path, list[RunSummary]]:
    """Run the visible and hidden tests, then record the submission as a new session."""
    from mockloop.sessions import start_session
    from mockloop.store import SessionWriter
    from mockloop.takehome import collect, record_submission, run_tests, submission_session

    runs = [run_tests(question, folder, label) for label in ("visible", "hidden")]
    info = submission_session(question, folder, interviewer_name(prepared.settings))
    path = start_session(info)
    with SessionWriter(path) as writer:
        record_submission(writer, question, collect(folder), runs)
    return path, runs
