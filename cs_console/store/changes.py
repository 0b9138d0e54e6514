"""Change detection: has anyone committed to the store since I last looked?

SQLite: ``PRAGMA data_version`` on a dedicated connection changes when another connection
commits (microseconds to ask). PostgreSQL: LISTEN on the channel every write NOTIFYs.
"""

from __future__ import annotations

import sqlite3
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
    """LISTENs on the store's channel; ``changed()`` drains pending notifications."""

    def __init__(self, url: str):
        import psycopg

        u = make_url(url).set(drivername="postgresql")
        self._conn = psycopg.connect(u.render_as_string(hide_password=False), autocommit=True)
        self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def changed(self) -> bool:
        got = False
        for _ in self._conn.notifies(timeout=0, stop_after=1000):
            got = True
        return got

    def close(self) -> None:
        self._conn.close()


def watch(store: Store) -> ChangeWatcher:
    """A watcher for ``store``'s backend."""
    if store.is_sqlite:
        return SQLiteWatcher(make_url(store.url).database)
    return PostgresWatcher(store.url)
