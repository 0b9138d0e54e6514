"""Opening a store: SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes; see
``sqlite_lock``) or PostgreSQL, chosen by URL; schema creation and the ``schema_version`` guard.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from cs_console.domain.messages import render
from cs_console.store.errors import StoreError, StoreVersionError
from cs_console.store.schema_source import SCHEMA_VERSION, schema_source
from cs_console.store.sqlite_lock import sqlite_engine, take_write_lock

if TYPE_CHECKING:

    from sqlmodel import Session

NOTIFY_CHANNEL = "cs_console_changes"
BUSY_TIMEOUT_MS = 5000
# a writer that finds the store locked (a long import) keeps trying this long before giving up;
# each try itself waits up to the busy timeout inside SQLite
WRITE_RETRY_SECONDS = 60.0


def normalize_url(url_or_path: str) -> str:
    """A path (``shop.db``, ``/tmp/x.db``) becomes a SQLite URL; ``postgresql://`` gets psycopg 3."""
    if "://" not in url_or_path:
        return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url_or_path.split("://", 1)[1]
    return url_or_path


def _safe_location(url: str) -> str:
    """The URL without its password (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparseable URL is shown by its scheme only
        return url.split("://", 1)[0] + "://…"


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line (no SQL, no parameters: engines hide them)."""
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).splitlines()[0][:200] if str(orig) else ''}"


class Store:
    """One database reached through short transactions: ``read()`` and ``write()``."""

    def __init__(self, url: str, *, single_connection: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 write_retry_for: float = WRITE_RETRY_SECONDS):
        """``single_connection``: every read and write goes through one connection (one thread
        only; see :meth:`pinned`). ``write_retry_for``: how long ``write()`` keeps trying a locked
        SQLite store by default."""
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # PostgreSQL reached without a password, refused: it waits for an agent's sign-in
        # (``use_login``); reads and writes until then say so
        self.awaiting_login = False
        self.write_retry_for = write_retry_for
        # write transactions begun on this handle: a caller tells a write that went through from
        # a call that needed none (the desk's store loop: only the former says writes work again)
        self.writes_begun = 0
        self._busy_seconds = busy_timeout_ms / 1000  # a write waits for the lock at least this long
        self._lock_in_steps = False
        self.backend_pid: int | None = None  # PostgreSQL: the server process of the last connection
        try:
            if self.dialect == "sqlite":
                path = make_url(self.url).database
                if path and path != ":memory:" and not path.startswith("file:"):
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                pool = {"poolclass": StaticPool} if single_connection else {}
                self.engine = sqlite_engine(self.url, busy_timeout_ms, **pool)
                self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            else:
                pool = {"pool_size": 1, "max_overflow": 0} if single_connection else {}
                self.engine = create_engine(self.url, pool_pre_ping=True, hide_parameters=True, **pool)
                self._write_engine = self.engine
                if single_connection:
                    event.listen(self.engine, "connect", self._remember_pid)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(render("store.cannot_open", location=_safe_location(self.url),
                                    reason=type(exc).__name__)) from exc

    def _remember_pid(self, dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        self.backend_pid = cur.fetchone()[0]
        cur.close()
        dbapi_conn.commit()

    def take_lock_in_steps(self) -> None:
        """From now on Store.write takes SQLite's write lock in short steps (see _begin_write):
        for a process of many short writes competing with others (the gateway's writer)."""
        if self.is_sqlite and not self._lock_in_steps:
            self._lock_in_steps = True
            self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_lock_in_steps=True)

    def pinned(self, *, busy_timeout_ms: int = 200) -> Store:
        """Another handle on the same database that does everything through one connection,
        for one thread (the TUI's store loop). Its writes fail fast on a locked SQLite store
        (the caller retries), and on SQLite its :meth:`data_version` changes only when *other*
        connections commit: the loop never wakes up for its own writes."""
        return Store(self.url, single_connection=True, busy_timeout_ms=busy_timeout_ms, write_retry_for=0)

    def readable_copy(self, *, single_connection: bool = False) -> Store | None:
        """A SQLite store on a read-only disk cannot even be read in WAL mode: this opens the
        same file as immutable, for reading only (None when that is no answer)."""
        if not self.is_sqlite or self.url.startswith("sqlite:///file:"):
            return None
        path = make_url(self.url).database
        return Store(f"sqlite:///file:{path}?immutable=1&uri=true", single_connection=single_connection,
                     write_retry_for=0)

    def health_of(self, exc: BaseException):
        """``domain.store_health.classify``, told by the file system when SQLite only says it
        cannot open the file: on a read-only disk (or a file nobody may write) that is READ_ONLY."""
        from cs_console.domain.store_health import Health, classify

        health = classify(exc)
        if health == Health.OFFLINE and self.is_sqlite and "unable to open" in str(exc).lower():
            path = Path(make_url(self.url).database.removeprefix("file:").split("?")[0])
            try:
                ro = bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY) or (path.exists() and not os.access(path, os.W_OK))
            except OSError:
                ro = False
            return Health.READ_ONLY if ro else health
        return health

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this store's connection (pinned stores: it moves
        only with other connections' commits)."""
        raw = self.engine.raw_connection()
        try:
            return raw.driver_connection.execute("PRAGMA data_version").fetchone()[0]
        finally:
            raw.close()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def location(self) -> str:
        """Human-readable place of the store (a file path, or the URL without password)."""
        u = make_url(self.url)
        return u.database if self.is_sqlite else u.render_as_string(hide_password=True)

    def use_login(self, url: str) -> None:
        """Reach the same store as another login (an agent's role or session role): the new
        connection is checked first; on failure nothing changes (StoreError)."""
        fresh = Store(url)
        try:
            fresh.check_version()
        except StoreError:
            fresh.dispose()
            raise
        old = self.engine
        self.url, self.engine, self._write_engine = fresh.url, fresh.engine, fresh._write_engine
        if self._lock_in_steps:
            self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_lock_in_steps=True)
        self.awaiting_login = False
        old.dispose()

    def _check_signed_in(self) -> None:
        if self.awaiting_login:
            raise StoreError(render("store.login_first", location=self.location))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (deferred transaction; rolled back at the end)."""
        self._check_signed_in()
        with _session_class()(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def read_rows(self) -> Iterator[Connection]:
        """A read-only unit of work on a Core connection (deferred transaction, rolled back at
        the end), for reads that need no ORM rows: SQLModel and the tables are not loaded."""
        self._check_signed_in()
        with self.engine.connect() as conn, conn.begin() as tx:
            yield conn
            tx.rollback()

    def _begin_write(self, session: Session | Connection, retry_for: float) -> None:
        """SQLite: take the write lock before the caller's work starts, trying again for up to
        ``retry_for`` seconds while another writer holds it (``sqlite_lock.take_write_lock``)."""
        if self.is_sqlite:
            take_write_lock(session, retry_for=retry_for, busy_seconds=self._busy_seconds,
                            in_steps=self._lock_in_steps)
        self.writes_begun += 1

    @contextmanager
    def write(self, *, retry_for: float | None = None) -> Iterator[Session]:
        """One user action = one transaction: BEGIN IMMEDIATE on SQLite, commit or roll back.

        A locked SQLite store is tried again for ``retry_for`` seconds before the write fails.
        On PostgreSQL the commit also NOTIFYs watchers (see ``store.changes``)."""
        self._check_signed_in()
        with _session_class()(self._write_engine, expire_on_commit=False) as session:
            self._begin_write(session, self.write_retry_for if retry_for is None else retry_for)
            try:
                yield session
                if not self.is_sqlite:
                    session.exec(text(f"NOTIFY {NOTIFY_CHANNEL}"))
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # ---- schema -------------------------------------------------------------------------
    def _meta(self) -> dict[str, str] | None:
        """The ``meta`` rows in one small read, or None for a database without the table."""
        try:
            with self.engine.connect() as conn:
                return dict(conn.execute(text("SELECT key, value FROM meta")).all())
        except SQLAlchemyError:
            if inspect(self.engine).has_table("meta"):
                raise
            return None

    def schema_version(self) -> int | None:
        """The version recorded in the store, or None for an empty database."""
        meta = self._meta()
        return int(meta["schema_version"]) if meta and "schema_version" in meta else None

    def _checked_meta(self) -> dict[str, str] | None:
        try:
            meta = self._meta()
        except SQLAlchemyError as exc:
            raise StoreError(render("store.cannot_read", location=self.location, reason=_reason(exc))) from exc
        found = int(meta["schema_version"]) if meta and "schema_version" in meta else None
        if found is not None and found > SCHEMA_VERSION:
            raise StoreVersionError(render("store.newer_version", location=self.location, found=found,
                                           supported=SCHEMA_VERSION))
        return meta

    def check_version(self) -> None:
        """Refuse (without touching anything) a store written by a newer version."""
        self._checked_meta()

    def _up_to_date(self) -> bool:
        """Every table, column and meta row is there: opening needs no write at all (a read-only
        command never waits for, nor blocks, a writer)."""
        from sqlmodel import SQLModel

        from cs_console.store.migrate import missing_order_columns
        from cs_console.store.tables import Meta

        with self.engine.connect() as conn:
            have = set(inspect(conn).get_table_names())
            if not set(SQLModel.metadata.tables) <= have or missing_order_columns(conn):
                return False
        with self.read() as s:
            return s.get(Meta, "schema_version") is not None and s.get(Meta, "store_id") is not None

    def init(self) -> None:
        """Create missing tables and indexes and the ``schema_version``/``store_id`` rows
        (idempotent). A store whose recorded schema fingerprint matches this code's tables is
        up to date: one small read, no DDL and no write.

        The check is cheap: the store also records a hash of the source files that define the
        schema (``schema_source``); when it matches, the tables are not even imported. When only
        the fingerprint matches (a new version with the same tables), the new source hash is
        recorded, if the store can be written at once, so the next open is cheap again."""
        meta = self._checked_meta()
        complete = bool(meta) and "store_id" in meta and "schema_version" in meta
        source = schema_source()
        if complete and meta.get("schema_source") == source:
            return
        fingerprint = schema_fingerprint()
        if complete and meta.get("schema_fingerprint") == fingerprint:
            self._remember_source(source)
            return
        from sqlalchemy.schema import CreateIndex
        from sqlmodel import SQLModel

        from cs_console.store import append_only, pg_install, pg_roles
        from cs_console.store.migrate import upgrade_orders
        from cs_console.store.tables import Meta

        try:
            SQLModel.metadata.create_all(self.engine)
            with self.engine.begin() as conn:  # indexes added to tables an older version created
                for table in SQLModel.metadata.sorted_tables:
                    for index in table.indexes:
                        conn.execute(CreateIndex(index, if_not_exists=True))
            with self.write() as s:
                append_only.install(s.connection())
                upgrade_orders(s.connection())
                if not self.is_sqlite and pg_roles.is_installed(s.connection()):
                    pg_install.install(s.connection(), self.url)  # new tables get the agents' privileges
                if s.get(Meta, "schema_version") is None:
                    s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
                if s.get(Meta, "store_id") is None:
                    s.add(Meta(key="store_id", value=str(uuid.uuid4())))
                for key, value in (("schema_fingerprint", fingerprint), ("schema_source", source)):
                    row = s.get(Meta, key)
                    if row is None:
                        s.add(Meta(key=key, value=value))
                    else:
                        row.value = value
        except SQLAlchemyError as exc:
            raise StoreError(render("store.cannot_init", location=self.location, reason=_reason(exc))) from exc

    def _remember_source(self, source: str) -> None:
        """Record ``schema_source`` without waiting: a busy or read-only store keeps the older
        value (the next open compares fingerprints again)."""
        from cs_console.store.tables import Meta

        try:
            with self.write(retry_for=0) as s:
                row = s.get(Meta, "schema_source")
                if row is None:
                    s.add(Meta(key="schema_source", value=source))
                else:
                    row.value = source
        except (SQLAlchemyError, StoreError):
            pass

    def store_id(self) -> str:
        """This store's UUID (origin of events it writes; used by sync)."""
        from sqlmodel import select

        from cs_console.store.tables import Meta

        with self.read() as s:
            row = s.exec(select(Meta).where(Meta.key == "store_id")).first()
            return row.value if row else ""

    def dispose(self) -> None:
        self.engine.dispose()


def _session_class() -> type[Session]:
    """SQLModel's Session, imported with the first unit of work (a command that only reads
    through Core never loads SQLModel), with the length check hooked in."""
    from sqlmodel import Session

    from cs_console.store import lengths

    lengths.install()  # over-long strings are refused before the database sees them, on every backend
    return Session


def schema_fingerprint() -> str:
    """A short hash of every table, column and index this code defines: when the store records
    the same value, ``create_all`` has nothing to add and is skipped at start."""
    from sqlmodel import SQLModel

    import cs_console.store.tables  # noqa: F401  (registers every table)

    parts = []
    for t in sorted(SQLModel.metadata.tables.values(), key=lambda t: t.name):
        parts.append(t.name + "(" + ",".join(sorted(c.name for c in t.columns)) + ")["
                     + ",".join(sorted(i.name or "" for i in t.indexes)) + "]")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def open_store(url: str, *, init: bool = True) -> Store:
    """Open (and by default create/upgrade) the store at ``url`` (a path or SQLAlchemy URL)."""
    from cs_console.domain.store_health import Health

    store = Store(url)
    try:
        if init:
            store.init()
        else:
            store.check_version()
    except StoreError as exc:
        if _needs_login(store, exc):
            store.awaiting_login = True  # an agent's client before sign-in: the server wants a login
            return store
        # a store on a read-only disk: open it for reading (writes then say "read-only")
        copy = store.readable_copy() if store.health_of(exc.__cause__ or exc) == Health.READ_ONLY else None
        if copy is None:
            raise
        store.dispose()
        copy.check_version()
        return copy
    return store


def _needs_login(store: Store, exc: StoreError) -> bool:
    """PostgreSQL refused a URL without a password for want of one (not a wrong address)."""
    if store.is_sqlite or make_url(store.url).password is not None:
        return False
    reason = str(exc.__cause__ or exc).lower()
    return "no password supplied" in reason or "password authentication failed" in reason
