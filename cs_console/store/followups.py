"""Repository for follow-ups: follow-up records, unpaid orders, chats that may be unserved,
imported reviews, and agent-started chats. Functions take an open Session."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus, Sender
from cs_console.domain.followups import FollowupKind
from cs_console.store import chats as chat_repo
from cs_console.store.tables import (
    Agent,
    Buyer,
    Chat,
    FollowUpRecord,
    Message,
    Order,
    Review,
)


def latest_records(s: Session, kind: FollowupKind) -> dict[str, FollowUpRecord]:
    """The latest record per key of one kind."""
    rows = s.exec(select(FollowUpRecord).where(FollowUpRecord.kind == kind.value)
                  .order_by(col(FollowUpRecord.id))).all()
    return {r.key: r for r in rows}


def add_record(s: Session, kind: FollowupKind, key: str, agent: str, at: datetime, note: str) -> None:
    s.add(FollowUpRecord(kind=kind.value, key=str(key), at=at, agent=agent, note=note))


def order_by_no(s: Session, order_no: str) -> Order | None:
    return s.exec(select(Order).where(Order.order_no == order_no.strip())).first()


def unpaid_orders(s: Session) -> list[tuple[Order, str]]:
    """(order, buyer nick) of every WAIT_BUYER_PAY order, oldest first."""
    return list(s.exec(select(Order, Buyer.nick).join(Buyer, col(Buyer.id) == Order.buyer_id)
                       .where(Order.state == "WAIT_BUYER_PAY").order_by(col(Order.placed_at))).all())


def buyer_chats(s: Session, since: datetime | None = None) -> list[tuple[Chat, str, bool]]:
    """(chat, buyer nick, answered by an agent at all) for chats a buyer started, oldest first."""
    answered = exists().where(Message.chat_id == Chat.id, Message.sender == Sender.AGENT.value)
    q = (select(Chat, Buyer.nick, answered.label("answered")).join(Buyer, col(Buyer.id) == Chat.buyer_id)
         .where(col(Chat.first_buyer_at).is_not(None)))
    if since is not None:
        q = q.where(Chat.opened_at >= since)
    return [(c, nick, bool(a)) for c, nick, a in s.exec(q.order_by(col(Chat.opened_at))).all()]


def find_review(s: Session, order_no: str, buyer: str, day: date) -> Review | None:
    return s.exec(select(Review).where(Review.order_no == order_no, Review.buyer_nick == buyer,
                                       Review.day == day)).first()


def list_reviews(s: Session) -> list[Review]:
    return list(s.exec(select(Review).order_by(col(Review.day), col(Review.id))).all())


def open_or_start_chat(s: Session, buyer: Buyer, agent: Agent, now: datetime) -> Chat:
    """The buyer's open chat, else a new agent-started one (nobody waits, so no wait clock runs)."""
    chat = chat_repo.open_chat_of(s, buyer)
    if chat is None:
        chat = Chat(buyer_id=buyer.id, agent_id=agent.id, status=ChatStatus.SERVING.value, opened_at=now,
                    last_message_at=now, last_preview="（客服发起）")
        s.add(chat)
        s.flush()
    return chat
