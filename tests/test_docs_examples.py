"""Every `mockloop` command shown in README.md and examples/ runs as shown, so docs cannot drift.

Commands are taken from the README's ```sh blocks and from the `run:` steps of the GitHub
Actions examples, in order, and run through Typer's CliRunner in one scratch folder (so a
`takehome start` is followed by a `check` of the same folder). Placeholders stand for things
the reader has (a session id, their own files); they are replaced with real ones made here.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockloop.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
# Session ids the docs use as examples (the old short form and the current one).
SESSION_PLACEHOLDERS = ("2026-11-22-a1b2c3d4", "2026-11-22-a1b2")

# Commands that cannot run here, and why. Keep this short: every entry is a doc that can drift.
SKIP = {
    "--model": "needs a provider key or a local model server (preflight tests cover failures)",
    "--judge-model openai": "needs a provider key",
    "mockloop resume": "needs an unfinished session (test_interactive covers resume)",
    "--candidate-model openai": "needs a provider key",
    "--api-base http://localhost": "needs a local model server",
}
# Exit 1 is a documented outcome for some commands (failing tests, a score under --fail-under).
MAY_FAIL = ("takehome check", "takehome submit", "--fail-under")


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("mockloop "):
                commands.append(line.split("  #")[0].strip())
    return commands


def _workflow_commands(path: Path) -> list[str]:
    """The mockloop lines of every `run:` step, continuations joined, matrix set to `strong`."""
    text = path.read_text(encoding="utf-8").replace("${{ matrix.mode }}", "strong")
    text = re.sub(r"\\\n\s*", "", text)
    commands = []
    for line in text.splitlines():
        body = line.strip().removeprefix("- ").removeprefix("run: ").strip()
        if body.startswith("mockloop ") and not line.lstrip().startswith("#"):
            commands.append(body.split(" > ")[0].strip())
    return commands


def _all_commands() -> list[str]:
    commands = _readme_commands()
    for workflow in sorted((ROOT / "examples").glob("*.yml")):
        commands += _workflow_commands(workflow)
    return commands


def _skip_reason(command: str) -> str | None:
    return next((why for marker, why in SKIP.items() if marker in command), None)


def _scratch(folder: Path, runner: CliRunner) -> dict[str, str]:
    """Make the reader's own things: answers files, a bank, a finished session and its export."""
    (folder / "my_answers.yaml").write_text("- I would start from the definition.\n")
    (folder / "answers").mkdir()
    (folder / "answers" / "fundamentals.yaml").write_text("- Cosine similarity of embeddings.\n")
    # Labelled answers for `judge eval --data`: bank questions by id, one correct, one not.
    (folder / "my_labels.jsonl").write_text(
        '{"question_id": "rag-hyde", "answer": "HyDE has the model write a hypothetical '
        "answer and embeds it, because that answer sits closer to the documents "
        'than the question.", '
        '"label": "correct"}\n'
        '{"question_id": "rag-hyde", "answer": "HyDE always '
        'improves retrieval, so use it everywhere.", "label": "incorrect"}\n'
    )
    # Graded examples for `judge eval --examples`: more labelled answers to the same question.
    (folder / "my_graded.jsonl").write_text(
        '{"question_id": "rag-hyde", "answer": "The model drafts an answer and that draft is '
        'embedded for the search.", "label": "correct"}\n'
    )
    (folder / "question_banks").mkdir()
    bank = ROOT / "tests" / "fixtures" / "question_banks" / "mini.yaml"
    shutil.copy(bank, folder / "question_banks" / "my_bank.yaml")
    made = runner.invoke(app, ["interview", "-r", "fundamentals", "-n", "1", "--json"], input="")
    assert made.exit_code == 0, made.output
    session = re.search(r'"session_id": "([^"]+)"', made.stdout)
    assert session is not None, made.stdout
    exported = runner.invoke(app, ["export", session.group(1), "-f", "json", "-o", "review.json"])
    assert exported.exit_code == 0, exported.output
    return {placeholder: session.group(1) for placeholder in SESSION_PLACEHOLDERS}


def test_the_examples_are_found() -> None:
    commands = _all_commands()
    assert len(commands) >= 25, commands
    assert any("takehome start" in c for c in commands)
    assert any("--junit" in c for c in commands)  # the workflow's multi-line step was joined


@pytest.mark.slow
def test_every_documented_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    replacements = _scratch(tmp_path, runner)
    ran, failures = 0, []
    for command in _all_commands():
        if _skip_reason(command):
            continue
        for placeholder, real in replacements.items():
            command = command.replace(placeholder, real)
        args = shlex.split(command)[1:]
        result = runner.invoke(app, args, input="")
        allowed = {0, 1} if any(m in command for m in MAY_FAIL) else {0}
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code not in allowed or crashed:
            failures.append(f"{command}\n  exit {result.exit_code}: {result.output[-400:]}")
        ran += 1
    assert not failures, "\n".join(failures)
    assert ran >= 20
