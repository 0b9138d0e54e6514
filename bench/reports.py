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

from bench.common import Figure, median
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


def run(progress) -> list[Figure]:
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
