"""The session list's rows read through SQLAlchemy Core: SQL text over the tables' columns, so
``cs-console chat list`` needs neither the ORM tables nor SQLModel loaded (``store/chats.py``
reads the same rows for the TUI through its session)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection

from cs_console.domain.chat import ChatStatus, ChatSummary, session_order
from cs_console.store.types import UTCDateTime

if TYPE_CHECKING:
    from cs_console.store.engine import Store

_SUMMARY = ("SELECT c.id, b.nick, c.status, c.unread, c.last_preview, c.last_message_at, c.waiting_since, "
            "c.first_response_seconds, a.name, c.opened_at FROM chats c JOIN buyers b ON b.id = c.buyer_id "
            "LEFT OUTER JOIN agents a ON a.id = c.agent_id")


def summary_row(r) -> ChatSummary:
    """A session-list row from the columns in ``_SUMMARY``'s order."""
    return ChatSummary(chat_id=r[0], buyer_nick=r[1], status=ChatStatus(r[2]), unread=r[3], preview=r[4],
                       last_message_at=r[5], waiting_since=r[6], first_response_seconds=r[7], agent=r[8],
                       opened_at=r[9])


@cache
def _list_statement(include_closed: bool):
    sql = _SUMMARY if include_closed else f"{_SUMMARY} WHERE c.status != 'closed'"
    return text(sql).columns(last_message_at=UTCDateTime(), waiting_since=UTCDateTime(), opened_at=UTCDateTime())


def list_chats(conn: Connection, *, include_closed: bool = False) -> list[ChatSummary]:
    """Open chats (and closed ones if asked), unsorted; see ``domain.chat.session_order``."""
    return [summary_row(r) for r in conn.execute(_list_statement(include_closed))]


def sessions(store: Store, *, include_closed: bool = False) -> list[ChatSummary]:
    """Open chats (and closed ones if asked) in session-list order (waiting first, longest wait
    first), in one read."""
    with store.read_rows() as conn:
        return session_order(list_chats(conn, include_closed=include_closed))
