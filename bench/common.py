"""A benchmark figure and small timing helpers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    bench: str
    name: str
    value: float | int
    unit: str
    goal: str | None = None
    ok: bool | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def time_calls(fn: Callable[[], object], n: int) -> list[float]:
    """Milliseconds per call, ``n`` calls."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)
