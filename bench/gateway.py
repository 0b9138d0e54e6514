"""Gateway: N concurrent buyers on loopback WebSockets (100, 1,000) against `cs-console serve`.

Figures per store: inbound → visible to a desk watching the store (p50/p99), agent reply → shown
in the buyer's page (p50/p99), messages/s, gateway RSS (peak). SQLite with one gateway;
PostgreSQL with two gateway processes sharing the store (``CS_CONSOLE_BENCH_PG`` names a server,
else a throwaway cluster from tests/pg.py). Only loopback traffic; every loop is bounded.

Run alone: ``python -m bench gateway`` (``CS_CONSOLE_BENCH_GATEWAY_BUYERS=100`` for a short run).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import Figure

GOAL_MS = 300.0
MESSAGES_PER_BUYER = 3
THINK_SECONDS = (2.0, 6.0)  # a buyer's pause between two messages
CONNECT_BATCH = 100
RUN_LIMIT_SECONDS = 120.0


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _rss_peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _start_gateway(url: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cs_console", "serve", "--db", url, "--port", str(port),
         "--ip-per-minute", "10000000", "--session-per-minute", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_up(port: int, limit: float = 30.0) -> None:
    import httpx

    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway on port {port} did not start")


# ---- the desk side: a separate process watching the store, answering every buyer line --------
REPLIERS = 4  # agents answering in parallel (each its own thread and transactions)


def _desk_process(url: str, ready, stop, out) -> None:
    import queue
    import threading

    from sqlmodel import col, func, select

    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk
    from cs_console.store.changes import watch
    from cs_console.store.tables import Message

    desk = make_desk(url, policy=load_policy())
    watcher = watch(desk.store)
    with desk.store.read() as s:
        last = s.exec(select(func.max(Message.id))).one() or 0
    seen: dict[str, float] = {}
    replied: dict[str, float] = {}
    todo: queue.Queue = queue.Queue()
    window = 0 if desk.store.is_sqlite else 64  # PostgreSQL ids may commit out of order

    def reply() -> None:
        while True:
            item = todo.get()
            if item is None:
                return
            chat_id, text = item
            replied[text] = time.perf_counter()
            desk.chats.send(chat_id, "bench客服", "回复 " + text)

    repliers = [threading.Thread(target=reply, daemon=True) for _ in range(REPLIERS)]
    for t in repliers:
        t.start()
    ready.set()
    while not stop.is_set():  # the watching side of a TUI: change signal, then read what is new
        if not watcher.changed():
            time.sleep(0.002)
            continue
        with desk.store.read() as s:
            rows = s.exec(select(Message.id, Message.chat_id, Message.text, Message.sender)
                          .where(Message.id > last - window).order_by(col(Message.id))).all()
        now = time.perf_counter()
        for mid, chat_id, text, sender in rows:
            last = max(last, mid)
            if sender == "buyer" and text not in seen:
                seen[text] = now
                todo.put((chat_id, text))
    for _ in repliers:
        todo.put(None)
    for t in repliers:
        t.join(30)
    watcher.close()
    desk.close()
    out.put((seen, replied))


# ---- the buyers: N WebSockets in one asyncio loop ---------------------------------------------
async def _buyer(n: int, port: int, sent: dict, shown: dict, start_at: float, rng: random.Random) -> None:
    import httpx
    import websockets

    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        cookie = (await http.get(base + "/chat/bench")).cookies["cs_chat"]
    async with websockets.connect(f"ws://127.0.0.1:{port}/chat/bench/ws", origin=base,
                                  additional_headers={"Cookie": f"cs_chat={cookie}"}, open_timeout=60,
                                  max_size=2 ** 20) as ws:
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()) + rng.uniform(0, THINK_SECONDS[1]))
        expected = set()

        async def reader():
            while expected or len(sent_here) < MESSAGES_PER_BUYER:
                frame = json.loads(await asyncio.wait_for(ws.recv(), RUN_LIMIT_SECONDS))
                if frame.get("type") == "msg" and frame["text"].startswith("回复 "):
                    token = frame["text"][3:]
                    shown.setdefault(token, time.perf_counter())
                    expected.discard(token)
                    await ws.send(json.dumps({"type": "read", "ids": [frame["id"]]}))  # as a visible page does

        sent_here: list[str] = []
        task = asyncio.create_task(reader())
        for _ in range(MESSAGES_PER_BUYER):
            token = f"b{n}-{uuid.uuid4().hex[:8]}"
            expected.add(token)
            sent[token] = time.perf_counter()
            sent_here.append(token)
            await ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex, "text": token}))
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
        try:
            await asyncio.wait_for(task, RUN_LIMIT_SECONDS)
        except TimeoutError:
            task.cancel()


async def _buyers(n: int, ports: list[int]) -> tuple[dict, dict, float, int]:
    sent: dict[str, float] = {}
    shown: dict[str, float] = {}
    rng = random.Random(7)
    start_at = time.perf_counter() + max(2.0, n / 200)  # everyone connected before the first line
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(_buyer(i, ports[i % len(ports)], sent, shown, start_at, rng)))
        if i % CONNECT_BATCH == CONNECT_BATCH - 1:
            await asyncio.sleep(0.2)
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), RUN_LIMIT_SECONDS * 2)
    failed = sum(1 for r in results if isinstance(r, BaseException))
    return sent, shown, start_at, failed


def scenario(url: str, backend: str, buyers: int, gateways: int) -> list[Figure]:
    from cs_console.config.policy import load_policy
    from cs_console.domain.gateway import ChannelKind
    from cs_console.services.desk import make_desk

    desk = make_desk(url, policy=load_policy())
    if not any(c.name == "bench" for c in desk.gateway.channels()):
        desk.gateway.create_channel("bench", ChannelKind.WEB)
        desk.team.add_agent("bench客服")
    desk.close()
    ports = [_free_port() for _ in range(gateways)]
    procs = [_start_gateway(url, p) for p in ports]
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    agent = ctx.Process(target=_desk_process, args=(url, ready, stop, out), daemon=True)
    try:
        for p in ports:
            _wait_up(p)
        agent.start()
        ready.wait(60)
        sent, shown, start_at, failed = asyncio.run(_buyers(buyers, ports))
        elapsed = max(1e-3, max(sent.values(), default=0) - min(sent.values(), default=0))
        stop.set()
        seen, replied = out.get(timeout=60)
        agent.join(30)
        rss = [_rss_peak_mb(p.pid) for p in procs]
    finally:
        stop.set()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if agent.is_alive():
            agent.kill()
    inbound = [(seen[t] - sent[t]) * 1000 for t in sent if t in seen]
    reply = [(shown[t] - replied[t]) * 1000 for t in shown if t in replied]
    label = f"{backend} {buyers} buyers" + (f", {gateways} gateways" if gateways > 1 else "")
    p99_in, p99_out = _pct(inbound, 99), _pct(reply, 99)
    lost = len(sent) - len(shown)
    return [
        Figure("gateway", f"{label}: inbound → visible p50", _pct(inbound, 50), "ms"),
        Figure("gateway", f"{label}: inbound → visible p99", p99_in, "ms", f"≤ {GOAL_MS:.0f}", p99_in <= GOAL_MS),
        Figure("gateway", f"{label}: reply → page p50", _pct(reply, 50), "ms"),
        Figure("gateway", f"{label}: reply → page p99", p99_out, "ms", f"≤ {GOAL_MS:.0f}", p99_out <= GOAL_MS),
        Figure("gateway", f"{label}: buyer messages/s", round(len(seen) / elapsed, 1), "msg/s"),
        Figure("gateway", f"{label}: replies not shown / buyers failed", lost + failed, "count", "0", lost + failed == 0),
        Figure("gateway", f"{label}: gateway RSS peak (max of processes)", round(max(rss), 1), "MB"),
        Figure("gateway", f"{label}: machine load average during the run", round(os.getloadavg()[0], 1), ""),
    ]


def _pg_url():
    env = os.environ.get("CS_CONSOLE_BENCH_PG")
    if env:
        return env, None
    try:
        from tests.pg import PgCluster

        cluster = PgCluster()
        cluster.start()
        return None, cluster
    except Exception:  # no PostgreSQL server binaries: SQLite figures only
        return None, None


def run(progress) -> list[Figure]:
    sizes = [int(os.environ.get("CS_CONSOLE_BENCH_GATEWAY_BUYERS", 0))] if os.environ.get(
        "CS_CONSOLE_BENCH_GATEWAY_BUYERS") else [100, 1000]
    figures: list[Figure] = []
    task = progress.add_task("gateway", total=len(sizes) * 2)
    with tempfile.TemporaryDirectory(prefix="cs-bench-gw-") as tmp:
        for n in sizes:
            figures += scenario(str(Path(tmp) / f"gw{n}.db"), "SQLite", n, 1)
            progress.advance(task)
        env_url, cluster = _pg_url()
        try:
            for n in sizes:
                url = env_url or (cluster.create_database() if cluster else None)
                if url is None:
                    figures.append(Figure("gateway", "PostgreSQL: no server available", 0, "", None, None))
                    break
                figures += scenario(url, "PostgreSQL", n, 2)
                progress.advance(task)
        finally:
            if cluster is not None:
                cluster.stop()
    return figures
