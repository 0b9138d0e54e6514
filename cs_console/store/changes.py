"""Change detection: has anyone committed to the store since I last looked?

SQLite: ``PRAGMA data_version`` on a dedicated connection changes when another connection
commits (microseconds to ask). PostgreSQL: LISTEN on the channel every write NOTIFYs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.engine import make_url

from cs_console.store.engine import NOTIFY_CHANNEL, Store


class ChangeWatcher(Protocol):
    def changed(self) -> bool:
        """True once per batch of commits made since the previous call."""

    def close(self) -> None: ...


class SQLiteWatcher:
    """Polls ``PRAGMA data_version`` (cheap; no table is read)."""

    def __init__(self, path: str):
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._last = self._version()

    def _version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        now = self._version()
        if now != self._last:
            self._last = now
            return True
        return False

    def close(self) -> None:
        self._conn.close()


class PostgresWatcher:
    """LISTENs on the store's channel; ``changed()`` drains pending notifications.

    ``own_pid``: the server process of the caller's own writing connection — its NOTIFYs are
    not news to it and are skipped. A lost connection raises from ``changed()`` (the caller
    says so and calls again: the watcher reconnects, and reports a change, since commits may
    have been missed meanwhile)."""

    def __init__(self, url: str, own_pid: Callable[[], int | None] | None = None, *, connect_timeout: float = 3):
        u = make_url(url).set(drivername="postgresql")
        self._dsn = u.render_as_string(hide_password=False)
        self._own_pid = own_pid or (lambda: None)
        self._timeout = connect_timeout
        self._conn = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=max(1, int(self._timeout)))
        self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def changed(self) -> bool:
        if self._conn is None or self._conn.closed:
            self._conn = None
            self._connect()
            return True  # reconnected: whatever was committed while away has to be read
        got = False
        own = self._own_pid()
        try:
            for n in self._conn.notifies(timeout=0, stop_after=1000):
                if n.pid != own:
                    got = True
        except Exception:
            self.close()
            raise
        return got

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


class PinnedWatcher:
    """``data_version`` of a pinned store's own connection (``Store.pinned``): moves only when
    another connection commits, so the writes made through that store are never news."""

    def __init__(self, store: Store):
        self._store = store
        self._last = store.data_version()

    def changed(self) -> bool:
        now = self._store.data_version()
        if now != self._last:
            self._last = now
            return True
        return False

    def close(self) -> None:
        pass


def watch(store: Store) -> ChangeWatcher:
    """A watcher for ``store``'s backend."""
    if store.is_sqlite:
        return SQLiteWatcher(make_url(store.url).database)
    return PostgresWatcher(store.url)


def watch_others(pinned: Store) -> ChangeWatcher:
    """A watcher that hears every commit except those made through ``pinned`` itself."""
    if pinned.is_sqlite:
        return PinnedWatcher(pinned)
    return PostgresWatcher(pinned.url, own_pid=lambda: pinned.backend_pid)
