"""How mockloop writes durations: `12:05` on clocks, `45 min` for limits."""

from __future__ import annotations


def clock_time(seconds: float | None) -> str:
    """`12:05` for minutes and seconds (never negative), or `no limit` for None."""
    if seconds is None:
        return "no limit"
    whole = max(0, int(seconds))
    return f"{whole // 60:d}:{whole % 60:02d}"


def duration(seconds: float) -> str:
    """`45 min`, or `22:30` when the minutes are not whole."""
    whole = int(seconds)
    return f"{whole // 60} min" if whole % 60 == 0 else clock_time(whole)
