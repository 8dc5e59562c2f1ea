"""`banks check` builds adversarial answers from a bank's own content and names what games it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mockloop.cli.app import app

from conftest import FIXTURES

runner = CliRunner()

# The key point's text is the alias list itself, so a list of its aliases "means" the point;
# its partial sample is thin. A gameable question: the check must fail and say where.
GAMEABLE = """\
bank: gameable
round: fundamentals
questions:
  - id: game-kv-cache
    topic: inference
    difficulty: easy
    rubric: fundamentals
    prompt: What does a KV cache do during decoding?
    key_points:
      - id: reuse
        text: reuse keys and values of past tokens
        aliases: [reuse keys and values of past tokens, past tokens]
      - id: memory
        text: memory grows with sequence length
        aliases: [memory grows with sequence length, sequence length]
        misconceptions:
          - claim: the KV cache stores the model weights so they load faster
            aliases: [caches the weights]
            correction: it stores each past token's keys and values; the weights are unchanged
    reference_answer: >-
      It stores the keys and values computed for past tokens so each new step only computes the
      new token's query, key and value; memory grows with sequence length and batch size.
    samples:
      - label: strong
        answer: >-
          It stores the keys and values of every past token, so each decoding step only computes
          attention inputs for the new token instead of the whole prefix. The price is memory,
          which grows linearly with sequence length and batch size.
        scores: {correctness: 5, depth: 4, communication: 5}
      - label: partial
        answer: It makes generation faster somehow, I think it is a cache.
        scores: {correctness: 3, depth: 2, communication: 3}
      - label: weak
        answer: It is a kind of database for the prompts.
        scores: {correctness: 1, depth: 1, communication: 2}
"""


def test_check_fails_on_gameable_content_and_names_file_and_line(tmp_path: Path) -> None:
    bank = tmp_path / "gameable.yaml"
    bank.write_text(GAMEABLE)
    result = runner.invoke(app, ["banks", "check", str(bank), "--no-code"])
    assert result.exit_code == 1, result.output
    assert "adversarial answer (aliases)" in result.output
    assert f"{bank.name}:" in result.output  # every culprit is located as file:line
    assert "0 of 1 question(s) pass." in result.output


def test_check_passes_the_test_bank_with_its_misconception(use_banks) -> None:  # type: ignore[no-untyped-def]
    use_banks(FIXTURES / "question_banks" / "mini.yaml")
    result = runner.invoke(app, ["banks", "check", "--id", "mini-attention-scaling"])
    assert result.exit_code == 0, result.output
    assert "1 of 1 question(s) pass." in result.output
