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


def _setup(url: str):
    desk = _desk(url)
    for i in range(AGENTS):
        desk.team.add_agent(f"agent{i:02d}", "agent", capacity=CAPACITY)
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
    name = f"team[{label}]"
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
        Figure(name, "arrivals handled (inject + assign)", round(CHATS / total, 1), "chats/s"),
        Figure(name, "assign one arrival, median", round(median(lat), 2), "ms", "< 50 ms", median(lat) < 50),
        Figure(name, "assign one arrival, p95", round(percentile(lat, 95), 2), "ms"),
        Figure(name, "chats assigned", assigned, "chats", f"= {CHATS}", assigned == CHATS),
    ]
    loads = [a.open_chats for a in desk.team.agents()]
    figures.append(Figure(name, "load spread (max - min open chats)", max(loads) - min(loads), "chats", "≤ 1",
                          max(loads) - min(loads) <= 1))
    desk.close()
    return figures


def _bench_processes(url: str, label: str, progress) -> list[Figure]:
    name = f"team[{label}]"
    desk = _setup(url)
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
    assigned = sum(a.open_chats for a in desk.team.agents())
    desk.close()
    return [
        Figure(name, f"{CHATS} arrivals, {PROCESSES} distributor processes racing", round(CHATS / total, 1), "chats/s"),
        Figure(name, "chats assigned (racing)", assigned, "chats", f"= {CHATS}", assigned == CHATS),
        Figure(name, "double assignments (racing)", doubles, "chats", "0", doubles == 0),
    ]


def run(progress) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        figures += _bench(str(Path(tmp) / "team.db"), "sqlite", progress)
        figures += _bench_processes(str(Path(tmp) / "team-mp.db"), "sqlite", progress)
    pg = os.environ.get("CS_CONSOLE_BENCH_PG")
    if pg:
        figures += _bench(pg, "postgresql", progress)
        figures += _bench_processes(pg, "postgresql", progress)
    return figures
