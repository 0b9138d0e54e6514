"""The after-sales register's rows from SQL text over the tables' columns, through any driver:
``store/aftersales.py`` runs it on the session's connection, ``cs-console cases list`` on a
current SQLite store through ``sqlite3`` alone (``store/quick_read.py``). Amounts are read as
the stored fen, times as the driver gives them (text on SQLite), so both give the same views."""

from __future__ import annotations

from datetime import datetime

from cs_console.domain.aftersales import CaseState, CaseView, Handling, Reason
from cs_console.domain.clock import as_utc
from cs_console.domain.money import from_fen

_CASES = ("SELECT c.id, c.created_at, c.created_by, c.order_no, b.nick, c.chat_id, c.reason, c.note, c.handling, "
          "c.amount, c.return_tracking_no, c.state, c.updated_at, c.closed_at, o.flag FROM aftersale_cases c "
          "JOIN buyers b ON b.id = c.buyer_id JOIN orders o ON o.id = c.order_id")
ORDER = " ORDER BY c.created_at, c.id"


def cases_sql(*, case_id: bool = False, buyer_id: bool = False, open_only: bool = False, order_no: bool = False,
              created_from: bool = False, created_to: bool = False) -> str:
    """The register's query with the filters asked for (parameters ``:case_id``, ``:buyer_id``,
    ``:order_no``, ``:created_from``, ``:created_to``), oldest first."""
    where = [cond for on, cond in ((case_id, "c.id = :case_id"), (buyer_id, "c.buyer_id = :buyer_id"),
                                   (open_only, f"c.state != '{CaseState.CLOSED.value}'"),
                                   (order_no, "c.order_no = :order_no"),
                                   (created_from, "c.created_at >= :created_from"),
                                   (created_to, "c.created_at < :created_to")) if on]
    return _CASES + (" WHERE " + " AND ".join(where) if where else "") + ORDER


def _utc(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def case_view(r) -> CaseView:
    """A register row from the columns in :func:`cases_sql`'s order."""
    (id_, created_at, created_by, order_no, nick, chat_id, reason, note, handling, fen, tracking, state, updated_at,
     closed_at, flag) = r
    return CaseView(
        id=id_, created_at=_utc(created_at), created_by=created_by, order_no=order_no, buyer=nick, chat_id=chat_id,
        reason=Reason(reason), note=note, handling=Handling(handling),
        amount=None if fen is None else from_fen(int(fen)), return_tracking_no=tracking, state=CaseState(state),
        updated_at=_utc(updated_at), closed_at=_utc(closed_at), order_flag=flag or "grey")
