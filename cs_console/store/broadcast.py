"""Repository for broadcasts (群发): which buyers a filter selects, rate counts, the record."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from cs_console.domain.broadcast import UNPAID_STATE, BroadcastFilter, buyer_tags
from cs_console.domain.chat import ChatStatus
from cs_console.store.tables import Broadcast, BroadcastRecipient, Buyer, Chat, Order, OrderItem


def buyers_for(s: Session, f: BroadcastFilter, now: datetime) -> list[tuple[int, str]]:
    """(buyer id, nick) selected by the filter, by nick."""
    if f.kind == "unpaid":
        q = (select(Buyer.id, Buyer.nick).join(Order, Order.buyer_id == Buyer.id)
             .where(Order.state == UNPAID_STATE, Order.placed_at >= now - timedelta(hours=f.hours)))
    elif f.kind == "item":
        q = (select(Buyer.id, Buyer.nick).join(Order, Order.buyer_id == Buyer.id)
             .join(OrderItem, OrderItem.order_id == Order.id)
             .where(col(OrderItem.title).contains(f.value, autoescape=True)))
    else:
        rows = s.exec(select(Buyer.id, Buyer.nick, Buyer.tags)
                      .where(col(Buyer.tags).contains(f.value, autoescape=True))).all()
        return sorted({(i, n) for i, n, tags in rows if f.value in buyer_tags(tags)}, key=lambda r: r[1])
    return sorted(set(s.exec(q.distinct()).all()), key=lambda r: r[1])


def sent_since(s: Session, since: datetime) -> int:
    """Broadcast messages sent since ``since`` (the shop-wide rate limit)."""
    return s.exec(select(func.count()).select_from(BroadcastRecipient).where(BroadcastRecipient.at >= since)).one()


def reached_since(s: Session, since: datetime) -> set[int]:
    """Buyers who got a broadcast since ``since`` (per-buyer cooldown)."""
    return set(s.exec(select(BroadcastRecipient.buyer_id).where(BroadcastRecipient.at >= since)).all())


def add_broadcast(s: Session, *, agent: str, at: datetime, filter_: str, text: str, skipped: int) -> Broadcast:
    b = Broadcast(agent=agent, at=at, filter=filter_, text=text, skipped=skipped)
    s.add(b)
    s.flush()
    return b


def add_recipient(s: Session, b: Broadcast, buyer_id: int, chat_id: int, message_id: int) -> None:
    s.add(BroadcastRecipient(broadcast_id=b.id, buyer_id=buyer_id, chat_id=chat_id, message_id=message_id, at=b.at))
    b.count += 1


def broadcasts(s: Session, limit: int = 50) -> list[Broadcast]:
    return list(s.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)).all())


def outbound_chat(s: Session, buyer_id: int, now: datetime) -> Chat:
    """A conversation the shop starts (the buyer has no open chat)."""
    chat = Chat(buyer_id=buyer_id, opened_at=now, status=ChatStatus.SERVING)
    s.add(chat)
    s.flush()
    return chat
