"""Gateway: N concurrent buyers on loopback WebSockets (100, 1,000) against `cs-console serve`.

Figures per store: inbound → visible to a desk watching the store (p50/p99), agent reply → shown
in the buyer's page (p50/p99), messages/s, gateway RSS (peak). SQLite with one gateway;
PostgreSQL with two gateway processes sharing the store (``CS_CONSOLE_BENCH_PG`` names a server,
else a throwaway cluster from tests/pg.py). Only loopback traffic; every loop is bounded.

Run alone: ``python -m bench gateway`` (``CS_CONSOLE_BENCH_GATEWAY_BUYERS=100`` for a short run,
default ``100,300,1000``: the middle point shows the trend when the machine is too busy for 1,000).
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
from http.cookiejar import CookieJar, CookiePolicy
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a (still running) process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _wait_up(port: int, limit: float = 120.0) -> None:
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


# ---- the desk side: one process watching the store as a TUI does (inbound → visible), one of
# agents answering every buyer line (as their own TUIs would: apart from the watcher's process,
# so their work never holds the watcher's interpreter lock) ------------------------------------
REPLIERS = 4  # agents answering in parallel (each its own thread and transactions)


def _desk_process(url: str, answer: bool, ready, stop, out) -> None:
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
    # PostgreSQL ids may commit out of order: a gateway's round of lines commits after ids taken
    # later by the other gateway and the agents (seconds later when the machine is busy), so the
    # ids of the last ``window`` are read, and the lines of those not seen yet
    window = 0 if desk.store.is_sqlite else 2048
    known: set[int] = set()

    def reply() -> None:
        while True:
            item = todo.get()
            if item is None:
                return
            chat_id, text = item
            replied[text] = time.perf_counter()
            desk.chats.send(chat_id, "bench客服", "回复 " + text)

    repliers = [threading.Thread(target=reply, daemon=True) for _ in range(REPLIERS if answer else 0)]
    for t in repliers:
        t.start()
    ready.set()
    while not stop.is_set():  # the watching side of a TUI: change signal, then read what is new
        if not watcher.changed():
            time.sleep(0.002)
            continue
        with desk.store.read() as s:
            if window:
                fresh = [i for i in s.exec(select(Message.id).where(Message.id > last - window)).all()
                         if i not in known]
                rows = s.exec(select(Message.id, Message.chat_id, Message.text, Message.sender)
                              .where(col(Message.id).in_(fresh)).order_by(col(Message.id))).all() if fresh else []
            else:
                rows = s.exec(select(Message.id, Message.chat_id, Message.text, Message.sender)
                              .where(Message.id > last).order_by(col(Message.id))).all()
        now = time.perf_counter()
        for mid, chat_id, text, sender in rows:
            last = max(last, mid)
            known.add(mid)
            if sender == "buyer" and text not in seen:
                seen[text] = now
                if answer:
                    todo.put((chat_id, text))
        if window and len(known) > 4 * window:
            known = {i for i in known if i > last - window}
    for _ in repliers:
        todo.put(None)
    for t in repliers:
        t.join(30)
    watcher.close()
    desk.close()
    out.put((seen, replied, time.process_time()))


# ---- the buyers: N WebSockets in one asyncio loop ---------------------------------------------
class _NoCookies(CookiePolicy):
    """The shared page client keeps no cookie: every buyer gets a session of their own."""

    netscape, rfc2965, hide_cookie2 = True, False, False

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False

    def domain_return_ok(self, domain, request) -> bool:
        return False

    def path_return_ok(self, path, request) -> bool:
        return False


async def _buyer(n: int, port: int, http, sent: dict, shown: dict, start_at: float, rng: random.Random) -> None:
    import httpx
    import websockets

    base = f"http://127.0.0.1:{port}"
    for attempt in range(3):  # as a browser does, a GET on a keep-alive connection the server closed is sent again
        try:
            cookie = (await http.get(base + "/chat/bench")).cookies["cs_chat"]
            break
        except httpx.TransportError:
            if attempt == 2:
                raise
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


BUYERS_PER_PROCESS = 250  # one asyncio loop per 250 buyers (a browser each, in life)


def _buyer_process(first: int, n: int, ports: list[int], start_at: float, out) -> None:
    sent, shown, failed = asyncio.run(_buyers(first, n, ports, start_at))
    out.put((sent, shown, failed, time.process_time()))


async def _buyers(first: int, n: int, ports: list[int], start_at: float) -> tuple[dict, dict, int]:
    import httpx

    sent: dict[str, float] = {}
    shown: dict[str, float] = {}
    rng = random.Random(7 + first)
    tasks = []
    # one client for the page loads (a client per buyer costs the bench ~20 ms of TLS set-up each)
    http = httpx.AsyncClient(cookies=CookieJar(_NoCookies()), trust_env=False, timeout=30,
                             limits=httpx.Limits(max_connections=CONNECT_BATCH))
    try:
        for i in range(first, first + n):
            tasks.append(asyncio.create_task(_buyer(i, ports[i % len(ports)], http, sent, shown, start_at, rng)))
            if i % CONNECT_BATCH == CONNECT_BATCH - 1:
                await asyncio.sleep(0.2)
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), RUN_LIMIT_SECONDS * 2)
    finally:
        await http.aclose()
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:  # named on stderr: a bench that only counts failures hides their cause
        from collections import Counter

        print("buyer failures:", Counter(f"{type(e).__name__}: {str(e)[:80]}" for e in errors).most_common(5),
              file=sys.stderr)
    return sent, shown, len(errors)


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
    stop = ctx.Event()
    ready = [ctx.Event(), ctx.Event()]
    desk_out = [ctx.Queue(), ctx.Queue()]
    desks = [ctx.Process(target=_desk_process, args=(url, answer, ready[answer], stop, desk_out[answer]), daemon=True)
             for answer in (False, True)]
    buyers_out = ctx.Queue()
    parts = [(first, min(BUYERS_PER_PROCESS, buyers - first)) for first in range(0, buyers, BUYERS_PER_PROCESS)]
    clients: list = []
    try:
        for p in ports:
            _wait_up(p)
        for d in desks:
            d.start()
        for r in ready:
            r.wait(60)
        gateway_cpu0 = sum(_cpu_seconds(p.pid) for p in procs)  # after start-up
        start_at = time.perf_counter() + max(3.0, buyers / 150)  # everyone connected before the first line
        clients = [ctx.Process(target=_buyer_process, args=(first, n, ports, start_at, buyers_out), daemon=True)
                   for first, n in parts]
        for c in clients:
            c.start()
        sent, shown, failed, bench_cpu = {}, {}, 0, 0.0
        for _ in clients:
            part_sent, part_shown, part_failed, part_cpu = buyers_out.get(timeout=RUN_LIMIT_SECONDS * 3)
            sent.update(part_sent)
            shown.update(part_shown)
            failed += part_failed
            bench_cpu += part_cpu
        elapsed = max(1e-3, max(sent.values(), default=0) - min(sent.values(), default=0))
        load = os.getloadavg()[0]
        stop.set()
        seen, _, _ = desk_out[0].get(timeout=60)
        _, replied, agents_cpu = desk_out[1].get(timeout=60)
        for d in desks:
            d.join(30)
        rss = [_rss_peak_mb(p.pid) for p in procs]
        gateway_cpu = sum(_cpu_seconds(p.pid) for p in procs) - gateway_cpu0
    finally:
        stop.set()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for d in [*desks, *clients]:
            if d.is_alive():
                d.kill()
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
        Figure("gateway", f"{label}: CPU seconds per 1,000 buyer messages (gateways; agents, buyers in extra)",
               round(gateway_cpu * 1000 / max(1, len(sent)), 2), "s",
               extra={"agents": round(agents_cpu * 1000 / max(1, len(sent)), 2),
                      "buyers": round(bench_cpu * 1000 / max(1, len(sent)), 2)}),
        Figure("gateway", f"{label}: machine load average (1 min) at the end of the run", round(load, 1), ""),
    ]


def _measured(run_scenario, label: str) -> list[Figure]:
    """One scenario's figures, or one figure saying why it gave none (the other points still count)."""
    try:
        return run_scenario()
    except Exception as exc:  # noqa: BLE001 - a busy machine: a gateway slow to start, a run past its limits
        return [Figure("gateway", f"{label}: not measured ({type(exc).__name__}: {str(exc)[:80]})", 0, "", "", False)]


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
    sizes = [int(n) for n in os.environ.get("CS_CONSOLE_BENCH_GATEWAY_BUYERS", "100,300,1000").split(",")]
    figures: list[Figure] = []
    task = progress.add_task("gateway", total=len(sizes) * 2)
    with tempfile.TemporaryDirectory(prefix="cs-bench-gw-") as tmp:
        for n in sizes:
            figures += _measured(lambda n=n: scenario(str(Path(tmp) / f"gw{n}.db"), "SQLite", n, 1), f"SQLite {n} buyers")
            progress.advance(task)
        env_url, cluster = _pg_url()
        try:
            for n in sizes:
                url = env_url or (cluster.create_database() if cluster else None)
                if url is None:
                    figures.append(Figure("gateway", "PostgreSQL: no server available", 0, "", None, None))
                    break
                figures += _measured(lambda n=n, url=url: scenario(url, "PostgreSQL", n, 2),
                                     f"PostgreSQL {n} buyers, 2 gateways")
                progress.advance(task)
        finally:
            if cluster is not None:
                cluster.stop()
    return figures
