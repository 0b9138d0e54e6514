"""Repository for the handover event log: append, read, and insert-if-absent for sync/import.

No update or delete path: the log is append-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from sqlalchemy import Text, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cs_console.domain.clock import as_utc
from cs_console.domain.handover import NoteEvent
from cs_console.domain.handover_check import event_time
from cs_console.store.handover_rows import RAW_SELECT, Quarantine, valid_events
from cs_console.store.tables import Agent, HandoverEvent, Message

if TYPE_CHECKING:
    import sqlite3

CHUNK = 500  # rows per batch (progress granularity; SQLAlchemy splits batches further)


def to_row(ev: NoteEvent) -> dict:
    """Column values of an event (for multi-row inserts)."""
    return {"id": ev.id, "note_id": ev.note_id, "kind": str(ev.kind), "at": ev.at, "author": ev.author,
            "origin": ev.origin, "data": dict(ev.data)}


def append(s: Session, ev: NoteEvent) -> None:
    """Add one new event in the caller's transaction."""
    s.add(HandoverEvent(**to_row(ev)))




def _columns():
    """The event columns, ``at`` and ``data`` as text: a row whose time or JSON cannot be decoded
    (year 9999 in another zone, nested thousands deep, not JSON at all) is quarantined by
    :func:`valid_events`, not raised in the middle of the fetch."""
    t = HandoverEvent.__table__
    return t, [t.c.id, t.c.note_id, t.c.kind, cast(t.c.at, Text).label("at"), t.c.author, t.c.origin,
               cast(t.c.data, Text).label("data")]


def events(s: Session, note_ids: Iterable[str] | None = None, bad: Quarantine | None = None) -> list[NoteEvent]:
    """Every valid event (or those of some notes), in (time, id) order; invalid rows are
    skipped and listed in ``bad``. Core rows, not ORM objects: the whole log is read to derive
    the board (10,000 events: ~0.2 s instead of ~0.8 s)."""
    t, cols = _columns()
    q = sa_select(*cols)
    if note_ids is not None:
        q = q.where(t.c.note_id.in_(list(note_ids)))
    return valid_events(s.connection().execute(q.order_by(t.c.at, t.c.id)).all(), bad)


def _raw(s: Session):
    """The DBAPI connection under the session's transaction (sync moves 100k rows: no ORM)."""
    return s.connection().connection.driver_connection


def _sqlite_time(at: datetime) -> str:
    """``at`` in SQLAlchemy's SQLite DATETIME storage format (naive UTC)."""
    if at.tzinfo is not UTC:
        at = as_utc(at)
    return at.isoformat(sep=" ", timespec="microseconds")[:-6]  # without "+00:00"


def _json(data) -> str:
    """An event's data as stored (most events carry none)."""
    return _to_json(data if type(data) is dict else dict(data)) if data else "{}"


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder (json.dumps with options builds one per call)
_COLUMNS = "id, note_id, kind, at, author, origin, data"


SCAN_OVER = 8 * CHUNK  # more ids than this: one pass over the table beats batches of key lookups
# SQLite page cache while many events are inserted (the default 2 MB spills index pages that
# the next rows need again)
BULK_CACHE_KIB = 64 * 1024
# SQLAlchemy's SQLite DATETIME text (naive UTC, microseconds): a checked ``at`` in exactly this
# form is stored as it came, any other valid form is rewritten in it
_STORED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")
_PG_UTC = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]{1,6})?\+00")


def rows_by_id(s: Session, ids: Sequence[str]) -> list[tuple]:
    """The stored rows (``id, note_id, kind, at, author, origin, data``; ``at`` and ``data`` as
    text, unchecked) with these ids, in key order: raw DBAPI rows, no SQL built per batch."""
    cur = _raw(s).cursor()
    mark = "?" if s.get_bind().dialect.name == "sqlite" else "%s"
    if len(ids) > SCAN_OVER:  # the table in rowid order (no key index walk), sorted here
        wanted = set(ids)
        cur.execute(RAW_SELECT)
        rows = [r for r in cur.fetchall() if r[0] in wanted]
        rows.sort(key=itemgetter(0))  # time-ordered ids: nearly sorted already, a linear pass
        return rows
    out: list[tuple] = []
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        cur.execute(f"{RAW_SELECT} WHERE id IN ({', '.join([mark] * len(chunk))}) ORDER BY id", chunk)
        out.extend(cur.fetchall())
    return out


def _storage_row(row: Sequence, sqlite: bool) -> tuple:
    """A checked row as this store writes it: ``at`` as text in the dialect's form (naive UTC
    for SQLite, with its offset for PostgreSQL), ``data`` as JSON text."""
    ev_id, note_id, kind, at, author, origin, data = row
    if type(at) is str and _STORED_AT.fullmatch(at):
        at = at if sqlite else at + "+00"
    elif type(at) is str and (utc := _PG_UTC.fullmatch(at)):  # how PostgreSQL writes a UTC time
        at = utc[1] + (utc[2] or ".").ljust(7, "0") if sqlite else at
    else:
        at = _sqlite_time(event_time(at)) if sqlite else event_time(at).isoformat()
    if data is None:
        data = "{}"
    elif not isinstance(data, str):
        data = _json(data)
    return (ev_id, note_id, kind, at, author, origin, data)


def insert_rows(s: Session, rows: Sequence[Sequence], on_chunk=None) -> int:
    """Insert rows the domain has checked (:func:`~cs_console.domain.handover_check.refused_rows`
    found nothing to refuse), as :func:`rows_by_id` read them from another store, if absent;
    returns how many were really inserted."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    rows = sorted(rows, key=itemgetter(0))  # key order, as insert_missing (no deadlocks on PostgreSQL)
    if not sqlite or len(rows) < SCAN_OVER:
        return _insert(s, [_storage_row(r, sqlite) for r in rows], on_chunk)
    raw = _raw(s)
    default_cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        return _insert(s, [_storage_row(r, sqlite) for r in rows], on_chunk)
    finally:
        raw.execute(f"PRAGMA cache_size={int(default_cache)}")


# a row of the attached store ``peer`` that this store (``main``) does not hold
_PEER_MISSING = ("FROM {peer}.handover_events p WHERE NOT EXISTS "
                 "(SELECT 1 FROM main.handover_events m WHERE m.id = p.id)")
_PEER_COLUMNS = "p.id, p.note_id, p.kind, CAST(p.at AS TEXT), p.author, p.origin, CAST(p.data AS TEXT)"


def missing_from(raw: sqlite3.Connection, peer: str) -> list[tuple]:
    """The rows of the attached store ``peer`` this one lacks (set difference in SQL, on the key
    index), as :func:`rows_by_id` reads them."""
    return raw.execute(f"SELECT {_PEER_COLUMNS} {_PEER_MISSING.format(peer=peer)}").fetchall()


def copy_missing_from(raw: sqlite3.Connection, peer: str, rows: Sequence[Sequence], refused: Iterable[str]) -> int:
    """Insert ``rows`` — what :func:`missing_from` returned in this transaction, checked by the
    domain — except the ``refused`` ids. Rows stored in this store's form are copied by one
    ``INSERT … SELECT`` from ``peer`` (the same snapshot of it, so the same rows and values that
    were checked); the few in another valid form (a time written with an offset) are rewritten
    and inserted one by one. Returns how many rows were inserted."""
    skip = set(refused)
    rewrite = [r for r in rows if r[0] not in skip and not (type(r[3]) is str and _STORED_AT.fullmatch(r[3]))]
    skip.update(r[0] for r in rewrite)
    sql = (f"INSERT OR IGNORE INTO main.handover_events ({_COLUMNS}) "
           f"SELECT p.id, p.note_id, p.kind, CAST(p.at AS TEXT), p.author, p.origin, "
           f"COALESCE(CAST(p.data AS TEXT), '{{}}') {_PEER_MISSING.format(peer=peer)}")
    if skip:  # ids as stored (any type a bad row may hold), compared by SQLite itself
        raw.execute("CREATE TEMP TABLE sync_skip (id PRIMARY KEY) WITHOUT ROWID")
        raw.executemany("INSERT OR IGNORE INTO temp.sync_skip VALUES (?)", [(i,) for i in skip])
        sql += " AND p.id NOT IN (SELECT id FROM temp.sync_skip)"
    before = raw.total_changes
    raw.execute(sql)
    copied = raw.total_changes - before
    if skip:
        raw.execute("DROP TABLE temp.sync_skip")
    if rewrite:
        before = raw.total_changes
        raw.executemany(f"INSERT OR IGNORE INTO main.handover_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [_storage_row(r, True) for r in rewrite])
        copied += raw.total_changes - before
    return copied


def note_ids_matching(s: Session, prefix: str) -> list[str]:
    """Note ids starting with ``prefix`` (the CLI accepts a short id)."""
    q = select(HandoverEvent.note_id).where(col(HandoverEvent.note_id).startswith(prefix.lower())).distinct()
    return list(s.exec(q).all())


def first_action(s: Session, agent: str, since: datetime) -> datetime | None:
    """When the agent first did something since ``since``: a chat reply or a handover event."""
    times = [
        s.exec(select(func.min(HandoverEvent.at)).where(HandoverEvent.author == agent,
                                                         col(HandoverEvent.at) >= since)).one(),
        s.exec(select(func.min(Message.created_at)).join(Agent, col(Agent.id) == Message.agent_id)
               .where(Agent.name == agent, col(Message.created_at) >= since)).one(),
    ]
    found = [as_utc(t) for t in times if t is not None]
    return min(found) if found else None


def all_ids(s: Session) -> set[str]:
    """The ids of every event in the store (sync compares these sets; read from the key index)."""
    cur = _raw(s).cursor()
    cur.execute("SELECT id FROM handover_events")
    return {r[0] for r in cur.fetchall()}


def count(s: Session) -> int:
    return int(s.exec(select(func.count()).select_from(HandoverEvent)).one())


def insert_missing(s: Session, evs: Sequence[NoteEvent], on_chunk=None) -> int:
    """Insert the events this store does not have yet (insert-if-absent, so two concurrent
    syncs never duplicate or fail); returns how many rows were really inserted.

    Raw ``executemany`` in key order: with time-ordered ids the key index grows at its end."""
    dialect = s.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - only SQLite and PostgreSQL stores
        raise NotImplementedError(dialect)
    sqlite = dialect == "sqlite"
    # the same order in every transaction: two syncs inserting overlapping sets into
    # PostgreSQL wait for each other instead of deadlocking
    evs = sorted(evs, key=attrgetter("id"))
    return _insert(s, [(e.id, e.note_id, e.kind.value, _sqlite_time(e.at) if sqlite else as_utc(e.at).isoformat(),
                        e.author, e.origin, _json(e.data)) for e in evs], on_chunk)


_PG_INSERT = (f"INSERT INTO handover_events ({_COLUMNS}) "
              "SELECT e->>0, e->>1, e->>2, (e->>3)::timestamptz, e->>4, e->>5, (e->>6)::json "
              "FROM json_array_elements(%s::json) AS e ORDER BY (e->>0) COLLATE \"C\" ON CONFLICT (id) DO NOTHING")
PG_CHUNK = 10 * CHUNK  # rows per statement on PostgreSQL (seven arrays, one round trip)


def _insert(s: Session, rows: list[tuple], on_chunk=None) -> int:
    """Insert-if-absent of column tuples (``at`` and ``data`` as text) in batches; how many
    rows were really inserted. SQLite: ``executemany``; PostgreSQL: one ``INSERT … SELECT``
    from arrays per batch (``executemany`` pays a protocol round per row)."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    raw = _raw(s)
    cur = raw.cursor()
    inserted = 0
    step = CHUNK if sqlite else PG_CHUNK
    for i in range(0, len(rows), step):
        chunk = rows[i:i + step]
        if sqlite:
            before = raw.total_changes
            cur.executemany(f"INSERT OR IGNORE INTO handover_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
            inserted += raw.total_changes - before
        else:
            cur.execute(_PG_INSERT, (_to_json(chunk),))
            inserted += max(cur.rowcount, 0)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return inserted
