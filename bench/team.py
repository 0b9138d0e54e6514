"""Team desk: assignment throughput with 20 agents and 2,000 arriving chats (SQLite; PostgreSQL
when ``CS_CONSOLE_BENCH_PG`` names a server URL)."""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

from bench.common import Figure, median, percentile
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.store.team import double_assignments

AGENTS = 20
CHATS = 2000
CAPACITY = 100  # 20 × 100 = room for every chat
PROCESSES = 4


def _desk(url: str):
    policy = load_policy()
    policy.team.stale_after_seconds = 3600  # no TUI heartbeats here: nobody may go stale mid-run
    return make_desk(url, policy=policy)


def _setup(url: str, capacity: int = CAPACITY):
    desk = _desk(url)
    for i in range(AGENTS):
        desk.team.add_agent(f"agent{i:02d}", "agent", capacity=capacity)
        desk.team.start(f"agent{i:02d}")
    return desk


def _double_assignments(desk) -> int:
    """Chats given to an agent while they already had one (two processes both took it)."""
    with desk.store.read() as s:
        return len(double_assignments(s))


def _distributor(url: str, stop_at: float) -> None:
    desk = _desk(url)
    while time.time() < stop_at:
        if not desk.team.distribute():
            time.sleep(0.002)
    desk.close()


def _bench(url: str, label: str, progress) -> list[Figure]:
    name = "team"
    figures: list[Figure] = []
    # 1. one arrival at a time: inject, then distribute (what a TUI does on each change)
    desk = _setup(url)
    task = progress.add_task(f"{name} arrivals", total=CHATS)
    lat = []
    t0 = time.perf_counter()
    for i in range(CHATS):
        desk.chats.inject(f"buyer{i:04d}", "在吗")
        t = time.perf_counter()
        desk.team.distribute()
        lat.append((time.perf_counter() - t) * 1000)
        progress.advance(task)
    total = time.perf_counter() - t0
    progress.remove_task(task)
    assigned = sum(a.open_chats for a in desk.team.agents())
    figures += [
        Figure(name, f"{label}: arrivals handled (inject + assign)", round(CHATS / total, 1), "chats/s"),
        Figure(name, f"{label}: assign one arrival, median", round(median(lat), 2), "ms", "< 50 ms", median(lat) < 50),
        Figure(name, f"{label}: assign one arrival, p95", round(percentile(lat, 95), 2), "ms"),
        Figure(name, f"{label}: chats assigned", assigned, "chats", f"= {CHATS}", assigned == CHATS),
    ]
    loads = [a.open_chats for a in desk.team.agents()]
    figures.append(Figure(name, f"{label}: load spread (max - min open chats)", max(loads) - min(loads), "chats", "≤ 1",
                          max(loads) - min(loads) <= 1))
    desk.close()
    return figures


def _bench_processes(url: str, label: str, progress) -> list[Figure]:
    name = "team"
    desk = _setup(url, capacity=2 * CAPACITY)  # room even on a server reused from the first run
    before = sum(a.open_chats for a in desk.team.agents())  # a reused server may hold earlier chats
    ctx = mp.get_context("spawn")
    stop_at = time.time() + 600
    procs = [ctx.Process(target=_distributor, args=(url, stop_at)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    time.sleep(1.5)  # let them import
    task = progress.add_task(f"{name} {PROCESSES} distributors", total=CHATS)
    t0 = time.perf_counter()
    for i in range(CHATS):
        desk.chats.inject(f"pbuyer{i:04d}", "在吗")
        progress.advance(task)
    while desk.team.sessions_for("")[1] and time.perf_counter() - t0 < 120:
        time.sleep(0.01)
    total = time.perf_counter() - t0
    progress.remove_task(task)
    for p in procs:
        p.terminate()
        p.join()
    doubles = _double_assignments(desk)
    assigned = sum(a.open_chats for a in desk.team.agents()) - before
    desk.close()
    return [
        Figure(name, f"{label}: {CHATS} arrivals, {PROCESSES} distributor processes racing", round(CHATS / total, 1), "chats/s"),
        Figure(name, f"{label}: chats assigned (racing)", assigned, "chats", f"= {CHATS}", assigned == CHATS),
        Figure(name, f"{label}: double assignments (racing)", doubles, "chats", "0", doubles == 0),
    ]


def _postgres_url():
    """``CS_CONSOLE_BENCH_PG``, else a throwaway server from tests/pg.py (when present)."""
    url = os.environ.get("CS_CONSOLE_BENCH_PG")
    if url:
        return url, None
    try:
        from tests.pg import PgCluster
    except ImportError:
        return None, None
    cluster = PgCluster()
    try:
        cluster.start()
    except Exception:  # no server binaries: the SQLite figures still stand
        cluster.stop()
        return None, None
    return cluster.create_database(), cluster


def run(progress) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        figures += _bench(str(Path(tmp) / "team.db"), "sqlite", progress)
        figures += _bench_processes(str(Path(tmp) / "team-mp.db"), "sqlite", progress)
    url, cluster = _postgres_url()
    if url is None:
        return figures + [Figure("team", "postgresql: skipped, no server (set CS_CONSOLE_BENCH_PG)", 0, "")]
    try:
        figures += _bench(url, "postgresql", progress)
        second = cluster.create_database() if cluster else url
        figures += _bench_processes(second, "postgresql", progress)
    finally:
        if cluster:
            cluster.stop()
    return figures
