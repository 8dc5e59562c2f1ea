"""Fitted score bands and floors: where a rubric criterion's signal becomes 2-5 (`offline_bands`),
and the least an answer that states a point with nothing wrong gets (`offline_floor`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.analysis.examples import MIN_EXAMPLES
from mockloop.bankcheck import one_answer_transcript
from mockloop.calibration import (
    CriterionSignal,
    ScoredAnswer,
    collect,
    fit_all,
    violations,
)
from mockloop.cli.app import app
from mockloop.content import ContentError, Library, load_library, load_rubric
from mockloop.judges.keypoints import BAND_EDGES, KeypointJudge
from mockloop.models import Sample, SampleLabel
from mockloop.paths import content_dirs

FUNDAMENTALS = content_dirs("rubrics")[0] / "fundamentals.yaml"


def answer(
    question: str, label: str, signal: float, human: int | None, floor: int = 1
) -> ScoredAnswer:
    """An answer to a one-criterion rubric: its signal and (for samples) its human score."""
    criterion = CriterionSignal(("r", "c"), 1.0, signal, None, human, floor)
    return ScoredAnswer(question, label, [criterion])


def with_bands(rubric: str, bands: str) -> str:
    """The rubric's text with its first criterion's offline_bands replaced."""
    return re.sub(r"offline_bands: \[[^\]]*\]", f"offline_bands: {bands}", rubric, count=1)


def test_bands_must_be_four_increasing_numbers(tmp_path: Path) -> None:
    source = FUNDAMENTALS.read_text()
    bad = with_bands(source, "[0.5, 0.2, 0.6, 0.8]")
    path = tmp_path / "rubric.yaml"
    path.write_text(bad)
    with pytest.raises(ContentError) as info:
        load_rubric(path)
    message = str(info.value)
    assert "offline_bands" in message and "four increasing numbers in (0, 1]" in message
    assert f"{path}:" in message


def test_banks_validate_names_the_line_of_bad_bands(tmp_path: Path) -> None:
    path = tmp_path / "fundamentals.yaml"
    source = FUNDAMENTALS.read_text()
    path.write_text(with_bands(source, "[0.1, 0.2]"))
    line = 1 + source[: source.index("offline_bands")].count("\n")
    result = CliRunner().invoke(app, ["banks", "validate", str(path)])
    assert result.exit_code == 1  # validate's "a file is bad" status
    problem = next(x for x in result.output.splitlines() if "offline_bands" in x)
    assert problem.startswith(f"{path}:{line}: criteria[0].offline_bands:")
    assert "Traceback" not in result.output


def test_the_judge_bands_a_criterion_with_its_own_edges(mini_library: Library) -> None:
    rubric = mini_library.rubrics["fundamentals"]
    criterion = rubric.criteria[0].model_copy(update={"offline_bands": (0.3, 0.4, 0.5, 0.9)})
    judge = KeypointJudge()
    assert judge.band(criterion, 0.45) == 3  # fitted: 0.4 <= 0.45 < 0.5
    plain = criterion.model_copy(update={"offline_bands": None})
    assert judge.band(plain, 0.45) == 1 + sum(e <= 0.45 for e in BAND_EDGES)  # the defaults


def test_scorecards_use_the_rubric_bands() -> None:
    library = load_library()
    question = library.question("stats-z-vs-t-test")
    strong = next(s.answer for s in question.samples if s.label.value == "strong")
    rubric = library.rubric_for(question)
    transcript = one_answer_transcript(question, strong, library.round_of(question.id))
    shipped = KeypointJudge().score_question(question, rubric, transcript)
    strict = rubric.model_copy(
        update={
            "criteria": [
                c.model_copy(
                    update={"offline_bands": (0.96, 0.97, 0.98, 0.99), "offline_floor": None}
                )
                for c in rubric.criteria
            ]
        }
    )
    harsh = KeypointJudge().score_question(question, strict, transcript)
    assert shipped.overall is not None and shipped.overall >= 4
    assert [c.score for c in harsh.criteria] == [1, 1, 1]
    assert KeypointJudge().info.settings["band_edges"] == list(BAND_EDGES)


def test_fit_moves_edges_to_where_humans_change_their_score() -> None:
    # Humans give 1 below 0.1, 3 from 0.1 to 0.5, 5 from 0.5: the defaults (0.15, 0.35, 0.6,
    # 0.8) would call 0.4 a 3 and 0.55 a 3; the fit must call them 3 and 5.
    answers = []
    for k in range(60):
        signal = k / 60
        human = 1 if signal < 0.1 else 3 if signal < 0.5 else 5
        answers.append(answer(f"q{k}", "strong", signal, human))
    edges = fit_all(answers)[("r", "c")]
    assert edges[0] >= BAND_EDGES[0] - 0.025  # naming terms never lifts off the lowest band
    assert edges[2] <= 0.55 and edges[3] <= 0.55  # 0.55 is now a 5
    assert answer("x", "strong", 0.55, None).overall({("r", "c"): edges}) == 5


def test_fit_never_breaks_a_check_the_defaults_pass() -> None:
    # The humans call every signal from 0.2 up a 5, which would tie strong (0.7) and partial
    # (0.5) under a fitted last edge of 0.2; the check keeps partial below strong.
    answers = [answer(f"h{k}", "strong", 0.2 + k / 100, 5) for k in range(40)]
    answers += [
        answer("q", "strong", 0.7, 5),
        answer("q", "partial", 0.5, 3),
        answer("q", "weak", 0.05, 1),
        answer("q", "aliases", 0.12, None),
    ]
    assert violations(answers, {}) == set()
    edges = fit_all(answers)
    assert violations(answers, edges) == set()
    by_label = {a.label: a.overall(edges) for a in answers if a.question_id == "q"}
    assert by_label["strong"] > by_label["partial"] > by_label["weak"]
    assert by_label["aliases"] < by_label["partial"]


def test_a_floor_must_be_a_score(tmp_path: Path) -> None:
    source = FUNDAMENTALS.read_text()
    assert "offline_floor: 3" in source  # fundamentals correctness: "the core idea is right"
    path = tmp_path / "rubric.yaml"
    path.write_text(source.replace("offline_floor: 3", "offline_floor: 7", 1))
    line = 1 + source[: source.index("offline_floor")].count("\n")
    with pytest.raises(ContentError) as info:
        load_rubric(path)
    assert f"{path}:{line}: criteria[0].offline_floor:" in str(info.value)


HALLUCINATIONS = "halluc-reduce"
# States the abstain point, and none of the question's other three.
ONE_POINT = (
    "When the retrieved context does not contain the answer, the assistant should say it does "
    "not know and escalate to a human rather than guess."
)
WRONG = " Fine-tuning the model on the policies is the best way to stop it hallucinating."


def correctness(library: Library, text: str, floor: int | None = 3) -> tuple[int, str]:
    """Correctness on the hallucinations question, with the rubric's floor set to `floor`."""
    question = library.question(HALLUCINATIONS)
    rubric = library.rubric_for(question)
    first = rubric.criteria[0].model_copy(update={"offline_floor": floor})
    rubric = rubric.model_copy(update={"criteria": [first, *rubric.criteria[1:]]})
    transcript = one_answer_transcript(question, text, library.round_of(question.id))
    score = KeypointJudge().score_question(question, rubric, transcript).criteria[0]
    assert score.criterion == "correctness" and score.score is not None
    return score.score, score.rationale


def test_a_point_stated_with_nothing_wrong_is_at_least_the_floor() -> None:
    library = load_library()
    assert library.rubric_for(library.question(HALLUCINATIONS)).criteria[0].offline_floor == 3
    floored, rationale = correctness(library, ONE_POINT)
    banded, plain = correctness(library, ONE_POINT, floor=None)
    assert "Covered 1 of 4" in rationale
    assert banded < 3 == floored  # one of four points: the bands alone say 2
    assert "At least 3: a key point is stated and nothing said is wrong." in rationale
    assert "At least" not in plain


def test_a_wrong_claim_takes_the_floor_away() -> None:
    library = load_library()
    score, rationale = correctness(library, ONE_POINT + WRONG)
    assert "Covered 1 of 4" in rationale and "You said 'Fine-tuning" in rationale
    assert score < 3 and "At least" not in rationale


def test_a_floor_never_lifts_an_answer_that_states_no_point() -> None:
    library = load_library()
    # On topic (a real answer, not the lowest band for being off it), but no point stated.
    vague = (
        "Hallucinations happen when the model guesses about a policy, so I would use a bigger "
        "model with a low temperature and a careful prompt."
    )
    score, rationale = correctness(library, vague)
    assert "Covered 0 of 4" in rationale and "Lowest band" not in rationale
    assert score < 3 and "At least" not in rationale


def test_the_rationale_names_the_floor_only_when_it_raised_the_score() -> None:
    library = load_library()
    question = library.question(HALLUCINATIONS)
    strong = next(s.answer for s in question.samples if s.label.value == "strong")
    score, rationale = correctness(library, strong)
    assert score >= 4 and "At least" not in rationale


def test_graded_answers_marked_wrong_overrule_the_floor() -> None:
    library = load_library()
    question = library.question(HALLUCINATIONS)
    # Ten graded answers like this one, all marked weak: the "point" it states is, by the
    # people who graded them, no sign of the core idea.
    weak = [
        Sample(label=SampleLabel.WEAK, answer=f"{ONE_POINT} That is all, point {k}.")
        for k in range(MIN_EXAMPLES)
    ]
    graded = question.model_copy(update={"samples": [*question.samples, *weak]})
    rubric = library.rubric_for(question)
    transcript = one_answer_transcript(question, ONE_POINT, library.round_of(question.id))
    result = KeypointJudge().score_question(graded, rubric, transcript).criteria[0]
    assert "Covered 1 of 4" in result.rationale and "average 0%" in result.rationale
    assert result.score is not None and result.score < 3 and "At least" not in result.rationale


def test_a_floor_only_on_a_criterion_scored_by_coverage(tmp_path: Path) -> None:
    source = FUNDAMENTALS.read_text()
    path = tmp_path / "rubric.yaml"
    # depth is scored by similarity: a floor there would never be applied.
    path.write_text(
        source.replace(
            "offline_signal: similarity\n", "offline_signal: similarity\n    offline_floor: 2\n", 1
        )
    )
    with pytest.raises(ContentError) as info:
        load_rubric(path)
    assert "criteria[1].offline_floor: " in str(info.value)
    assert "only to a criterion with offline_signal: coverage" in str(info.value)


def test_calibration_records_the_floor_the_judge_applied(mini_library: Library) -> None:
    floored = [
        c
        for answer in collect(mini_library)
        for c in answer.criteria
        if c.key == ("fundamentals", "correctness") and c.floor > 1
    ]
    assert floored  # the partial samples of the mini bank state a point and nothing wrong
    edges = mini_library.rubrics["fundamentals"].criteria[0].offline_bands or BAND_EDGES
    assert all(c.floor == 3 and c.score == c.banded(edges) for c in floored)


def test_calibration_sees_the_floor_the_judge_applied() -> None:
    # Humans give 3 to signals from 0.2 to 0.3, which the default edges call a 2. Floored at 3
    # by the judge, those answers already get their 3: the fit leaves the edges alone rather
    # than lower them for every answer, floored or not.
    assert answer("q", "partial", 0.2, 3, floor=3).overall({}) == 3
    assert answer("q", "partial", 0.2, 3).overall({}) == 2
    floored = [answer(f"q{k}", "partial", 0.2 + k / 200, 3, floor=3) for k in range(20)]
    assert fit_all(floored)[("r", "c")] == BAND_EDGES
    unfloored = [answer(f"q{k}", "partial", 0.2 + k / 200, 3) for k in range(20)]
    assert fit_all(unfloored)[("r", "c")][1] <= 0.2  # without it, the fit chases the 3s


@pytest.mark.slow
def test_the_rubrics_hold_the_bands_the_script_fits() -> None:
    # scripts/fit_offline_bands.py --write must reproduce what the rubrics ship.
    library = load_library()
    fitted = fit_all(collect(library))
    shipped = {
        (rubric.rubric, c.id): c.offline_bands
        for rubric in library.rubrics.values()
        for c in rubric.criteria
        if c.offline_bands is not None
    }
    assert shipped == fitted
