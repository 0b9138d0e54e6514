"""Chat switch with 50 chats × 500 messages, and injected message → visible in a running app."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Figure, median, percentile
from cs_console.domain.chat import Sender
from cs_console.services.desk import make_desk
from cs_console.store.tables import Buyer, Chat, Message

CHATS, MESSAGES = 50, 500


def build_store(db: str, progress) -> None:
    """50 buyers with 500 messages each, written in batches (bench set-up, not measured)."""
    desk = make_desk(db)
    t0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    task = progress.add_task("build 50×500 store", total=CHATS)
    for c in range(CHATS):
        with desk.store.write() as s:
            buyer = Buyer(nick=f"买家{c:02d}", created_at=t0)
            s.add(buyer)
            s.flush()
            chat = Chat(buyer_id=buyer.id, opened_at=t0, status="waiting", first_buyer_at=t0,
                        waiting_since=t0, last_message_at=t0, last_preview="最后一条", message_count=MESSAGES)
            s.add(chat)
            s.flush()
            s.add_all(Message(chat_id=chat.id, sender=Sender.BUYER if i % 2 == 0 else Sender.AGENT,
                              text=f"第{i}条消息：亲，这款宝宝连体衣有80码吗？颜色和图片一样吗？" * (1 + i % 3),
                              created_at=t0 + timedelta(seconds=i)) for i in range(MESSAGES))
        progress.advance(task)
    desk.close()


async def measure_switch(db: str) -> tuple[list[float], list[float]]:
    """Time select_chat alone, and select_chat plus painting every visible transcript line."""
    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.transcript import Transcript

    desk = make_desk(db)
    app = CsConsoleApp(desk, "bench")
    calls, frames = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        ids = [c.chat_id for c in app.desk_screen.session_chats]
        transcript = app.query_one(Transcript)
        for round_ in range(3):
            for chat_id in ids:
                t0 = time.perf_counter()
                app.desk_screen.selection.select_chat(chat_id)
                t1 = time.perf_counter()
                for y in range(transcript.size.height):  # what the compositor asks for on the next paint
                    transcript.render_line(y)
                t2 = time.perf_counter()
                await pilot.pause()
                if round_:  # first round warms caches (import, compile)
                    calls.append((t1 - t0) * 1000)
                    frames.append((t2 - t0) * 1000)
    desk.close()
    return calls, frames


def _injector(db: str, count: int, gap: float, ready) -> None:
    desk = make_desk(db)
    ready.wait()
    for i in range(count):
        time.sleep(gap)
        desk.chats.inject("实时买家", f"ping {time.time():.6f} #{i}")
    desk.close()


async def measure_inject(db: str, count: int = 20) -> list[float]:
    """Another process injects; the running app polls the store; time until the transcript shows it."""
    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.transcript import Transcript

    desk = make_desk(db)
    desk.chats.inject("实时买家", "start")
    app = CsConsoleApp(desk, "bench")
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_injector, args=(db, count, 0.3, ready))
    proc.start()
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.desk_screen.selection.select_chat(app.desk.chats.chat_of("实时买家").chat_id)
        await pilot.pause()
        ready.set()
        seen = 0
        deadline = time.time() + count * 0.3 + 15
        t = app.query_one(Transcript)
        while seen < count and time.time() < deadline:
            await asyncio.sleep(0.005)
            for m in t.messages[-5:]:
                if m.text.startswith("ping ") and int(m.text.rsplit("#", 1)[1]) == seen:
                    latencies.append((time.time() - float(m.text.split()[1])) * 1000)
                    seen += 1
    proc.join()
    desk.close()
    return latencies


def run(progress) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="cs-bench-chat-"))
    db = str(folder / "chat.db")
    build_store(db, progress)
    calls, frames = asyncio.run(measure_switch(db))
    lat = asyncio.run(measure_inject(str(folder / "inject.db")))
    return [
        Figure("chat", f"switch chat ({CHATS}×{MESSAGES} msgs): select_chat p50", round(median(calls), 2), "ms",
               "≤ 30", median(calls) <= 30),
        Figure("chat", "switch chat: select_chat p95", round(percentile(calls, 95), 2), "ms"),
        Figure("chat", "switch chat incl. painting the visible transcript p50", round(median(frames), 2), "ms",
               "≤ 30", median(frames) <= 30),
        Figure("chat", "injected by another process → in transcript p50", round(median(lat), 1), "ms",
               "≤ 250", median(lat) <= 250),
        Figure("chat", "injected → in transcript max", round(max(lat), 1), "ms", "≤ 250", max(lat) <= 250),
        Figure("chat", "injected messages seen", len(lat), "msgs"),
    ]
