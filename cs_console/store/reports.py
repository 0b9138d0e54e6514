"""Repository for reports: the period's figures counted and summed by the database (GROUP BY,
COUNT, SUM: no row per chat or order reaches Python), checklist marks, and a day's chats.

The period reads are SQL text over the tables' columns, so a report needs neither the ORM
tables nor SQLModel loaded (``cs-console report day`` starts without them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from cs_console.domain.report import PeriodFacts
from cs_console.store.report_sql import STATEMENTS, TIMES, gather, parameters, sql
from cs_console.store.types import UTCDateTime

if TYPE_CHECKING:
    from sqlmodel import Session

    from cs_console.store.tables import Chat


@cache
def _statement(name: str, dialect: str):
    text_ = sql(name, dialect)
    stmt = text(text_).bindparams(*(bindparam(t, type_=UTCDateTime()) for t in TIMES if f":{t}" in text_))
    return stmt.columns(replied_at=UTCDateTime()) if name == "responses" else stmt


def agent_names(s: Session | Connection) -> dict[int, str]:
    conn = s if isinstance(s, Connection) else s.connection()
    return dict(conn.execute(text(STATEMENTS["agents"])).all())


def period_facts(s: Session | Connection, t0: datetime, t1: datetime, window: timedelta,
                 unanswered_before: datetime) -> PeriodFacts:
    """Chats started and first responses given in [t0, t1), orders paid in [t0, t1) and those
    converting a chat of the period (paid within ``window``, whole hours, of its start), after-sales cases opened /
    closed in [t0, t1): counts and sums from the database, each range read from its index
    (chats.first_buyer_at, orders.paid_at, response_records.replied_at, aftersale_cases.created_at
    / closed_at). Only the first responses come as rows (their median and P90 are ours)."""
    conn = s if isinstance(s, Connection) else s.connection()
    dialect = conn.dialect.name
    params = parameters(t0, t1, window, unanswered_before)
    return gather(lambda name: conn.execute(_statement(name, dialect), params).all(), agent_names(conn))


def checklist_seen(s: Session, agent: str, day: date) -> bool:
    from sqlmodel import select

    from cs_console.store.tables import ChecklistMark

    return s.exec(select(ChecklistMark).where(ChecklistMark.agent == agent, ChecklistMark.day == day)).first() is not None


def mark_checklist(s: Session, agent: str, day: date, at: datetime) -> None:
    from cs_console.store.tables import ChecklistMark

    if not checklist_seen(s, agent, day):
        s.add(ChecklistMark(agent=agent, day=day, at=at))


def chats_opened(s: Session, t0: datetime, t1: datetime) -> list[tuple[Chat, str]]:
    """(chat, buyer nick) of the chats opened in [t0, t1), oldest first."""
    from sqlmodel import col, select

    from cs_console.store.tables import Buyer, Chat

    return list(s.exec(select(Chat, Buyer.nick).join(Buyer, col(Buyer.id) == Chat.buyer_id)
                       .where(Chat.opened_at >= t0, Chat.opened_at < t1).order_by(col(Chat.opened_at))).all())
