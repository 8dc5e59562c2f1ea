"""The built-in curriculum covers what the GenAI engineer loop asks, and the README says so."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import Library
from mockloop.coverage import coverage, coverage_markdown
from mockloop.models import Round

README = Path(__file__).parents[1] / "README.md"
COVERAGE_BLOCK = re.compile(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", re.S)

MINIMUM_PER_ROUND = {
    Round.CODING: 20,
    Round.FUNDAMENTALS: 70,
    Round.SYSTEM_DESIGN: 15,
    Round.TAKEHOME: 4,
}
# Every topic the curriculum names, with the fewest questions that still let a drill vary.
MINIMUM_PER_TOPIC = {
    Round.FUNDAMENTALS: {
        "attention": 4,
        "positional-encoding": 2,
        "transformer-architecture": 3,
        "bert": 2,
        "tokenization": 3,
        "llm-lifecycle": 3,
        "peft": 3,
        "prompting": 4,
        "embeddings": 4,
        "similarity": 2,
        "statistics": 4,
        "linear-regression": 2,
        "model-selection": 2,
        "frameworks": 2,
        "vector-databases": 2,
        "deployment": 3,
        "evaluation": 3,
        "hallucinations": 2,
        "python": 2,
        "numpy": 1,
        "pandas": 1,
        "matplotlib": 1,
    },
    Round.CODING: {
        "retries": 1,
        "async": 1,
        "rate-limiting": 1,
        "llm-output-parsing": 1,
        "streaming": 1,
        "chunking": 1,
        "retrieval": 1,
        "ranking": 1,
        "tfidf": 1,
        "caching": 1,
        "tokenization": 1,
        "pandas": 1,
    },
    Round.SYSTEM_DESIGN: {
        "rag": 1,
        "hybrid-search": 1,
        "reranking": 1,
        "query-rewriting": 1,
        "agents": 2,
        "rag-evaluation": 1,
        "guardrails": 1,
        "caching": 1,
        "cost-latency": 1,
        "multi-tenancy": 1,
        "fine-tune-vs-rag": 1,
    },
}


def test_every_round_has_its_minimum_number_of_questions(builtin_library: Library) -> None:
    per_round = Counter(bank.round for bank in builtin_library.banks for _ in bank.questions)
    short = {r.value: (per_round[r], n) for r, n in MINIMUM_PER_ROUND.items() if per_round[r] < n}
    assert not short, f"round: (have, want) {short}"


def test_every_curriculum_topic_has_its_minimum_number_of_questions(
    builtin_library: Library,
) -> None:
    per_topic = Counter(
        (bank.round, q.topic) for bank in builtin_library.banks for q in bank.questions
    )
    short = {
        f"{round_.value}/{topic}": (per_topic[(round_, topic)], want)
        for round_, topics in MINIMUM_PER_TOPIC.items()
        for topic, want in topics.items()
        if per_topic[(round_, topic)] < want
    }
    assert not short, f"topic: (have, want) {short}"


def test_readme_shows_the_current_coverage_table(builtin_library: Library) -> None:
    match = COVERAGE_BLOCK.search(README.read_text())
    assert match, "README.md lacks the <!-- coverage:start --> ... <!-- coverage:end --> block"
    expected = coverage_markdown(coverage(builtin_library))
    assert match.group(1) == expected, "README coverage table is stale: run `make coverage-table`"


def test_banks_list_markdown_prints_the_same_table(builtin_library: Library) -> None:
    result = CliRunner().invoke(app, ["banks", "list", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == coverage_markdown(coverage(builtin_library))
