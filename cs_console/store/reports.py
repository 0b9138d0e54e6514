"""Repository for reports: the raw facts of a period (columns, not entities: every datetime
costs a conversion — see bench/reports.py), checklist marks, and a day's chats."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus
from cs_console.domain.report import ChatFact, OrderFact, PeriodFacts, ResponseFact
from cs_console.store.tables import (
    AfterSaleCase,
    Agent,
    Buyer,
    Chat,
    ChecklistMark,
    Order,
    ResponseRecord,
)


def agent_names(s: Session) -> dict[int, str]:
    return dict(s.connection().execute(select(Agent.id, Agent.name)).all())


def period_facts(s: Session, t0: datetime, t1: datetime, orders_until: datetime) -> PeriodFacts:
    """Chats started and first responses given in [t0, t1), orders paid in [t0, orders_until),
    after-sales cases opened / closed in [t0, t1). Columns through Core (no ORM per row), each
    range read from its index (chats.first_buyer_at, orders.paid_at, response_records.replied_at,
    aftersale_cases.created_at / closed_at)."""
    names = agent_names(s)
    run = s.connection().execute
    chats = [
        ChatFact(buyer_id, names.get(agent_id) if agent_id else None, started, fr, status == ChatStatus.CLOSED)
        for buyer_id, agent_id, started, fr, status in run(
            select(Chat.buyer_id, Chat.agent_id, Chat.first_buyer_at, Chat.first_response_seconds, Chat.status)
            .where(Chat.first_buyer_at >= t0, Chat.first_buyer_at < t1)).all()
    ]
    orders = [OrderFact(*row) for row in run(
        select(Order.id, Order.buyer_id, Order.paid_at, Order.amount)
        .where(Order.paid_at >= t0, Order.paid_at < orders_until)).all()]
    responses = [ResponseFact(names.get(agent_id) if agent_id else None, at, seconds)
                 for agent_id, at, seconds in run(
                     select(ResponseRecord.agent_id, ResponseRecord.replied_at, ResponseRecord.seconds)
                     .where(ResponseRecord.first, ResponseRecord.replied_at >= t0,
                            ResponseRecord.replied_at < t1)).all()]
    opened = list(run(select(AfterSaleCase.created_by)
                      .where(AfterSaleCase.created_at >= t0, AfterSaleCase.created_at < t1)).scalars())
    closed = list(run(select(AfterSaleCase.closed_by)
                      .where(AfterSaleCase.closed_at >= t0, AfterSaleCase.closed_at < t1)).scalars())
    return PeriodFacts(chats, orders, responses, opened, closed)


def checklist_seen(s: Session, agent: str, day: date) -> bool:
    return s.exec(select(ChecklistMark).where(ChecklistMark.agent == agent, ChecklistMark.day == day)).first() is not None


def mark_checklist(s: Session, agent: str, day: date, at: datetime) -> None:
    if not checklist_seen(s, agent, day):
        s.add(ChecklistMark(agent=agent, day=day, at=at))


def chats_opened(s: Session, t0: datetime, t1: datetime) -> list[tuple[Chat, str]]:
    """(chat, buyer nick) of the chats opened in [t0, t1), oldest first."""
    return list(s.exec(select(Chat, Buyer.nick).join(Buyer, col(Buyer.id) == Chat.buyer_id)
                       .where(Chat.opened_at >= t0, Chat.opened_at < t1).order_by(col(Chat.opened_at))).all())
