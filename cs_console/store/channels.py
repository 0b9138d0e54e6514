"""Repository for gateway channels, the buyers known on each, and inbound messages.

Functions take an open ``Session`` (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cs_console.domain.gateway import ChannelKind, MessageKind
from cs_console.domain.limits import ValueRefused
from cs_console.domain.text import one_line, truncate_cells
from cs_console.store import chats as chat_repo
from cs_console.store.tables import (
    Buyer,
    Channel,
    ChannelBuyer,
    ChannelMessage,
    Chat,
    Message,
    Meta,
    OutboxEntry,
)

__all__ = ["Channel", "ChannelBuyer", "IntegrityError"]  # re-exported for the service


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: int
    name: str
    kind: str
    webhook_url: str
    max_attempts: int
    broadcast_per_minute: int
    created_at: datetime
    revoked: bool


@dataclass(frozen=True, slots=True)
class Inbound:
    """What an inbound message produced (``duplicate``: the platform id was seen before)."""

    chat_id: int
    message_id: int
    buyer: str
    channel_buyer_id: int
    duplicate: bool


def view(c: Channel) -> ChannelView:
    return ChannelView(c.id, c.name, c.kind, c.webhook_url, c.max_attempts, c.broadcast_per_minute,
                       c.created_at, c.revoked_at is not None)


def add_channel(s: Session, *, name: str, kind: ChannelKind, token_hash: str, webhook_url: str,
                webhook_secret: str, max_attempts: int, broadcast_per_minute: int, by: str,
                now: datetime) -> Channel:
    if s.exec(select(Channel).where(Channel.name == name)).first() is not None:
        raise ValueRefused("channel.exists", name=name)
    c = Channel(name=name, kind=kind.value, token_hash=token_hash, webhook_url=webhook_url,
                webhook_secret=webhook_secret, max_attempts=max_attempts,
                broadcast_per_minute=broadcast_per_minute, created_at=now, created_by=by)
    s.add(c)
    s.flush()
    return c


def channel_named(s: Session, name: str) -> Channel | None:
    return s.exec(select(Channel).where(Channel.name == name)).first()


def active_channel(s: Session, name: str, kind: ChannelKind | None = None) -> Channel | None:
    c = channel_named(s, name)
    if c is None or c.revoked_at is not None or (kind is not None and c.kind != kind):
        return None
    return c


def channel_by_token_hash(s: Session, digest: str) -> Channel | None:
    if not digest:
        return None
    c = s.exec(select(Channel).where(Channel.token_hash == digest)).first()
    return c if c is not None and c.revoked_at is None else None


def list_channels(s: Session) -> list[ChannelView]:
    return [view(c) for c in s.exec(select(Channel).order_by(Channel.id)).all()]


def revoke(s: Session, name: str, now: datetime) -> Channel:
    c = channel_named(s, name)
    if c is None:
        raise chat_repo.NotFound("channel.unknown", name=name)
    if c.revoked_at is None:
        c.revoked_at = now
        c.token_hash = ""  # the old token can never match again
    return c


# ---- buyers on a channel --------------------------------------------------------------------
def link_of(s: Session, channel_id: int, external_id: str) -> ChannelBuyer | None:
    return s.exec(select(ChannelBuyer).where(ChannelBuyer.channel_id == channel_id,
                                             ChannelBuyer.external_id == external_id)).first()


def _nick_for(s: Session, channel: Channel, external_id: str, nick: str) -> str:
    """The store nick of a new channel buyer: the bridge's nick (a 千牛 nick meets the same buyer's
    orders), unless that nick already belongs to another buyer of this channel."""
    if channel.kind == ChannelKind.WEB:
        base = "访客" + external_id[:6]
    else:
        base = truncate_cells(one_line(nick), 60) or f"{channel.name}-{external_id[:12]}"
    candidate = base
    for extra in (8, 16, 32):
        buyer = s.exec(select(Buyer).where(Buyer.nick == candidate)).first()
        if buyer is None:
            return candidate
        taken = s.exec(select(ChannelBuyer).where(ChannelBuyer.buyer_id == buyer.id,
                                                  ChannelBuyer.channel_id == channel.id)).first()
        if taken is None and channel.kind != ChannelKind.WEB:
            return candidate
        candidate = f"{base}·{channel.name}-{external_id[:extra]}"
    return candidate


def ensure_link(s: Session, channel: Channel, external_id: str, nick: str, now: datetime) -> ChannelBuyer:
    link = link_of(s, channel.id, external_id)
    if link is None:
        buyer = chat_repo.ensure_buyer(s, _nick_for(s, channel, external_id, nick), now)
        link = ChannelBuyer(channel_id=channel.id, external_id=external_id, buyer_id=buyer.id)
        s.add(link)
        s.flush()
    return link


def add_inbound(s: Session, channel: Channel, *, external_id: str, nick: str, text: str,
                platform_message_id: str, now: datetime, order_no: str | None = None,
                kind: MessageKind = MessageKind.TEXT) -> Inbound:
    """A buyer's message from a channel; the same platform message id twice is one message."""
    seen = s.exec(select(ChannelMessage, Message.chat_id).join(Message, Message.id == ChannelMessage.message_id)
                  .where(ChannelMessage.channel_id == channel.id,
                         ChannelMessage.platform_message_id == platform_message_id)).first()
    link = ensure_link(s, channel, external_id, nick, now)
    buyer = s.get(Buyer, link.buyer_id)
    if seen is not None:
        return Inbound(seen[1], seen[0].message_id, buyer.nick, link.id, True)
    chat, msg = chat_repo.add_buyer_message(s, buyer.nick, text, now)
    s.add(ChannelMessage(message_id=msg.id, channel_id=channel.id, kind=kind.value, direction="in",
                         platform_message_id=platform_message_id, updated_at=now))
    link.last_inbound_at = now
    if order_no:
        link.order_no = order_no
    s.flush()
    return Inbound(chat.id, msg.id, buyer.nick, link.id, False)


def set_order_no(s: Session, link_id: int, order_no: str | None) -> None:
    link = s.get(ChannelBuyer, link_id)
    if link is not None:
        link.order_no = order_no


def order_nos_of(s: Session, buyer_id: int) -> list[str]:
    """Order numbers the buyer named on any channel (shown in the 订单 tab with their own)."""
    return [n for n in s.exec(select(ChannelBuyer.order_no).where(ChannelBuyer.buyer_id == buyer_id,
                                                                 col(ChannelBuyer.order_no).is_not(None))).all() if n]


def reply_link(s: Session, chat_id: int) -> tuple[ChannelBuyer, Channel] | None:
    """The channel an agent's reply in this chat leaves by: where the buyer wrote last."""
    chat = s.get(Chat, chat_id)
    if chat is None:
        return None
    row = s.exec(select(ChannelBuyer, Channel).join(Channel, Channel.id == ChannelBuyer.channel_id)
                 .where(ChannelBuyer.buyer_id == chat.buyer_id, col(Channel.revoked_at).is_(None))
                 .order_by(col(ChannelBuyer.last_inbound_at).desc().nulls_last(), col(ChannelBuyer.id).desc())).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """A line the buyer's own page may show: their messages and the agents' replies."""

    id: int
    sender: str
    text: str
    created_at: datetime
    delivery_id: str
    platform_message_id: str


def buyer_history(s: Session, link: ChannelBuyer, limit: int = 50) -> list[HistoryLine]:
    """The newest ``limit`` buyer/agent messages of this channel buyer's chats, oldest first."""
    rows = list(s.exec(select(Message, ChannelMessage.platform_message_id, OutboxEntry.delivery_id)
                       .join(Chat, Chat.id == Message.chat_id)
                       .join(ChannelMessage, ChannelMessage.message_id == Message.id, isouter=True)
                       .join(OutboxEntry, OutboxEntry.message_id == Message.id, isouter=True)
                       .where(Chat.buyer_id == link.buyer_id, col(Message.sender).in_(["buyer", "agent"]))
                       .order_by(col(Message.id).desc()).limit(limit)).all())
    rows.reverse()
    return [HistoryLine(m.id, m.sender, m.text, m.created_at, d or "", p or "") for m, p, d in rows]


def gateway_secret(s: Session, make: Callable[[], str]) -> str:
    """The key that signs buyers' cookies, shared by every gateway on this store."""
    row = s.get(Meta, "gateway_cookie_secret")
    if row is None:
        row = Meta(key="gateway_cookie_secret", value=make())
        s.add(row)
        s.flush()
    return row.value


def last_outbox_id(s: Session) -> int:
    return s.exec(select(func.max(OutboxEntry.id))).one() or 0


def named_orders(s: Session, nick: str) -> list:
    """Orders this buyer named on a channel (the page's 订单号 field) that exist in the store."""
    from cs_console.store.orders import view_of
    from cs_console.store.tables import Order

    buyer = s.exec(select(Buyer).where(Buyer.nick == one_line(nick))).first()
    if buyer is None:
        return []
    nos = order_nos_of(s, buyer.id)
    if not nos:
        return []
    return [view_of(s, o) for o in s.exec(select(Order).where(col(Order.order_no).in_(nos))).all()]
