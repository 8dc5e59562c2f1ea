"""Agreement statistics in pure Python: Spearman, ROC-AUC and quadratic weighted kappa."""

from __future__ import annotations

import math
from collections.abc import Sequence


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def pearson(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Pearson correlation; None when either side is constant or there are fewer than 2 pairs."""
    if len(a) != len(b):
        raise ValueError("pearson: sequences differ in length")
    n = len(a)
    if n < 2:
        return None
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    if var_a == 0 or var_b == 0:
        return None
    return cov / math.sqrt(var_a * var_b)


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman rank correlation (Pearson on average ranks); None when undefined."""
    return pearson(average_ranks(a), average_ranks(b))


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U, ties count half); None without both classes."""
    if len(scores) != len(positive):
        raise ValueError("roc_auc: sequences differ in length")
    ranks = average_ranks(scores)
    n_pos = sum(1 for p in positive if p)
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    rank_sum = sum(r for r, p in zip(ranks, positive, strict=True) if p)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def quadratic_weighted_kappa(
    a: Sequence[int], b: Sequence[int], low: int = 1, high: int = 5
) -> float | None:
    """Cohen's kappa with quadratic weights on the scale low..high; None when undefined."""
    if len(a) != len(b):
        raise ValueError("quadratic_weighted_kappa: sequences differ in length")
    size = high - low + 1
    if not a or size < 2:
        return None
    observed = [[0.0] * size for _ in range(size)]
    for x, y in zip(a, b, strict=True):
        observed[_clip(x, low, high) - low][_clip(y, low, high) - low] += 1
    n = len(a)
    rows = [sum(row) for row in observed]
    cols = [sum(observed[i][j] for i in range(size)) for j in range(size)]
    disagree = expected = 0.0
    for i in range(size):
        for j in range(size):
            weight = (i - j) ** 2 / (size - 1) ** 2
            disagree += weight * observed[i][j]
            expected += weight * rows[i] * cols[j] / n
    if expected == 0:
        return None  # both raters gave one and the same score to everything
    return 1 - disagree / expected


def _clip(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
