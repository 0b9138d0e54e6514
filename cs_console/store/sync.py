"""Sync the handover book between two stores: the union of both event logs, both directions.

Events are keyed by UUID and never change, so merging is set union: idempotent (a second run
transfers 0), order-independent, and safe when two syncs run at once (insert-if-absent).

Every event read from the other side is checked by the domain before it is written; an invalid
one is left where it is and reported with the store id of the side that holds it. Between two
SQLite files the set difference and the copy are SQL on the receiving store with the sender's
file attached (one pass on the key index, one ``INSERT … SELECT``), the check a column at a
time; with PostgreSQL on either side the id sets are compared here and the rows move in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from cs_console.domain.handover_check import refused_rows
from cs_console.domain.messages import render
from cs_console.store import handover as repo
from cs_console.store.engine import Store, StoreError
from cs_console.store.errors import AttachError
from cs_console.store.sqlite_lock import write_attached

Progress = Callable[[str, int, int], None]  # (phase, done, total)
PEER = "sync_peer"  # the name the sending store's file is attached under


@dataclass(frozen=True, slots=True)
class SyncResult:
    sent: int
    received: int
    refused: tuple[str, ...] = ()  # one sentence per invalid event left where it was

    def as_dict(self) -> dict:
        out: dict = {"sent": self.sent, "received": self.received}
        if self.refused:
            out["refused"] = list(self.refused)
        return out


def _checked(src: Store, rows: list[tuple], refused: list[str]) -> set:
    """The ids of ``rows`` the domain refuses; each is reported with ``src``'s store id."""
    bad = refused_rows(rows)
    if bad:
        origin = src.store_id() or src.location
        refused.extend(render("sync.bad_event", store_id=origin, event=rows[i][0], reason=reason)
                       for i, reason in bad)
    return {rows[i][0] for i, _ in bad}


def _transfer(src: Store, dst: Store, ids: list[str], phase: str, progress: Progress | None,
              refused: list[str]) -> int:
    """Copy the events ``ids`` from ``src`` to ``dst`` in batches (either may be PostgreSQL)."""
    if not ids:
        return 0
    with src.read() as s:
        rows = repo.rows_by_id(s, ids)
    bad = _checked(src, rows, refused)
    rows = [r for r in rows if r[0] not in bad] if bad else rows
    done = len(bad)
    if progress:
        progress(phase, done, len(ids))

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(phase, done, len(ids))

    if not rows:
        return 0
    with dst.write() as s:  # all or nothing: one transaction per direction
        return repo.insert_rows(s, rows, on_chunk=tick)


def _sqlite_file(store: Store) -> str | None:
    """The file of a SQLite store that another store can attach (not PostgreSQL, memory or URI)."""
    if not store.is_sqlite:
        return None
    path = make_url(store.url).database
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def _transfer_attached(src: Store, dst: Store, phase: str, progress: Progress | None, refused: list[str]) -> int:
    """Copy into ``dst`` every event of the SQLite file of ``src`` that ``dst`` lacks, in one
    transaction: read the missing rows, check them, copy the valid ones by SQL."""
    with write_attached(dst, _sqlite_file(src), PEER, cache_kib=repo.BULK_CACHE_KIB) as raw:
        rows = repo.missing_from(raw, PEER)
        if progress:
            progress(phase, 0, len(rows))
        bad = _checked(src, rows, refused) if rows else set()
        inserted = repo.copy_missing_from(raw, PEER, rows, bad) if len(bad) < len(rows) else 0
    if progress:
        progress(phase, len(rows), len(rows))
    return inserted


def _both_attached(here: Store, other: Store, progress: Progress | None) -> tuple[int | None, int | None, list[str]]:
    """(sent, received, refused) between two SQLite files, both directions at once: each is
    one transaction on its receiving store (its own write lock only), SQLite works without the
    GIL, so one direction's checks overlap the other's SQL. None for a direction whose sender
    cannot be attached."""
    refused_here: list[str] = []
    refused_other: list[str] = []

    def receive() -> int | None:
        try:
            return _transfer_attached(other, here, "receive", progress, refused_other)
        except AttachError:
            return None

    with ThreadPoolExecutor(1, thread_name_prefix="sync-receive") as pool:
        received = pool.submit(receive)
        try:
            sent = _transfer_attached(here, other, "send", progress, refused_here)
        except AttachError:
            sent = None
        return sent, received.result(), refused_here + refused_other


def sync_stores(here: Store, other: Store, progress: Progress | None = None) -> SyncResult:
    """Make both stores hold the union of their handover events. ``sent`` = events inserted
    into ``other``, ``received`` = events inserted here."""
    if here.store_id() and here.store_id() == other.store_id():
        raise StoreError(render("sync.same_store", location=other.location, store_id=here.store_id()[:8]))
    sent = received = None
    refused: list[str] = []
    if _sqlite_file(here) and _sqlite_file(other):
        if progress:
            progress("compare", 1, 1)
        sent, received, refused = _both_attached(here, other, progress)
    if sent is None or received is None:  # PostgreSQL on a side, or a file that cannot be attached
        with here.read() as s:
            mine = repo.all_ids(s)
        with other.read() as s:
            theirs = repo.all_ids(s)
        if progress:
            progress("compare", 1, 1)
        if sent is None:
            sent = _transfer(here, other, list(mine - theirs), "send", progress, refused)
        if received is None:
            received = _transfer(other, here, list(theirs - mine), "receive", progress, refused)
    return SyncResult(sent, received, tuple(refused))
