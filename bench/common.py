"""A benchmark figure, the run context every bench module gets, and small timing helpers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Figure:
    """One measured figure. ``value`` is the headline (the median of ``samples`` when given);
    ``anchor`` is the same figure for the anchor measured in the same run, ``ratio`` value/anchor."""

    bench: str
    name: str
    value: float | int
    unit: str
    goal: str | None = None
    ok: bool | None = None
    size: str = ""
    min: float | None = None
    p99: float | None = None
    n: int | None = None
    anchor: float | None = None
    ratio: float | None = None
    backend: str = "sqlite"
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def sampled(bench: str, name: str, samples: list[float], unit: str, *, anchor: list[float] | None = None,
            max_ratio: float | None = None, stat: str = "median", size: str = "", backend: str = "sqlite",
            digits: int = 1, **extra) -> Figure:
    """A figure from samples: min / median / p99, and against the anchor's samples the ratio of
    ``stat`` (median or p99) with ``max_ratio`` as the goal."""
    pick = {"median": median, "p99": lambda v: percentile(v, 99)}[stat]
    value = pick(samples)
    f = Figure(bench, name, round(median(samples), digits), unit, size=size, backend=backend,
               min=round(min(samples), digits), p99=round(percentile(samples, 99), digits), n=len(samples),
               extra=extra)
    if anchor:
        a = pick(anchor)
        f.anchor = round(a, digits)
        f.ratio = round(value / a, 2) if a > 0 else None
        if max_ratio is not None and f.ratio is not None:
            f.goal, f.ok = f"{stat} ≤ {max_ratio}× anchor", f.ratio <= max_ratio
    return f


def time_calls(fn: Callable[[], object], n: int) -> list[float]:
    """Milliseconds per call, ``n`` calls."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


class Context:
    """What the harness hands every bench module's ``run(ctx)``: the chosen store sizes and
    backends, quick mode, a scratch folder, and the rich progress (``ctx.add_task`` etc. work
    as on ``Progress``, so a module written as ``run(progress)`` runs unchanged)."""

    def __init__(self, progress, sizes: list[str], backends: list[str], quick: bool, folder):
        self.progress, self.sizes, self.backends, self.quick, self.folder = progress, sizes, backends, quick, folder
        self._pg = None

    def __getattr__(self, name: str):
        return getattr(self.progress, name)

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def postgres_url(self) -> str:
        """A throwaway PostgreSQL cluster (tests/pg.py), started once per run, one fresh
        database per call."""
        import uuid

        import psycopg

        if self._pg is None:
            from tests.pg import PgCluster

            self._pg = PgCluster()
            self._pg.start()
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self._pg.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self._pg.url.rsplit("/", 1)[0] + "/" + name

    def close(self) -> None:
        if self._pg is not None:
            self._pg.stop()
            self._pg = None
