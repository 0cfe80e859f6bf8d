"""Plain figures from response times: no Django, no locust, so both sides and the tests share it."""

from __future__ import annotations

import math
import statistics


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value that ``fraction`` of all values reach."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summarize(times: list[float], *, failures: int, seconds: float) -> dict:
    """Median, p95, p99 (ms) and successful requests per second over a window of ``seconds``."""
    return {
        "requests": len(times),
        "failures": failures,
        "seconds": round(seconds, 3),
        "rps": round(len(times) / seconds, 2) if seconds > 0 else 0.0,
        "median_ms": _round(statistics.median(times) if times else None),
        "p95_ms": _round(percentile(times, 0.95)),
        "p99_ms": _round(percentile(times, 0.99)),
        "min_ms": _round(min(times) if times else None),
        "max_ms": _round(max(times) if times else None),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` to two places, or None when either is missing or zero."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)
