"""What the store loop knows of the store's health (``domain.store_health``) and when it tries
reads and writes again: a locked, full, read-only or unreachable store is told to the desk once
per change (:class:`StoreStatus`), and each kind of access backs off on its own, from
``RETRY_MIN`` doubling up to ``RETRY_MAX``, until it works again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cs_console.domain.store_health import Health
from cs_console.tui.store_snapshots import StoreStatus

RETRY_MIN, RETRY_MAX = 0.25, 2.0  # backoff while the store is in trouble


class Backoff:
    """When one kind of access (reads or writes) may be tried again after store trouble."""

    def __init__(self) -> None:
        self.retry_at = 0.0  # time.monotonic() from which the next try may run
        self._pause = RETRY_MIN

    def failed(self) -> None:
        self.retry_at = time.monotonic() + self._pause
        self._pause = min(self._pause * 2, RETRY_MAX)

    def worked(self) -> None:
        self._pause, self.retry_at = RETRY_MIN, 0.0


class StoreTrouble:
    """The store's health as the desk is told it, and the loop's backoffs for reads and writes.

    ``publish`` gets a :class:`StoreStatus` each time the health or "reads fail" changes."""

    def __init__(self, publish: Callable[[StoreStatus], Any]):
        self._publish = publish
        self.health = Health.OK
        self.read_failed = False
        self.reads, self.writes = Backoff(), Backoff()

    def set(self, health: Health, read_failed: bool = False) -> None:
        if (health, read_failed) != (self.health, self.read_failed):
            self.health, self.read_failed = health, read_failed
            self._publish(StoreStatus(health, read_failed))

    def failed(self, health: Health, *, write: bool) -> None:
        """A read or write met ``health``: say so and wait before the next try of that kind."""
        if write:
            self.set(health, self.read_failed)
            self.writes.failed()
        else:
            self.set(health if self.health in (Health.OK, Health.OFFLINE) else self.health, True)
            self.reads.failed()

    def worked(self, *, write: bool) -> None:
        """A read or write went through: that kind runs again at once, and the desk hears it."""
        if write:
            self.writes.worked()
            if self.health != Health.OK:
                self.set(Health.OK, self.read_failed)
        else:
            self.reads.worked()
            if self.health == Health.OFFLINE:  # reads work again: writes will tell if more is wrong
                self.set(Health.OK, False)
            elif self.read_failed:
                self.set(self.health, False)
