"""Sync the handover book between two stores: the union of both event logs, both directions.

Events are keyed by UUID and never change, so merging is set union: idempotent (a second run
transfers 0), order-independent, and safe when two syncs run at once (insert-if-absent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cs_console.domain.messages import render
from cs_console.store import handover as repo
from cs_console.store.engine import Store, StoreError

Progress = Callable[[str, int, int], None]  # (phase, done, total)


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


def _transfer(src: Store, dst: Store, ids: list[str], phase: str, progress: Progress | None,
              refused: list[str]) -> int:
    """Copy the events ``ids`` from ``src`` to ``dst``. Each is checked by the domain first; an
    invalid one (unknown priority, year 9999, over-long text …) is not written and is reported
    with the store id of the side that holds it."""
    if not ids:
        return 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(phase, done, len(ids))

    bad: repo.Quarantine = []
    with src.read() as s:
        evs = repo.events_by_id(s, sorted(ids), bad)
    if bad:
        origin = src.store_id() or src.location
        refused.extend(render("sync.bad_event", store_id=origin, event=event_id, reason=reason)
                       for event_id, reason in bad)
        if progress:
            progress(phase, len(bad), len(ids))
    if not evs:
        return 0
    done = len(bad)
    with dst.write() as s:  # all or nothing: one transaction per direction
        return repo.insert_missing(s, evs, on_chunk=tick)


def sync_stores(here: Store, other: Store, progress: Progress | None = None) -> SyncResult:
    """Make both stores hold the union of their handover events. ``sent`` = events inserted
    into ``other``, ``received`` = events inserted here."""
    if here.store_id() and here.store_id() == other.store_id():
        raise StoreError(render("sync.same_store", location=other.location, store_id=here.store_id()[:8]))
    with here.read() as s:
        mine = repo.all_ids(s)
    with other.read() as s:
        theirs = repo.all_ids(s)
    if progress:
        progress("compare", 1, 1)
    refused: list[str] = []
    sent = _transfer(here, other, list(mine - theirs), "send", progress, refused)
    received = _transfer(other, here, list(theirs - mine), "receive", progress, refused)
    return SyncResult(sent, received, tuple(refused))
