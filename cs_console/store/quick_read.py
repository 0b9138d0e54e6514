"""Reads for the CLI's listing commands through the standard library's ``sqlite3``: no
SQLAlchemy, no SQLModel tables, no schema work. Used only on a SQLite store whose recorded
schema matches this code (``schema_version`` and ``schema_source``, as ``Store.init`` checks);
for anything else (PostgreSQL, a new or older store, a file that cannot be opened read-only)
:func:`open_current` answers None and the caller opens the store the usual way, which creates,
upgrades or refuses it with its own messages.

Each query here reads the same columns as its SQLAlchemy twin and hands rows to the same
domain types; the rules (order, formatting) stay in ``cs_console.domain``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from cs_console.domain.clock import as_utc
from cs_console.store.schema_source import SCHEMA_VERSION, schema_source

BUSY_TIMEOUT_S = 5.0  # as the engine's busy timeout: a reader waits out a checkpoint


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store named by a path or a plain ``sqlite:///`` URL, else None
    (PostgreSQL, in-memory and URI-style SQLite stores go through the engine)."""
    if "://" not in url:
        return Path(url).expanduser().resolve()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///file:"):
        rest = url[len("sqlite:///"):]
        if rest and rest != ":memory:" and "?" not in rest:
            return Path(rest)
    return None


def open_current(url: str) -> sqlite3.Connection | None:
    """A read-only connection to the SQLite store at ``url`` when its schema is this code's,
    else None (see the module's docstring)."""
    path = sqlite_path(url)
    if path is None or not path.is_file() or not os.access(path.parent, os.W_OK):
        return None  # a read-only folder: the engine's immutable fallback knows what to do
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        current = (meta.get("schema_version") == str(SCHEMA_VERSION) and "store_id" in meta
                   and meta.get("schema_source") == schema_source())
    except sqlite3.Error:
        current = False
    if not current:
        conn.close()
        return None
    return conn


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction (every query inside sees the same store), closed at the end."""
    try:
        conn.execute("BEGIN")
        yield conn
    finally:
        conn.close()


def utc(value: str | None) -> datetime | None:
    """A datetime column as SQLAlchemy's SQLite dialect stores it, read back as aware UTC
    (``store.types.UTCDateTime``)."""
    return None if value is None else as_utc(datetime.fromisoformat(value))


def instant(value: datetime) -> str:
    """A datetime bound to a query as SQLAlchemy's SQLite dialect writes it (naive UTC text),
    so that comparisons with stored values hold as through the engine."""
    return as_utc(value).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
