"""One gateway process's live side: a thread that watches the store for commits, the web-page
connections by buyer, and the push of agent replies to the pages that are open here.

The event loop never touches the store: reads and writes go through ``asyncio.to_thread``."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from cs_console.domain.gateway import ChannelKind
from cs_console.services.gateway import GatewayService
from cs_console.store.changes import watch
from cs_console.store.engine import Store

log = logging.getLogger("cs_console.gateway")
WATCH_SECONDS = 0.01
SWEEP_SECONDS = 1.0


@dataclass(eq=False)
class PageConnection:
    """One open buyer chat page (a WebSocket)."""

    send_text: Callable  # async (str) -> None
    channel_id: int
    session_key: str
    link_id: int | None = None
    pushed: set[str] = field(default_factory=set)  # delivery ids sent on this connection


class Hub:
    def __init__(self, store: Store, service: GatewayService):
        self.store, self.service = store, service
        self.generation = 0
        self._waiters: set[asyncio.Event] = set()
        self._wake_push = asyncio.Event()
        self._wake_delivery = asyncio.Event()
        self.pages: dict[int, set[PageConnection]] = {}  # channel-buyer id → open pages
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tasks: list[asyncio.Task] = []
        self._cursor = 0  # the watching thread's: outbox rows up to here were read
        self._wake_delivery_soon = False
        self._new_rows: list = []  # read by the watcher, not yet pushed

    # ---- store watching -------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._cursor = await asyncio.to_thread(self.service.last_outbox_id)
        self._thread = threading.Thread(target=self._watch, args=(loop,), name="gateway-watch", daemon=True)
        self._thread.start()
        self._tasks.append(asyncio.create_task(self._push_loop(), name="gateway-push"))

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        watcher = watch(self.store)
        try:
            while not self._stop.is_set():
                try:
                    changed = watcher.changed()
                except Exception:  # a dropped PostgreSQL connection: reconnect next round
                    log.warning("store watcher failed; reconnecting")
                    self._stop.wait(0.5)
                    watcher.close()
                    watcher = watch(self.store)
                    continue
                if changed:
                    loop.call_soon_threadsafe(self._changed, self._read_outbox())
                self._stop.wait(WATCH_SECONDS)
        finally:
            watcher.close()

    def _read_outbox(self) -> list:
        """In the watching thread, right after a change: the outbox rows written since the last
        look (no hop to a store thread per commit). A failed read is caught up by the next
        change, or by the push loop's sweep."""
        try:
            cursor, rows, kinds = self.service.written_after(self._cursor)
        except Exception:  # noqa: BLE001 - a busy or dropped store: next time
            log.warning("reading the outbox failed", exc_info=True)
            return []
        self._cursor = max(self._cursor, cursor)
        if ChannelKind.WEBHOOK.value in kinds:
            self._wake_delivery_soon = True
        return rows

    def _changed(self, rows: list) -> None:
        """On the event loop: what the watcher read after a commit. Wakes the webhook deliverer
        only for new webhook rows (most commits are buyers' lines and page reports)."""
        if self._wake_delivery_soon:
            self._wake_delivery_soon = False
            self._wake_delivery.set()
        self._new_rows.extend(rows)
        self.bump()

    def bump(self) -> None:
        """Someone committed: wake long-polls and the page push."""
        self.generation += 1
        for ev in self._waiters:
            ev.set()
        self._wake_push.set()

    async def wait_change(self, timeout: float) -> None:
        ev = asyncio.Event()
        self._waiters.add(ev)
        try:
            await asyncio.wait_for(ev.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(ev)

    async def wait_delivery_wake(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wake_delivery.wait(), timeout)
        except TimeoutError:
            pass
        self._wake_delivery.clear()

    def add_task(self, coro) -> None:
        self._tasks.append(asyncio.create_task(coro))

    async def stop(self) -> None:
        self._stop.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 2)

    # ---- buyer pages ------------------------------------------------------------------------
    def attach(self, conn: PageConnection) -> None:
        if conn.link_id is not None:
            self.pages.setdefault(conn.link_id, set()).add(conn)

    def detach(self, conn: PageConnection) -> None:
        if conn.link_id is not None:
            conns = self.pages.get(conn.link_id)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self.pages[conn.link_id]

    async def push_pending(self, conns: list[PageConnection], rows) -> None:
        for row in rows:
            frame = None
            for conn in self.pages.get(row.channel_buyer_id, ()) if conns is None else conns:
                if row.delivery_id in conn.pushed:
                    continue
                frame = frame or page_frame(row.payload)
                conn.pushed.add(row.delivery_id)
                try:
                    await conn.send_text(frame)
                except Exception:  # a closing socket: the reconnect gets it from the store
                    conn.pushed.discard(row.delivery_id)

    async def _push_loop(self) -> None:
        loop = asyncio.get_running_loop()
        last_sweep = loop.time()
        while True:
            try:
                await asyncio.wait_for(self._wake_push.wait(), SWEEP_SECONDS)
            except TimeoutError:
                pass
            self._wake_push.clear()
            rows, self._new_rows = self._new_rows, []
            try:
                if rows:
                    now = self.service.clock()
                    await self.push_pending(None, [r for r in rows if r.due <= now and r.channel_buyer_id in self.pages])
                if loop.time() - last_sweep >= SWEEP_SECONDS and self.pages:
                    last_sweep = loop.time()  # rows whose broadcast slot came, or missed by the cursor
                    due = await asyncio.to_thread(self.service.web_pending, list(self.pages))
                    await self.push_pending(None, due)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("page push failed; retrying")
                await asyncio.sleep(0.5)


def page_frame(payload: str) -> str:
    """The page's view of an outbox payload (no channel internals)."""
    body = json.loads(payload)
    m = body["message"]
    return json.dumps({"type": "msg", "id": m["id"], "from": "agent", "kind": m["kind"], "text": m["text"],
                       "agent": m["agent"], "at": m["created_at"], "delivery_id": body["delivery_id"]},
                      ensure_ascii=False)
