"""Repository for broadcasts (群发): which buyers a filter selects, rate counts, the record."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from cs_console.domain.broadcast import UNPAID_STATE, BroadcastFilter, buyer_tags
from cs_console.domain.chat import ChatStatus
from cs_console.store import chats as chat_repo
from cs_console.store import pg_chat_authority
from cs_console.store.tables import (
    Agent,
    Broadcast,
    BroadcastRecipient,
    Buyer,
    Chat,
    Message,
    Order,
    OrderItem,
)


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


def post(s: Session, b: Broadcast, buyer_id: int, chat: Chat, who: Agent, text_: str, now: datetime) -> Message:
    """One buyer's message of the broadcast (answering nobody) and its recipient record.

    On a PostgreSQL store with agents' logins an agent's message may land in a colleague's chat
    only this way: the server writes both rows (``cs_console_post_broadcast``: the broadcast is
    the login's own, each buyer once)."""
    if pg_chat_authority.moves_on_server(s):
        s.flush()

        def on_server(cleaned: str) -> Message:
            mid = s.exec(text("SELECT cs_console_post_broadcast(:b, :c, :t, :at)"),
                         params={"b": b.id, "c": chat.id, "t": cleaned, "at": now}).scalar_one()
            return s.get(Message, mid)

        msg = chat_repo.add_agent_message(s, chat.id, who, text_, now, answers=False, written_by=on_server)
    else:
        msg = chat_repo.add_agent_message(s, chat.id, who, text_, now, answers=False)
        s.add(BroadcastRecipient(broadcast_id=b.id, buyer_id=buyer_id, chat_id=chat.id, message_id=msg.id,
                                 at=b.at))
    b.count += 1
    return msg


def broadcasts(s: Session, limit: int = 50) -> list[Broadcast]:
    return list(s.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)).all())


def outbound_chat(s: Session, buyer_id: int, now: datetime) -> Chat:
    """A conversation the shop starts (the buyer has no open chat)."""
    chat = Chat(buyer_id=buyer_id, opened_at=now, status=ChatStatus.SERVING)
    s.add(chat)
    s.flush()
    return chat
