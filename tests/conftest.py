"""Shared fixtures: every test gets its own MOCKLOOP_HOME and no model configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI_BANK = FIXTURES / "question_banks" / "mini.yaml"
MINI_CODING_BANK = FIXTURES / "question_banks" / "mini_coding.yaml"


MOCKLOOP_VARIABLES = (
    "MOCKLOOP_MODEL",
    "MOCKLOOP_JUDGE_MODEL",
    "MOCKLOOP_DEBUG",
    "MOCKLOOP_REPLAY",
    "MOCKLOOP_RECORD",
    "MOCKLOOP_QUESTION_BANKS",
    "MOCKLOOP_RUBRICS",
    "MOCKLOOP_API_BASE",
    "MOCKLOOP_API_KEY",
    "MOCKLOOP_MAX_COST",
    "MOCKLOOP_TIMEOUT",
    "MOCKLOOP_CONTEXT_TOKENS",
    "MOCKLOOP_SIMILARITY",
    "MOCKLOOP_BUILTIN_CONTENT",
    "MOCKLOOP_REQUIRE_SANDBOX",
    "MOCKLOOP_NO_SANDBOX",
)


def isolate(patch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point mockloop's home and config under `root` and forget any model the user configured."""
    home = root / "home"
    patch.setenv("MOCKLOOP_HOME", str(home))
    patch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    patch.setenv("MOCKLOOP_CONFIG", str(root / "no-config.toml"))
    for name in MOCKLOOP_VARIABLES:
        patch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keep every test away from the user's sessions, settings and model keys."""
    yield isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def builtin_library():  # type: ignore[no-untyped-def]
    """The built-in banks and rubrics, parsed once for the whole run (read-only)."""
    from mockloop.content import load_library

    return load_library()


@pytest.fixture
def mini_library():  # type: ignore[no-untyped-def]
    """The built-in rubrics with the small test bank."""
    from mockloop.content import load_library
    from mockloop.paths import content_dirs

    return load_library([MINI_BANK], content_dirs("rubrics"))


@pytest.fixture
def use_banks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Make the CLI see only the given bank files (with the built-in rubrics)."""

    def use(*banks: Path) -> None:
        root = tmp_path / "content"
        (root / "question_banks").mkdir(parents=True, exist_ok=True)
        if not (root / "rubrics").exists():
            (root / "rubrics").symlink_to(Path(__file__).parents[1] / "rubrics")
        monkeypatch.setattr("mockloop.paths.builtin_content_dir", lambda: root)
        monkeypatch.setenv("MOCKLOOP_QUESTION_BANKS", os.pathsep.join(map(str, banks)))

    return use
