"""This gateway process's writes from buyers' pages and bridges, a round at a time.

One thread owns the writing: whatever queued while the previous round ran goes in the next one,
as one transaction (one write lock on SQLite, one commit, one NOTIFY on PostgreSQL; a write that
fails sends the round one by one, see ``GatewayService.batch``). Under many buyers that turns hundreds of short transactions a second (each
taking SQLite's lock and waking every watcher) into a few dozen; an idle gateway writes at once.

A write that is rate-limited has its tokens taken before the round, in one short transaction for
the whole round (``GatewayService.allow_each``): the buckets are rows every gateway on the store
shares (all buyers behind one address share one), so holding their locks for a whole round of
writes would make the other gateways' rounds wait on this one's.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable

from cs_console.services.gateway import GatewayService, RoundOp

log = logging.getLogger("cs_console.gateway")
ROUND_LIMIT = 256  # writes in one transaction at most (a round stays short)


class Writer:
    def __init__(self, service: GatewayService):
        self.service = service
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="gateway-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._queue.put(None)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)

    async def run(self, fn: Callable[..., object], *args, **kwargs):
        """``fn(session, *args, **kwargs)`` in the next round; its result, or its exception."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((RoundOp(fn, *args, **kwargs), None, loop, future))
        return await future

    async def run_limited(self, limits: list[tuple[str, int, int]], fn: Callable[..., object], *args, **kwargs):
        """``run`` when a token of each of ``limits`` is left (and taken); None, without running
        ``fn``, when one of them is exhausted."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((RoundOp(fn, *args, **kwargs), limits, loop, future))
        return await future

    async def allow(self, limits: list[tuple[str, int, int]]) -> bool:
        """A token of each of ``limits`` taken (True), or one of them is exhausted (False)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((None, limits, loop, future))
        return await future

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            while len(items) < ROUND_LIMIT:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this round
                    break
                items.append(more)
            results = self._round(items)
            by_loop: dict[asyncio.AbstractEventLoop, list] = {}
            for (_, _, loop, future), result in zip(items, results, strict=True):
                by_loop.setdefault(loop, []).append((future, result))
            for loop, settled in by_loop.items():  # one wake-up of the event loop per round
                try:
                    loop.call_soon_threadsafe(_settle, settled)
                except RuntimeError:  # that loop is closed: nobody waits any more
                    pass

    def _round(self, items: list) -> list[object]:
        """Each item's result: its tokens first (all of the round's at once), then the writes of
        those granted, in one transaction."""
        limited = [i for i, (_, limits, _, _) in enumerate(items) if limits is not None]
        granted: dict[int, bool | Exception] = {}
        if limited:
            try:
                for i, ok in zip(limited, self.service.allow_each([items[i][1] for i in limited]), strict=True):
                    granted[i] = ok
            except Exception as exc:  # noqa: BLE001 - the store itself: those callers get it
                log.warning("taking a round's rate-limit tokens failed", exc_info=True)
                granted = dict.fromkeys(limited, exc)
        results: list[object] = [None] * len(items)
        writes: list[int] = []
        for i, (op, _, _, _) in enumerate(items):
            ok = granted.get(i, True)
            if isinstance(ok, Exception):
                results[i] = ok
            elif op is None:  # a bare check: the token is the answer
                results[i] = ok
            elif ok:
                writes.append(i)
            # refused: None, and the write does not run
        if writes:
            ops = [items[i][0] for i in writes]
            try:
                done = self.service.batch(ops)
            except Exception as exc:  # noqa: BLE001 - batch hands back each op's own failure; this is
                log.warning("a round of gateway writes failed", exc_info=True)  # the store itself
                done = [exc] * len(ops)
            for i, result in zip(writes, done, strict=True):
                results[i] = result
        return results


def _settle(settled: list) -> None:
    """Hand each waiting caller its result (on its event loop; a caller that gave up is skipped)."""
    for future, result in settled:
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
