"""Versioned prompt templates, stored as files so a change is a new version, never an edit."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load_prompt(name: str) -> str:
    """The text of prompts/<name>.md, e.g. load_prompt("judge-v1")."""
    return (files(__package__) / f"{name}.md").read_text(encoding="utf-8")
