"""Batched inserts/updates for imports: many rows in one ``executemany``.

On SQLite the rows go straight to the driver (``exec_driver_sql``), with money and time values
encoded by the caller (through :func:`codec`, while it builds each row tuple) exactly as the
``Money``/``UTCDateTime`` column types store them: integer fen, naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff``. SQLAlchemy's per-row parameter processing would otherwise cost
more than parsing the file. Other dialects use SQLAlchemy Core ``executemany`` with plain values.
tests/test_order_import.py checks that rows written here read back through the ORM unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Connection

BATCH = 5000


def _fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal("0.01")) * 100)


def _sqlite_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # naive form: drop "+00:00"


@dataclass(frozen=True, slots=True)
class Codec:
    """How the caller encodes money and time values while building its row tuples."""

    money: Callable[[Decimal | None], Any]
    time: Callable[[datetime | None], Any]


def _same(value: Any) -> Any:
    return value


def codec(conn: Connection) -> Codec:
    """SQLite: the column types' stored forms (rows go to the driver); others: values as they are."""
    return Codec(_fen, _sqlite_time) if conn.dialect.name == "sqlite" else Codec(_same, _same)


def insert_many(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                progress: Callable[[int], None] = lambda n: None) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order, money/time encoded with :func:`codec`) in batches."""
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for i in range(0, len(rows), BATCH):
            conn.exec_driver_sql(sql, rows[i:i + BATCH])
            progress(len(rows[i:i + BATCH]))
        return
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows[i:i + BATCH]])
        progress(len(rows[i:i + BATCH]))


def update_many(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                progress: Callable[[int], None] = lambda n: None) -> None:
    """UPDATE by primary key ``id``: each row is ``(*values in columns order, id)``."""
    if conn.dialect.name == "sqlite":
        sql = f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
        for i in range(0, len(rows), BATCH):
            conn.exec_driver_sql(sql, rows[i:i + BATCH])
            progress(len(rows[i:i + BATCH]))
        return
    stmt = update(table).where(table.c.id == bindparam("_id")).values(
        {c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns})
    for i in range(0, len(rows), BATCH):
        conn.execute(stmt, [{**{f"b_{c}": v for c, v in zip(columns, r[:-1], strict=True)}, "_id": r[-1]}
                            for r in rows[i:i + BATCH]])
        progress(len(rows[i:i + BATCH]))
