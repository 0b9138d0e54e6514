"""Day report over a busy day's store: 2,000 chats (with first responses), 800 paid orders,
100 after-sales cases, 8 agents. Goal: the report screen's data in well under a second."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from bench.common import Figure, median, sampled
from cs_console.services.desk import make_desk
from cs_console.store.tables import AfterSaleCase, Agent, Buyer, Chat, Order, ResponseRecord

CHATS, ORDERS, CASES, AGENTS = 2000, 800, 100, 8


def build(db: str, progress) -> None:
    rng = random.Random(9)
    desk = make_desk(db)
    t0 = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    task = progress.add_task("build report store", total=1)
    with desk.store.write() as s:
        agents = [Agent(name=f"客服{i}", created_at=t0) for i in range(AGENTS)]
        s.add_all(agents)
        buyers = [Buyer(nick=f"买家{i:04d}", created_at=t0) for i in range(CHATS)]
        s.add_all(buyers)
        s.flush()
        for i, b in enumerate(buyers):
            at = t0 + timedelta(seconds=rng.randrange(14 * 3600))
            a = agents[i % AGENTS]
            wait = rng.choice([8, 15, 25, 40, 70, 250])
            chat = Chat(buyer_id=b.id, agent_id=a.id, status="closed", opened_at=at, first_buyer_at=at,
                        first_response_seconds=wait, closed_at=at + timedelta(minutes=10))
            s.add(chat)
            s.flush()
            s.add(ResponseRecord(chat_id=chat.id, agent_id=a.id, buyer_at=at, replied_at=at + timedelta(seconds=wait),
                                 seconds=wait, first=True))
        for i in range(ORDERS):
            b = buyers[rng.randrange(CHATS)]
            at = t0 + timedelta(seconds=rng.randrange(15 * 3600))
            amount = Decimal(rng.randrange(1000, 30000)) / 100
            s.add(Order(order_no=f"B{i:06d}", buyer_id=b.id, placed_at=at, paid_at=at + timedelta(minutes=5),
                        state="PAID", items_total=amount, amount=amount))
        s.flush()
        orders = s.exec(select(Order)).all()
        for i in range(CASES):
            o = orders[i]
            s.add(AfterSaleCase(created_at=o.placed_at, created_by=f"客服{i % AGENTS}", order_id=o.id,
                                order_no=o.order_no, buyer_id=o.buyer_id, reason="size", handling="exchange",
                                state="open", updated_at=o.placed_at))
    progress.advance(task)
    desk.close()


SQL_ANCHOR = """
SELECT count(*), avg(first_response_seconds) FROM chats WHERE first_buyer_at >= :t0 AND first_buyer_at < :t1;
SELECT count(*), sum(amount) FROM orders WHERE paid_at >= :t0 AND paid_at < :t2;
SELECT agent_id, count(*), avg(seconds) FROM response_records WHERE first AND replied_at >= :t0 AND replied_at < :t1
  GROUP BY agent_id;
SELECT count(*) FROM aftersale_cases WHERE created_at >= :t0 AND created_at < :t1;
SELECT count(*) FROM aftersale_cases WHERE closed_at >= :t0 AND closed_at < :t1
"""


def _args(t0, t1, t2) -> dict[str, str]:
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {"t0": t0.replace(tzinfo=None).strftime(fmt), "t1": t1.replace(tzinfo=None).strftime(fmt),
            "t2": t2.replace(tzinfo=None).strftime(fmt)}


def _sql_anchor(db: str, t0, t1, t2) -> float:
    """The same period's facts as plain aggregate SQL through sqlite3 (ms)."""
    import sqlite3

    args = _args(t0, t1, t2)
    conn = sqlite3.connect(db)
    t = time.perf_counter()
    for stmt in SQL_ANCHOR.split(";"):
        conn.execute(stmt, args).fetchall()
    ms = (time.perf_counter() - t) * 1000
    conn.close()
    return ms


def _sized(ctx, size_name: str) -> list[Figure]:
    """The day report in-process on a sized store (a year of chats, 1M messages, 500k orders
    at 100k) against the SQL anchor, and ``cs-console report day`` as a whole process."""
    import json
    import subprocess
    import sys

    from bench.stores import END, SIZES, working_copy
    from cs_console.domain.report import day_window

    db = working_copy(SIZES[size_name], ctx.folder, ctx)
    desk = make_desk(db)
    day = (END - timedelta(days=3)).date()
    t0, t1 = day_window(day, desk.reports.tz)
    t2 = t1 + timedelta(hours=desk.policy.reports.conversion_window_hours)
    ours, anchor = [], []
    for _ in range(ctx.reps(7, 3)):
        anchor.append(_sql_anchor(db, t0, t1, t2))
        t = time.perf_counter()
        desk.reports.day(day)
        ours.append((time.perf_counter() - t) * 1000)
    desk.close()
    proc, raw = [], []
    for _ in range(ctx.reps(5, 2)):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cs_console", "report", "day", "--date", day.isoformat(), "--db", db],
                       check=True, capture_output=True)
        proc.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                        "a = json.loads(sys.argv[3]); [c.execute(s, a).fetchall() for s in sys.argv[2].split(';')]",
                        db, SQL_ANCHOR, json.dumps(_args(t0, t1, t2))], check=True, capture_output=True)
        raw.append((time.perf_counter() - t) * 1000)
    return [
        sampled("reports", "day report (in process)", ours, "ms", anchor=anchor, max_ratio=2.0, size=size_name),
        sampled("reports", "`cs-console report day`, whole process", proc, "ms", anchor=raw, size=size_name),
    ]


def run(ctx) -> list[Figure]:
    figures = _busy_day(ctx)
    for size_name in ctx.sizes:
        if size_name not in ("0", "demo"):
            figures += _sized(ctx, size_name)
    return figures


def _busy_day(progress) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "reports.db")
        build(db, progress)
        desk = make_desk(db)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            r = desk.reports.day(date(2026, 11, 23))
            times.append((time.perf_counter() - t) * 1000)
        assert r.total.served == CHATS
        week = []
        for _ in range(3):
            t = time.perf_counter()
            desk.reports.week(date(2026, 11, 23))
            week.append((time.perf_counter() - t) * 1000)
        desk.close()
    day_ms, week_ms = median(times), median(week)
    return [
        Figure("reports", f"day report, {CHATS} chats/{ORDERS} orders, median", round(day_ms, 1), "ms",
               "< 200 ms", day_ms < 200),
        Figure("reports", "week report (same store), median", round(week_ms, 1), "ms", "< 500 ms", week_ms < 500),
    ]
