"""Plain SQL on the driver's own connection, for the few statements a busy gateway runs hundreds
of times a second (a buyer's line, a rate-limit count, a read report).

SQLAlchemy Core costs ~50–100 µs of CPU per statement (cache key, compiled-parameter set-up,
result wrapping) against ~5–10 µs for the driver; on the gateway's hot path that was most of
the work. Statements are written once in ``:name`` style (sqlite3's own) and turned into
``%(name)s`` for psycopg. Values go in as the column types would bind them (``when``), and a
driver error comes out as SQLAlchemy's (``IntegrityError`` for a lost unique-key race, so the
callers' retry rules stay the same).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

_NAME = re.compile(r"(?<![:\w]):(\w+)")


@cache
def _pyformat(sql: str) -> str:
    return _NAME.sub(r"%(\1)s", sql)


class PlainSQL:
    """The open transaction of a session (or Core connection) as the driver sees it."""

    __slots__ = ("raw", "postgres", "_errors")

    def __init__(self, s: Session | Connection):
        conn = s.connection() if isinstance(s, Session) else s
        self.raw = conn.connection.driver_connection
        self.postgres = conn.dialect.name == "postgresql"
        self._errors = conn.dialect.loaded_dbapi.Error

    def when(self, value: datetime | None):
        """A datetime as ``UTCDateTime`` binds it: naive UTC text on SQLite (SQLAlchemy's
        storage format), aware on PostgreSQL."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value if self.postgres else value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def read_when(value) -> datetime | None:
        """A ``UTCDateTime`` column as read by the driver (text on SQLite) as an aware datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def execute(self, sql: str, params: dict | None = None):
        try:
            return self.raw.execute(_pyformat(sql) if self.postgres else sql, params or {})
        except self._errors as exc:
            raise DBAPIError.instance(sql, params, exc, self._errors, hide_parameters=True) from exc

    def executemany(self, sql: str, rows: list[dict]) -> None:
        try:
            if self.postgres:
                with self.raw.cursor() as cur:
                    cur.executemany(_pyformat(sql), rows)
            else:
                self.raw.executemany(sql, rows)
        except self._errors as exc:
            raise DBAPIError.instance(sql, rows, exc, self._errors, hide_parameters=True) from exc

    def one(self, sql: str, params: dict | None = None):
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: dict | None = None) -> list:
        return self.execute(sql, params).fetchall()


def placeholders(prefix: str, values: list) -> tuple[str, dict]:
    """``:p0, :p1, …`` and their parameters, for an ``IN (…)`` list."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(":" + n for n in names), dict(zip(names, values, strict=True))
