"""Quick-reply usage counts read through SQLAlchemy Core (SQL text over the tables' columns), so
``cs-console replies search|usage`` need neither the ORM tables nor SQLModel loaded, or the same
text through ``sqlite3`` alone on a current SQLite store (``store/quick_read.py``); the count
itself is written by ``store/replies.record_use``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Connection

_COUNTS = ("SELECT u.code, u.count FROM quick_reply_usage u JOIN agents a ON a.id = u.agent_id "
           "WHERE a.name = :agent")
_REPORT = ("SELECT a.name, u.code, u.count, u.last_used_at FROM quick_reply_usage u JOIN agents a ON a.id = u.agent_id "
           "ORDER BY u.count DESC, a.name, u.code")


def usage_counts(conn: Connection, agent_name: str) -> dict[str, int]:
    """``{code: uses}`` for one agent (empty for an unknown agent)."""
    from sqlalchemy import text

    return {code: count for code, count in conn.execute(text(_COUNTS), {"agent": agent_name.strip()})}


def usage_counts_quick(conn: sqlite3.Connection, agent_name: str) -> dict[str, int]:
    """:func:`usage_counts` through ``sqlite3``."""
    return {code: count for code, count in conn.execute(_COUNTS, {"agent": agent_name.strip()})}


def usage_report(conn: Connection) -> list[tuple[str, str, int, datetime]]:
    """``(agent, code, uses, last used)`` for every agent, most used first (supervisor's report)."""
    from sqlalchemy import text

    from cs_console.store.types import UTCDateTime

    return [tuple(r) for r in conn.execute(text(_REPORT).columns(last_used_at=UTCDateTime()))]
