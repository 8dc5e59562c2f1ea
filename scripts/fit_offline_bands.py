"""Fit each rubric criterion's `offline_bands` to the human scores of the banks' samples.

Usage: .venv/bin/python scripts/fit_offline_bands.py [--write]

Scores every human-scored bank sample and adversarial answer with the offline judge, fits the
four edges at which each criterion's signal becomes a 2, 3, 4 and 5 (mockloop.calibration)
without breaking a check of `banks check`, and prints them with the Spearman of the overall
against the human scores: with the default edges, with the fitted edges (in sample), and under
5-fold cross-validation grouped by question (the figure to trust). `--write` puts the edges into
rubrics/*.yaml as `offline_bands:` lines. The fit always starts from the judge's defaults, so
running it again on the same banks changes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mockloop.calibration import (
    Edges,
    Key,
    collect,
    cross_validated_spearman,
    fit_all,
    spearman_with,
)
from mockloop.content import load_library

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


def write_bands(path: Path, criterion: str, edges: Edges) -> None:
    """Set `offline_bands` of one criterion in a rubric file, after its `offline_signal`."""
    text = path.read_text(encoding="utf-8")
    block = re.compile(rf"(  - id: {re.escape(criterion)}\n(?:    .*\n)*?)(?=  - id: |\Z)")
    match = block.search(text)
    if match is None:
        raise SystemExit(f"{path}: criterion {criterion!r} not found")
    body = re.sub(r"    offline_bands: .*\n", "", match.group(1))
    line = f"    offline_bands: [{', '.join(f'{e:g}' for e in edges)}]\n"
    body = re.sub(r"(    offline_signal: .*\n)", lambda m: m.group(1) + line, body, count=1)
    path.write_text(text[: match.start()] + body + text[match.end() :], encoding="utf-8")


def main() -> None:
    """Fit, report, and with --write update the rubric files."""
    samples = collect(load_library())
    fitted: dict[Key, Edges] = fit_all(samples)
    humans = sum(s.human is not None for s in samples)
    sys.stdout.write(
        f"# {humans} human-scored bank samples and {len(samples) - humans} adversarial answers; "
        "Spearman of the overall with the human "
        f"mean: default edges {spearman_with(samples, {}):.3f}, fitted "
        f"{spearman_with(samples, fitted):.3f} (in sample), "
        f"{cross_validated_spearman(samples):.3f} (5-fold, grouped by question)\n"
    )
    for (rubric, criterion), edges in sorted(fitted.items()):
        sys.stdout.write(f"{rubric}.{criterion}: offline_bands: [{', '.join(map(str, edges))}]\n")
        if "--write" in sys.argv[1:]:
            write_bands(RUBRICS / f"{rubric}.yaml", criterion, edges)


if __name__ == "__main__":
    main()
