"""Postage calculator: quote latency (domain) and the 计算器 tab's per-keystroke recompute."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.common import Figure, median, percentile, time_calls


def _requests(table, n: int, seed: int = 6):
    from cs_console.domain.postage import ItemLine, QuoteRequest

    rnd = random.Random(seed)
    provinces = [p for p in table.provinces if p != "西藏"]
    out = []
    for _ in range(n):
        items = tuple(ItemLine(Decimal(rnd.randint(0, 99999)) / 100, rnd.randint(1, 5), rnd.random() < 0.5)
                      for _ in range(rnd.randint(1, 8)))
        out.append(QuoteRequest(items, rnd.choice(list(table.couriers)), rnd.choice(provinces),
                                addresses=rnd.randint(1, 3)))
    return out


def _keystrokes(n: int) -> list[float]:
    """Milliseconds per Calculator.recompute() in a headless app with 8 item lines."""
    from cs_console.config.policy import load_policy
    from cs_console.domain.postage import parse_item
    from cs_console.services.desk import make_desk
    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.calculator import Calculator

    folder = Path(tempfile.mkdtemp(prefix="bench-postage-"))
    desk = make_desk(str(folder / "b.db"), policy=load_policy())
    desk.chats.inject("买家", "运费多少")
    times: list[float] = []

    async def drive() -> None:
        app = CsConsoleApp(desk, "小美")
        async with app.run_test(size=(120, 40)) as pilot:
            calc = app.query_one(Calculator)
            calc.activate()
            calc.items = [parse_item(f"{59 + i}x{i + 1}{' 包邮' if i % 2 else ''}") for i in range(8)]
            calc.query_one("#calc-province").value = "广东"
            await pilot.pause()
            entry = calc.query_one("#calc-entry")
            for i in range(n):
                entry.value = f"{i % 100 + 1}x2"
                t0 = time.perf_counter()
                calc.recompute()
                times.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()

    asyncio.run(drive())
    desk.close()
    return times


def run(progress) -> list[Figure]:
    from cs_console.config.postage import load_rates
    from cs_console.domain.postage import quote

    t0 = time.perf_counter()
    table = load_rates(Path(__file__).resolve().parents[1] / "data" / "postage.yaml")
    load_ms = (time.perf_counter() - t0) * 1000
    reqs = iter(_requests(table, 2000))
    q = time_calls(lambda: quote(table, next(reqs)), 2000)
    k = _keystrokes(200)
    return [
        Figure("postage", "rates table load", round(load_ms, 2), "ms", "< 100 ms", load_ms < 100),
        Figure("postage", "quote p50", round(median(q), 4), "ms", "< 1 ms", median(q) < 1),
        Figure("postage", "quote p99", round(percentile(q, 99), 4), "ms", "< 1 ms", percentile(q, 99) < 1),
        Figure("postage", "calculator recompute p50", round(median(k), 3), "ms", "< 16 ms", median(k) < 16),
        Figure("postage", "calculator recompute p99", round(percentile(k, 99), 3), "ms", "< 16 ms",
               percentile(k, 99) < 16),
    ]
