"""Rewrite the README's coverage table (between the coverage markers) from the built-in banks."""

from __future__ import annotations

import re
from pathlib import Path

from mockloop.content import load_library
from mockloop.coverage import coverage, coverage_markdown

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- coverage:start -->\n).*?(<!-- coverage:end -->)", re.S)


def main() -> None:
    """Replace the table in place; the test suite fails while it is stale."""
    table = coverage_markdown(coverage(load_library()))
    text = README.read_text()
    if not BLOCK.search(text):
        raise SystemExit("README.md has no <!-- coverage:start --> block")
    README.write_text(BLOCK.sub(lambda m: m[1] + table + m[2], text))


if __name__ == "__main__":
    main()
