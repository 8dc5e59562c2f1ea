"""Wrong claims no bank wrote down: swapped subjects and opposite words, told from the points."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockloop.analysis.contradictions import dismissals, opposites, swaps
from mockloop.analysis.embedding import default_similarity
from mockloop.analysis.keypoints import analyse
from mockloop.bankcheck import answer_score, one_answer_transcript
from mockloop.content import Library
from mockloop.judges.keypoints import KeypointJudge
from mockloop.models import Question, SampleLabel

from helpers import scripted_follow_up

SERVING = "deploy-serving-open-models"
# Confidently wrong throughout; scored 4.30 of 5 before (correctness 4, depth 5) because its
# clauses share the points' words. Only "continuous batching waits" has a written misconception.
CONFIDENTLY_WRONG = (
    "The KV cache stores the model weights so they never have to be reloaded, and its memory "
    "stays constant no matter the sequence length or batch size. vLLM's PagedAttention swaps "
    "the weights out to disk in pages, which frees GPU memory. Quantising to 4 bits makes the "
    "model larger but improves quality. Prefill is memory-bandwidth-bound and sets inter-token "
    "latency, while decode is compute-bound and sets time to first token."
)


def question_of_my_own() -> Question:
    """A subject no bank covers, so nothing here is tuned to the banks' wording."""
    return Question.model_validate(
        {
            "id": "net-tcp-udp",
            "topic": "networking",
            "difficulty": "easy",
            "rubric": "fundamentals",
            "prompt": "How do TCP and UDP differ, and when would you pick each?",
            "key_points": [
                {
                    "id": "delivery",
                    "text": "TCP is connection-oriented and guarantees ordered delivery, "
                    "UDP is connectionless and sends datagrams with no delivery guarantee",
                },
                {
                    "id": "latency",
                    "text": "UDP has lower latency and overhead than TCP, so it suits live "
                    "audio and games that can tolerate some loss",
                },
            ],
            "reference_answer": "TCP sets up a connection and retransmits lost segments so "
            "data arrives complete and in order. UDP is connectionless: each datagram is sent "
            "once, with no ordering or retransmission, which keeps latency and overhead low.",
        }
    )


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    return default_similarity()


SWAPPED_PHASES = (
    "Prefill is memory-bandwidth-bound and sets inter-token latency, while decode is "
    "compute-bound and sets time to first token."
)


def test_swapped_subjects_are_caught_where_no_misconception_is_written(
    builtin_library: Library,
) -> None:
    question = builtin_library.question(SERVING)
    found = swaps(question, SWAPPED_PHASES)
    assert [(c.point.id, c.quote) for c in found] == [("prefill-decode", SWAPPED_PHASES[:-1])]


def test_one_word_moved_back_is_too_little_to_call_a_swap(builtin_library: Library) -> None:
    """ "Decode is compute-bound" gives decode one word of prefill's: a swap needs two each way
    (and five in all), which kept every honest text in the banks and 40 paraphrases clear."""
    question = builtin_library.question(SERVING)
    assert swaps(question, "Prefill is memory-bandwidth-bound and decode is compute-bound.") == []


@pytest.mark.parametrize(
    "answer",
    [
        "Prefill is compute-bound and sets time to first token, decode is memory-bandwidth-bound.",
        # The right pairs in the other order, and contrasts that name the other subject.
        "Decode is memory-bandwidth-bound and sets inter-token latency, while prefill is "
        "compute-bound and sets time to first token.",
        "Unlike decode, prefill is compute-bound and sets time to first token. Unlike prefill, "
        "decode is memory-bandwidth-bound and sets inter-token latency.",
        # The swap denied is no swap.
        "Prefill is not memory-bandwidth-bound and does not set inter-token latency, while "
        "decode is not compute-bound and does not set time to first token.",
    ],
)
def test_the_right_pairs_in_any_order_are_not_a_swap(builtin_library: Library, answer: str) -> None:
    assert swaps(builtin_library.question(SERVING), answer) == []


def test_a_swap_is_told_on_a_question_of_your_own() -> None:
    question = question_of_my_own()
    wrong = "TCP is connectionless and sends datagrams. UDP is connection-oriented and ordered."
    right = "UDP is connectionless and sends datagrams. TCP is connection-oriented and ordered."
    assert {c.point.id for c in swaps(question, wrong)} == {"delivery"}
    assert swaps(question, right) == []


@pytest.mark.parametrize(
    ("answer", "caught"),
    [
        ("Its memory stays constant no matter the sequence length or batch size.", True),
        # Negated, the opposite agrees with the point; the weights are another subject.
        ("Its memory does not stay constant: it depends on sequence length and batch size.", False),
        ("The weights stay constant while the KV cache memory grows with sequence length.", False),
    ],
)
def test_an_opposite_word_about_the_same_thing_contradicts_the_point(
    builtin_library: Library, answer: str, caught: bool
) -> None:
    found = opposites(builtin_library.question(SERVING), answer)
    assert bool(found) is caught, [(c.point.id, c.quote, c.said, c.instead) for c in found]
    if caught:
        assert (found[0].point.id, found[0].said, found[0].instead) == (
            "kv-cache",
            "constant",
            "grow",
        )


def test_a_word_some_wording_of_the_point_uses_is_no_contradiction(
    builtin_library: Library,
) -> None:
    """ "A type I error is a false positive" has "false" where the point's unit says "a true
    null"; the point's own "false positive" makes it agreement."""
    question = builtin_library.question("stats-errors-power")
    assert opposites(question, "A type I error is a false positive.") == []


def test_a_confidently_wrong_answer_scores_below_the_partial_sample(
    builtin_library: Library,
) -> None:
    judge = KeypointJudge()
    question = builtin_library.question(SERVING)
    partial = next(s.answer for s in question.samples if s.label is SampleLabel.PARTIAL)
    wrong_score = answer_score(judge, builtin_library, question, CONFIDENTLY_WRONG)
    partial_score = answer_score(judge, builtin_library, question, partial)
    assert wrong_score is not None and partial_score is not None
    assert wrong_score < partial_score, (wrong_score, partial_score)
    transcript = one_answer_transcript(
        question, CONFIDENTLY_WRONG, builtin_library.round_of(SERVING)
    )
    verdict = judge.score_question(question, builtin_library.rubric_for(question), transcript)
    correctness = verdict.criteria[0]
    assert f"You said '{SWAPPED_PHASES.rstrip('.')}'; in fact prefill is compute-bound" in (
        correctness.rationale
    )
    assert "You said 'its memory stays constant no matter the sequence length or batch size'" in (
        correctness.rationale
    )
    assert {"misconception:kv-cache", "misconception:prefill-decode"} <= {
        e.supports for e in correctness.evidence
    }


def test_the_interviewer_challenges_an_inferred_contradiction(builtin_library: Library) -> None:
    follow_up = scripted_follow_up(builtin_library.question(SERVING), CONFIDENTLY_WRONG)
    assert follow_up is not None and follow_up.startswith('You said "')


def test_no_honest_sample_or_reference_answer_contradicts_a_point(
    builtin_library: Library,
    sim,  # type: ignore[no-untyped-def]
) -> None:
    """Strong and partial samples and reference answers, 471 texts: 0 inferred contradictions
    (weak samples may be wrong, and are not asserted on)."""
    for question in builtin_library.questions:
        texts = [s.answer for s in question.samples if s.label is not SampleLabel.WEAK]
        for text in [*texts, question.reference_answer]:
            found = analyse(question, text, sim).misconceptions
            inferred = [m.quote for m in found if m.misconception.claim == m.quote]
            assert not inferred, (question.id, inferred)


def test_no_correct_paraphrase_is_read_as_a_contradiction(
    builtin_library: Library,
    sim,  # type: ignore[no-untyped-def]
) -> None:
    """40 correct answers in a candidate's words, with contrasts ("unlike X"), negations and
    comparisons (benchmarks/data/correct_paraphrases.yaml): none contradicts a point."""
    path = Path(__file__).parents[1] / "benchmarks" / "data" / "correct_paraphrases.yaml"
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(answers) == 40
    for question_id, (answer,) in answers.items():
        question = builtin_library.question(question_id)
        inferred = [*swaps(question, answer), *opposites(question, answer)]
        assert not inferred, (question_id, [c.quote for c in inferred])


@pytest.mark.parametrize(
    ("answer", "caught"),
    [
        ("Tool definitions never change after approval, so pinning them is unnecessary.", True),
        ("A shared store like Redis for the rate limits and quotas is overkill.", False),
        # Pinning recommended, and a dismissal of something the point does not ask for.
        ("Pin tool definitions by hash and alert when one changes after approval.", False),
        ("A second registry is unnecessary once tool definitions are pinned by hash.", False),
    ],
)
def test_calling_a_recommendation_unnecessary_contradicts_it(
    builtin_library: Library, answer: str, caught: bool
) -> None:
    found = dismissals(builtin_library.question("mcp-security"), answer)
    assert bool(found) is caught, [(c.point.id, c.quote) for c in found]
    if caught:
        assert found[0].point.id == "rug-pull-shadowing"


def test_a_dismissal_agreeing_with_a_point_that_drops_something_is_no_contradiction(
    builtin_library: Library,
) -> None:
    """The point says RoBERTa drops NSP; "NSP was not needed" agrees with it."""
    question = builtin_library.question("tf-bert-pretraining")
    assert dismissals(question, "RoBERTa later showed NSP was not needed.") == []


def test_code_states_no_claim(builtin_library: Library, sim) -> None:  # type: ignore[no-untyped-def]
    question = builtin_library.question("mcp-security")
    claim = "Tool definitions never change after approval, so pinning them is unnecessary."
    in_code = f"Here is the check I would run:\n\n```python\n# {claim}\ncheck(tools)\n```\n"
    found = analyse(question, in_code, sim).misconceptions
    assert not found, [m.quote for m in found]
    stated = analyse(question, claim, sim).misconceptions
    assert [m.point.id for m in stated] == ["rug-pull-shadowing"]
