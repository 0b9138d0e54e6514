"""The session list's rows read through SQLAlchemy Core, or through ``sqlite3`` on a current
SQLite store (``store/quick_read.py``): one SQL text over the tables' columns, so
``cs-console chat list`` needs neither the ORM tables nor SQLModel loaded (``store/chats.py``
reads the same rows for the TUI through its session)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from cs_console.domain.chat import ChatStatus, ChatSummary, session_order

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Connection

    from cs_console.store.engine import Store

_SUMMARY = ("SELECT c.id, b.nick, c.status, c.unread, c.last_preview, c.last_message_at, c.waiting_since, "
            "c.first_response_seconds, a.name, c.opened_at FROM chats c JOIN buyers b ON b.id = c.buyer_id "
            "LEFT OUTER JOIN agents a ON a.id = c.agent_id")


def summary_row(r) -> ChatSummary:
    """A session-list row from the columns in ``_SUMMARY``'s order."""
    return ChatSummary(chat_id=r[0], buyer_nick=r[1], status=ChatStatus(r[2]), unread=r[3], preview=r[4],
                       last_message_at=r[5], waiting_since=r[6], first_response_seconds=r[7], agent=r[8],
                       opened_at=r[9])


def _list_sql(include_closed: bool) -> str:
    return _SUMMARY if include_closed else f"{_SUMMARY} WHERE c.status != 'closed'"


@cache
def _list_statement(include_closed: bool):
    from sqlalchemy import text

    from cs_console.store.types import UTCDateTime

    return text(_list_sql(include_closed)).columns(last_message_at=UTCDateTime(), waiting_since=UTCDateTime(), opened_at=UTCDateTime())


def list_chats(conn: Connection, *, include_closed: bool = False) -> list[ChatSummary]:
    """Open chats (and closed ones if asked), unsorted; see ``domain.chat.session_order``."""
    return [summary_row(r) for r in conn.execute(_list_statement(include_closed))]


def sessions(store: Store, *, include_closed: bool = False) -> list[ChatSummary]:
    """Open chats (and closed ones if asked) in session-list order (waiting first, longest wait
    first), in one read."""
    with store.read_rows() as conn:
        return session_order(list_chats(conn, include_closed=include_closed))


def sessions_quick(conn: sqlite3.Connection, *, include_closed: bool = False) -> list[ChatSummary]:
    """:func:`sessions` through ``store.quick_read`` (the same query, datetimes read as the
    engine reads them)."""
    from cs_console.store.quick_read import utc

    return session_order([summary_row((*r[:5], utc(r[5]), utc(r[6]), *r[7:9], utc(r[9])))
                          for r in conn.execute(_list_sql(include_closed))])
