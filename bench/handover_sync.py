"""Sync of 10,000 and 100,000 handover events between two stores: first run (goal ≤ 2 s at
100k, linear in events), second run (< 2 s, transfers 0), and 0 duplicates. SQLite↔SQLite;
SQLite↔PostgreSQL with ``--backends sqlite,postgresql`` (a throwaway cluster, tests/pg.py)."""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import Figure
from cs_console.domain.handover import EventKind, NoteEvent, derive
from cs_console.domain.ids import time_ordered_id
from cs_console.store import handover as repo
from cs_console.store.engine import open_store
from cs_console.store.sync import sync_stores

EVENTS = 10_000
BENCH = "handover_sync"


def make_events(n: int, origin: str) -> list[NoteEvent]:
    t0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    out: list[NoteEvent] = []
    kinds = [EventKind.CREATED, EventKind.EDITED, EventKind.ACKNOWLEDGED, EventKind.DONE]
    while len(out) < n:
        note = str(uuid.uuid4())
        for i, kind in enumerate(kinds):
            data = {"text": f"交接 {len(out)}：小王退款未处理", "priority": "normal", "shift": "day",
                    "for_shift": "night", "day": "2026-11-23"} if kind == EventKind.CREATED else {}
            if kind == EventKind.DONE:
                data = {"resolution": "已处理"}
            out.append(NoteEvent(time_ordered_id(t0 + timedelta(seconds=len(out) + i)), note, kind, t0 + timedelta(seconds=len(out) + i), "小美", origin, data))
    return out[:n]


def counts(store) -> tuple[int, int]:
    with store.read() as s:
        return tuple(s.connection().execute(text("SELECT count(*), count(DISTINCT id) FROM handover_events")).one())


def run_pair(label: str, here_url: str, other_url: str, progress, events: int = EVENTS, *,
             backend: str = "sqlite") -> list[Figure]:
    """Sync figures for one pair of stores; ``backend`` names both sides' backends (``sqlite+postgresql``)."""
    here, other = open_store(here_url), open_store(other_url)
    try:
        task = progress.add_task(f"{label}: seeding {events} events", total=None)
        half = events // 2
        with here.write() as s:
            repo.insert_missing(s, make_events(half, here.store_id()))
        with other.write() as s:
            repo.insert_missing(s, make_events(events - half, other.store_id()))
        progress.update(task, description=f"{label}: first sync")
        t0, c0 = time.perf_counter(), time.process_time()
        first = sync_stores(here, other)
        t1, c1 = time.perf_counter(), time.process_time()
        second = sync_stores(here, other)
        t2 = time.perf_counter()
        progress.remove_task(task)
        with here.read() as s:
            t3 = time.perf_counter()
            notes = derive(repo.events(s))
            t4 = time.perf_counter()
        total_here, distinct_here = counts(here)
        total_other, distinct_other = counts(other)
        dups = (total_here - distinct_here) + (total_other - distinct_other)
        complete = total_here == total_other == events
        tag = {"size": f"{events // 1000}k events", "backend": backend}
        out = [
            Figure(BENCH, f"{label} first run ({first.sent}+{first.received} events)", round(t1 - t0, 3), "s",
                   **tag),
            # CPU time of this process: what preemption on a busy machine adds to the wall time is left out
            Figure(BENCH, f"{label} first run, CPU time", round(c1 - c0, 3), "s", **tag),
            Figure(BENCH, f"{label} second run", round(t2 - t1, 3), "s", "< 2 s", (t2 - t1) < 2.0, **tag),
            Figure(BENCH, f"{label} second run transferred", second.sent + second.received, "events", "0",
                   second.sent + second.received == 0, **tag),
            Figure(BENCH, f"{label} duplicates", dups, "rows", "0", dups == 0 and complete, **tag),
            Figure(BENCH, f"{label} read + derive {len(notes)} notes", round((t4 - t3) * 1000, 1), "ms", **tag),
        ]
        if events >= 100_000:
            out[0].goal, out[0].ok = "≤ 2 s", (t1 - t0) <= 2.0
        return out
    finally:
        here.dispose()
        other.dispose()


def run(ctx) -> list[Figure]:
    """First and second sync at 10k and 100k events (quick: 10k): linear means ~10× for 10×."""
    folder = Path(tempfile.mkdtemp(prefix="cs-console-bench-sync-"))
    sizes = [10_000] if ctx.quick else [10_000, 100_000]
    figures: list[Figure] = []
    for n in sizes:
        figures += run_pair("sqlite↔sqlite", str(folder / f"a{n}.db"), str(folder / f"b{n}.db"), ctx, n)
    if "postgresql" not in ctx.backends:
        return figures
    for n in sizes:
        figures += run_pair("sqlite↔postgres", str(folder / f"c{n}.db"), ctx.postgres_url(), ctx, n,
                            backend="sqlite+postgresql")
    return figures
