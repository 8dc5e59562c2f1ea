"""The boundaries of DESIGN.md hold, and a wrong import breaks `make test` with its name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mockloop"
SKIN = {"cli", "tui"}


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_part_outside_the_skin_is_held_to_the_core_contract() -> None:
    parts = {
        f"mockloop.{p.stem if p.is_file() else p.name}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    core = set(_contracts()["core"]["source_modules"])  # type: ignore[arg-type]
    assert parts - {f"mockloop.{name}" for name in SKIN} - core == set()
    assert core - parts == set()


@pytest.mark.slow
def test_a_wrong_import_breaks_the_contract_and_is_named(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "src" / "mockloop")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "src" / "mockloop" / "models.py"
    models.write_text("import rich.text  # a deliberate violation\n" + models.read_text())
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Only mockloop.tui and mockloop.cli use rich BROKEN" in result.stdout
    assert "mockloop.models -> rich (l.1)" in result.stdout


def test_a_test_can_run_a_command_in_its_own_environment_and_ctrl_c_exits_130() -> None:
    """httpie-style: the caller hands the app its Environment; Ctrl-C anywhere exits 130."""
    from typer.testing import CliRunner

    from mockloop.cli.app import app
    from mockloop.environment import Environment

    asked: list[bool] = []

    def interrupted_terminal(quiet: bool) -> object:
        asked.append(quiet)
        raise KeyboardInterrupt  # as if Ctrl-C arrived while the command was starting

    env = Environment(make_terminal=interrupted_terminal, stdin_isatty=False)  # type: ignore[arg-type]
    result = CliRunner().invoke(app, ["banks", "list"], obj=env)
    assert asked == [False]
    assert result.exit_code == 130
    assert result.stderr.strip() == "Interrupted."
    assert "Aborted" not in result.output


def test_the_readme_drives_a_run_from_python_without_typer() -> None:
    """The Architecture section's example is real: a run driven from Python, scored."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Architecture") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    env = {**os.environ}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    status, overall = result.stdout.split()
    assert status == "0" and 1.0 <= float(overall) <= 5.0
