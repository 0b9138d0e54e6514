"""SQLite's write lock: how this project's connections take it, and a write with another SQLite
file attached.

Every connection runs WAL with foreign keys and a busy timeout, and writes start with BEGIN
IMMEDIATE, so a write either holds the lock from its first statement or waits for it.
:func:`take_write_lock` tries again while another writer (a long import) holds the lock;
:func:`write_attached` copies rows between two stores in one transaction of this store.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from cs_console.domain.messages import render
from cs_console.store.errors import AttachError

if TYPE_CHECKING:
    import sqlite3

    from sqlmodel import Session

    from cs_console.store.engine import Store

# SQLite's own busy handler sleeps longer the longer it has waited (up to 100 ms a nap), so a
# writer queued behind a few short transactions keeps missing the moments the lock is free and
# others overtake it: taking the write lock (BEGIN IMMEDIATE) waits at most this long inside
# SQLite (naps of 1, 2, 5 ms), then tries again after a short pause, until its deadline
LOCK_TRY_MS = 10
LOCK_PAUSE_SECONDS = 0.001


def sqlite_engine(url: str, busy_timeout_ms: int, **kw) -> Engine:
    """An engine whose connections run WAL, foreign keys and ``busy_timeout_ms``, and begin
    their transactions themselves: ``sqlite_begin`` (execution option) says how, and
    ``sqlite_lock_in_steps`` makes BEGIN IMMEDIATE wait only ``LOCK_TRY_MS`` inside SQLite."""
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
                           hide_parameters=True, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        options = conn.get_execution_options()
        mode = options.get("sqlite_begin", "DEFERRED")
        if not options.get("sqlite_lock_in_steps") or busy_timeout_ms <= LOCK_TRY_MS:
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        dbapi_conn = conn.connection.dbapi_connection
        dbapi_conn.execute(f"PRAGMA busy_timeout={LOCK_TRY_MS}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            dbapi_conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    return engine


def take_write_lock(session: Session | Connection, *, retry_for: float, busy_seconds: float,
                    in_steps: bool) -> None:
    """Take SQLite's write lock (BEGIN IMMEDIATE) before the caller's work starts, trying again
    while another writer (a long import) holds it, for up to ``retry_for`` seconds (at least
    ``busy_seconds`` when the lock is taken ``in_steps``). Each try then waits at most
    ``LOCK_TRY_MS`` inside SQLite, so a writer behind short transactions gets the lock within a
    few ms of its release."""
    start = time.monotonic()
    deadline = start + max(retry_for, busy_seconds if in_steps else 0)
    while True:
        try:
            # BEGIN IMMEDIATE (waits up to the busy timeout, or LOCK_TRY_MS when taken in steps)
            session.begin() if isinstance(session, Connection) else session.connection()
            return
        except OperationalError as exc:
            now = time.monotonic()
            if not is_locked(exc) or now >= deadline:
                raise
            session.rollback()
            # a short transaction holds the lock: try again soon; a long one (an import): back off
            time.sleep(LOCK_PAUSE_SECONDS if now - start < busy_seconds else min(1.0, (now - start) / 10))


def is_locked(exc: OperationalError) -> bool:
    """SQLite said another connection holds the lock."""
    text_ = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in text_ or "busy" in text_


@contextmanager
def write_attached(store: Store, path: str, alias: str, *, retry_for: float | None = None,
                   cache_kib: int | None = None) -> Iterator[sqlite3.Connection]:
    """A write transaction of ``store`` (as :meth:`Store.write`, SQLite only) with the SQLite
    file ``path`` attached as ``alias`` for its duration, so one statement can copy rows between
    two stores. The file is attached after BEGIN IMMEDIATE: only this store's write lock is
    taken (BEGIN IMMEDIATE would take every attached file's), and the other file is read in one
    snapshot for the whole transaction. Detached after the commit; yields the DBAPI connection.
    A file that cannot be attached raises :class:`AttachError` before any write.
    ``cache_kib``: the page cache of both files for this transaction (bulk copies)."""
    import sqlite3

    store._check_signed_in()
    if not store.is_sqlite:  # pragma: no cover - callers check the dialect
        raise NotImplementedError(store.dialect)
    with store._write_engine.connect() as conn:
        store._begin_write(conn, store.write_retry_for if retry_for is None else retry_for)
        raw = conn.connection.driver_connection
        try:
            raw.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
        except sqlite3.Error as exc:
            conn.rollback()
            raise AttachError(render("store.attach_failed", path=path, reason=type(exc).__name__)) from exc
        default_cache = raw.execute("PRAGMA main.cache_size").fetchone()[0]
        try:
            if cache_kib:
                raw.execute(f"PRAGMA main.cache_size=-{int(cache_kib)}")
                raw.execute(f"PRAGMA {alias}.cache_size=-{int(cache_kib)}")
            yield raw
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            try:
                raw.execute(f"DETACH DATABASE {alias}")
                raw.execute(f"PRAGMA main.cache_size={int(default_cache)}")
            except sqlite3.Error:  # pragma: no cover - never seen after a commit or rollback
                conn.invalidate()  # the pool must not hand the attachment out again
