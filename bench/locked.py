"""Idle CPU of the desk (against the bare anchor app), then typing through a locked store: keystroke → echo in the draft (real pty, pyte screen) while
another process holds SQLite's write lock (``BEGIN IMMEDIATE``) for 3 s, several times over, and
the TUI's CPU while the lock is held (its store loop keeps retrying the draft save). The anchor is
the bare anchor app typing under the same held lock in the same run (it never writes: what any
Textual app of that shape costs on this machine now); the desk typing with the store free is in
``extra``. Goal: p99 ≤ 50 ms.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Context, Figure, percentile, sampled
from bench.feel import CLICK_DRAFT, _anchor_argv, _anchor_ready, _mark_checklist_seen, _Run
from bench.stores import AGENT, SIZES, heavy_nick, working_copy

BENCH = "locked"
LOCK_SECONDS = 3.0
HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


@contextmanager
def _lock_held(db: str) -> Iterator[None]:
    """Another process holds the store's write lock for ``LOCK_SECONDS`` from now."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, db, str(LOCK_SECONDS)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.wait(timeout=30)


def _type_for(run: _Run, seconds: float, rng: random.Random) -> list[float]:
    """Type at an agent's rhythm for ``seconds``; echo latency of each key in ms."""
    term = run.term
    out: list[float] = []
    typed = ""
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        if not typed or len(typed) >= 26:
            if typed:
                term.send("\x7f" * len(typed))
                term.wait_for(lambda s: "zq" not in s, timeout=20)
            term.send("zq")
            term.wait_for("zq", timeout=20)
            typed = "zq"
        typed += "abcdefghijklmnopqrstuvwxy"[i % 25]
        i += 1
        t0 = term.send(typed[-1])
        out.append((term.wait_for(lambda s, w=typed: w in s, timeout=20) - t0) * 1000)
        time.sleep(rng.uniform(0.03, 0.09))
    term.send("\x7f" * len(typed))  # leave the draft empty for the next round
    term.wait_for(lambda s: "zq" not in s, timeout=20)
    return out


def measure(ctx: Context, size_name: str, db: str) -> list[Figure]:
    size = SIZES[size_name]
    episodes = ctx.reps(6, 2)
    task = ctx.add_task(f"locked {size_name}", total=episodes)
    _mark_checklist_seen(db)
    idle_s = ctx.reps(10.0, 4.0)
    anchor = _Run(_anchor_argv(db), _anchor_ready(min(size.open_chats, 50)), ctx.quick)
    rng = random.Random(7)
    anchor_locked: list[float] = []
    try:
        anchor_idle = anchor.idle_cpu(idle_s)
        anchor.term.send(CLICK_DRAFT)
        anchor.term.settle(0.3, timeout=3)
        for _ in range(max(1, episodes // 2)):
            with _lock_held(db):
                anchor_locked += _type_for(anchor, LOCK_SECONDS - 0.2, rng)
    finally:
        anchor.close()
    nick = heavy_nick(1) if size.open_chats else "（没有会话）"
    run = _Run([sys.executable, "-m", "bench.desk_child", db, AGENT], lambda s: nick in s and "会话" in s, ctx.quick)
    free: list[float] = []
    locked: list[float] = []
    cpu_locked: list[float] = []
    try:
        idle = run.idle_cpu(idle_s)
        run.term.send(CLICK_DRAFT)
        run.term.settle(0.3, timeout=3)
        for _ in range(episodes):
            free += _type_for(run, LOCK_SECONDS, rng)
            with _lock_held(db):
                c0, t0 = run.term.cpu_seconds(), time.perf_counter()
                locked += _type_for(run, LOCK_SECONDS - 0.2, rng)  # only keys typed while the lock is held
                cpu_locked.append((run.term.cpu_seconds() - c0) / (time.perf_counter() - t0) * 100)
            run.term.settle(0.5, timeout=5)
            ctx.advance(task)
        alive = Path(f"/proc/{run.term.pid}").exists()  # the TUI is still running
    finally:
        rss = run.close()
    kw = {"size": size_name, "backend": "sqlite"}
    f = sampled(BENCH, f"keystroke → echo while another process holds the write lock {LOCK_SECONDS:g} s", locked,
                "ms", anchor=anchor_locked, stat="p99", **kw)
    f.goal, f.ok = "p99 ≤ 50 ms, app alive", f.p99 is not None and f.p99 <= 50 and alive
    f.extra.update(slowest_locked=[round(v, 1) for v in sorted(locked)[-5:]],
                   slowest_anchor=[round(v, 1) for v in sorted(anchor_locked)[-5:]],
                   free_p99=round(percentile(free, 99), 1), slowest_free=[round(v, 1) for v in sorted(free)[-5:]],
                   alive=alive)
    return [f,
            Figure(BENCH, "idle CPU of the TUI", round(idle, 2), "%", anchor=round(anchor_idle, 2),
                   ratio=round(idle / anchor_idle, 2) if anchor_idle > 0 else None, goal="≤ 2× anchor",
                   ok=idle <= 2 * max(anchor_idle, 0.5), **kw),
            Figure(BENCH, "TUI CPU while the store is locked (typing)", round(max(cpu_locked), 1), "%",
                   extra={"episodes": [round(c, 1) for c in cpu_locked], "rss_mb": round(rss, 1)}, **kw)]


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    for size_name in ctx.sizes:
        figures += measure(ctx, size_name, working_copy(SIZES[size_name], ctx.folder, ctx))
    return figures
