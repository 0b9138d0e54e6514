"""What an agent feels, in a real pseudo-terminal (120×40), cs-console against the anchor app
(``bench/anchor_app.py``) in the same run, at each store size:

- launch → session list visible (process start → the agent's chats on the screen);
- idle CPU and peak RSS of the running TUI;
- keystroke → echo in the draft (key written to the pty → glyph on the emulated screen);
- chat switch settled: F4 through all of the agent's open chats (50 × 500 messages) until the
  chat's newest messages are on screen; the anchor reads the same rows with raw SQL.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import Context, Figure, sampled
from bench.stores import (
    AGENT,
    BENCH_PASSWORD,
    HEAVY,
    HEAVY_MESSAGES,
    SIZES,
    give_passwords,
    heavy_nick,
    postgres_store,
    working_copy,
)
from bench.terminal import F4, Terminal

BENCH = "feel"
ROOT = str(Path(__file__).resolve().parent.parent)


def _desk_argv(db: str) -> list[str]:
    return [sys.executable, "-m", "cs_console", "--db", db, "--agent", AGENT]


def _anchor_argv(db: str | None) -> list[str]:
    return [sys.executable, "-m", "bench.anchor_app", *([db, AGENT] if db else [])]


def _mark_checklist_seen(db: str) -> None:
    """The morning checklist is a once-a-day dialog: mark it seen so every launch is the same."""
    today = date.today()
    rows = [(AGENT, (today + timedelta(days=d)).isoformat(), "2026-01-01 00:00:00.000000") for d in (-1, 0, 1)]
    if db.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://")) as conn:
            for r in rows:
                conn.execute("INSERT INTO checklist_marks (agent, day, at) VALUES (%s, %s, %s) "
                             "ON CONFLICT DO NOTHING", r)
        return
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT OR IGNORE INTO checklist_marks (agent, day, at) VALUES (?, ?, ?)", rows)


# SGR mouse press + release at column 50, row 37 (1-based): inside the draft box of both apps
CLICK_DRAFT = "\x1b[<0;50;37M\x1b[<0;50;37m"


def _switch_marker(chat_no: int) -> str:
    return f"第{HEAVY_MESSAGES - 2}条 #{chat_no:02d}"


SIGN_IN_PROMPT = "Enter 登录"


class _Run:
    """One app in one terminal: launch time, then idle CPU, keystrokes, switches.

    ``password``: the desk asks the agent to sign in first (on PostgreSQL the server checks the
    password). The launch figure is then the app's own time: start → sign-in screen, plus
    Enter on the password → session list; the agent's typing of it is not counted."""

    def __init__(self, argv: list[str], ready, quick: bool, password: str | None = None):
        self.term = Terminal(argv, cwd=ROOT)
        if password is None:
            self.launch = (self.term.wait_for(ready, timeout=120) - self.term.started) * 1000
        else:
            prompt = self.term.wait_for(SIGN_IN_PROMPT, timeout=120)
            self.term.settle(0.2, timeout=5)
            self.term.send(password)
            self.term.settle(0.2, timeout=5)
            entered = self.term.send("\r")
            self.launch = (prompt - self.term.started + self.term.wait_for(ready, timeout=120) - entered) * 1000
        self.quick = quick

    def idle_cpu(self, seconds: float) -> float:
        self.term.settle(0.5)
        c0, t0 = self.term.cpu_seconds(), time.perf_counter()
        deadline = t0 + seconds
        while time.perf_counter() < deadline:
            self.term.settle(0.2, timeout=deadline - time.perf_counter())
        return (self.term.cpu_seconds() - c0) / (time.perf_counter() - t0) * 100

    def keystrokes(self, n: int) -> list[float]:
        out: list[float] = []
        rng = random.Random(5)
        typed = ""
        self.term.send(CLICK_DRAFT)  # the agent clicks into the draft box (both apps have it there)
        self.term.settle(0.2, timeout=2)
        for i in range(n):
            if not typed or len(typed) >= 26:  # start a fresh line (these keys are not timed)
                if typed:
                    self.term.send("\x7f" * len(typed))
                    self.term.wait_for(lambda s: "zq" not in s, timeout=20)
                self.term.send("zq")
                self.term.wait_for("zq", timeout=20)
                self.term.settle(0.1, timeout=2)
                typed = "zq"
            typed += "abcdefghijklmnopqrstuvwxy"[i % 25]
            t0 = self.term.send(typed[-1])
            out.append((self.term.wait_for(lambda s, w=typed: w in s, timeout=20) - t0) * 1000)
            time.sleep(rng.uniform(0.03, 0.09))  # an agent's typing rhythm, not a burst
        return out

    def switches(self, order: list[int]) -> list[float]:
        out = []
        for chat_no in order:
            self.term.settle(0.05, timeout=1)
            t0 = self.term.send(F4)
            marker = _switch_marker(chat_no)
            out.append((self.term.wait_for(marker, timeout=30) - t0) * 1000)
        return out

    def close(self) -> float:
        rss = self.term.rss_mb()
        self.term.close()
        return rss


def _desk_ready(chats: int):
    title = f"会话 {chats} 等待"
    nick = heavy_nick(1) if chats else None
    return lambda s: title in s and (nick is None or nick in s)


def _anchor_ready(chats: int):
    nick = heavy_nick(1) if chats else "（没有会话）"
    return lambda s: nick in s


def measure(ctx: Context, size_name: str, db: str, backend: str) -> list[Figure]:
    """``db``: the store as its owner sees it (the anchor reads it so); the agent's desk starts
    as the shop's agents do: ``cs-console``, then the sign-in screen (the password is typed)."""
    size = SIZES[size_name]
    desk_db = give_passwords(db)
    chats = min(size.open_chats, HEAVY)
    launches = ctx.reps(7, 3)
    keys = ctx.reps(60, 20)
    idle = ctx.reps(10.0, 4.0)
    task = ctx.add_task(f"feel {size_name} ({backend})", total=2 * launches)
    desk_l, anchor_l = [], []
    figures: list[Figure] = []
    kw = {"size": size_name, "backend": backend}
    for i in range(launches):  # alternate, so machine load hits both alike
        last = i == launches - 1
        _mark_checklist_seen(db)
        a = _Run(_anchor_argv(db), _anchor_ready(chats), ctx.quick)
        anchor_l.append(a.launch)
        if last:
            a_idle = a.idle_cpu(idle)
            a_keys = a.keystrokes(keys)
            a_sw = a.switches([*range(1, chats + 1)]) if chats else []
            a_rss = a.close()
        else:
            a.close()
        ctx.advance(task)
        _mark_checklist_seen(db)
        d = _Run(_desk_argv(desk_db), _desk_ready(chats), ctx.quick, BENCH_PASSWORD)
        desk_l.append(d.launch)
        if last:
            d_idle = d.idle_cpu(idle)
            d_keys = d.keystrokes(keys)
            d_sw = d.switches([*range(2, chats + 1), 1]) if chats else []
            d_rss = d.close()
        else:
            d.close()
        ctx.advance(task)
    figures.append(sampled(BENCH, "launch → session list visible", desk_l, "ms", anchor=anchor_l,
                           max_ratio=1.5, **kw))
    figures.append(Figure(BENCH, "idle CPU of the TUI", round(d_idle, 2), "%", anchor=round(a_idle, 2),
                          ratio=round(d_idle / a_idle, 2) if a_idle > 0 else None, goal="≤ 2× anchor",
                          ok=d_idle <= 2 * max(a_idle, 0.5), **kw))
    figures.append(sampled(BENCH, "keystroke → echo in the draft", d_keys, "ms", anchor=a_keys,
                           max_ratio=1.5, stat="p99", **kw))
    if chats:
        figures.append(sampled(BENCH, f"chat switch settled, all {chats} open chats × {HEAVY_MESSAGES} msgs",
                               d_sw, "ms", anchor=a_sw, max_ratio=1.5, **kw))
    figures.append(Figure(BENCH, "peak RSS of the TUI", round(d_rss, 1), "MB", anchor=round(a_rss, 1),
                          ratio=round(d_rss / a_rss, 2), **kw))
    return figures


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    for backend in ctx.backends:
        for size_name in ctx.sizes:
            size = SIZES[size_name]
            if backend == "sqlite":
                db = working_copy(size, ctx.folder, ctx)
            else:
                db = postgres_store(size, ctx.postgres_url(), ctx)
            figures += measure(ctx, size_name, db, backend)
    return figures
