"""Repository for gateway channels, the buyers known on each, and inbound messages.

Functions take an open ``Session`` (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus, Sender
from cs_console.domain.gateway import ChannelKind, MessageKind
from cs_console.domain.limits import ValueRefused, check_message
from cs_console.domain.text import clean_text, one_line, truncate_cells
from cs_console.store import chats as chat_repo
from cs_console.store.channel_rows import ChannelView, view
from cs_console.store.tables import (
    Buyer,
    Channel,
    ChannelBuyer,
    ChannelMessage,
    Chat,
    Message,
    Meta,
    OutboxEntry,
    RateBucket,
)

__all__ = ["Channel", "ChannelBuyer", "ChannelView", "IntegrityError", "view"]  # re-exported for the service


@dataclass(frozen=True, slots=True)
class Inbound:
    """What an inbound message produced (``duplicate``: the platform id was seen before)."""

    chat_id: int
    message_id: int
    buyer: str
    channel_buyer_id: int
    duplicate: bool


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


# the statements of the usual inbound line, built once (a busy gateway runs them hundreds of times a second)
_SEEN = (select(ChannelMessage.message_id, Message.chat_id).join(Message, Message.id == ChannelMessage.message_id)
         .where(ChannelMessage.channel_id == bindparam("channel"),
                ChannelMessage.platform_message_id == bindparam("pmid")))
_LINK = (select(ChannelBuyer.id, ChannelBuyer.buyer_id, Buyer.nick).join(Buyer, Buyer.id == ChannelBuyer.buyer_id)
         .where(ChannelBuyer.channel_id == bindparam("channel"), ChannelBuyer.external_id == bindparam("external")))
_OPEN_CHAT = (select(Chat.id).where(Chat.buyer_id == bindparam("buyer"), Chat.status != ChatStatus.CLOSED.value)
              .order_by(col(Chat.id).desc()).limit(1))  # as chat_repo.open_chat_of
_ADD_LINE = insert(Message).values(chat_id=bindparam("chat"), sender=Sender.BUYER.value, agent_id=None,
                                   text=bindparam("text"), created_at=bindparam("now")).returning(Message.id)
_CHAT_WAITS = update(Chat).where(Chat.id == bindparam("chat")).values(
    status=ChatStatus.WAITING.value, unread=Chat.unread + 1, message_count=Chat.message_count + 1,
    first_buyer_at=func.coalesce(Chat.first_buyer_at, bindparam("now")),
    waiting_since=func.coalesce(Chat.waiting_since, bindparam("now")),
    last_message_at=bindparam("now"), last_preview=bindparam("preview"))
_ADD_CHANNEL_LINE = insert(ChannelMessage).values(
    message_id=bindparam("message"), channel_id=bindparam("channel"), kind=bindparam("kind"), direction="in",
    platform_message_id=bindparam("pmid"), status="", error="", updated_at=bindparam("now"))
_LINK_WROTE = update(ChannelBuyer).where(ChannelBuyer.id == bindparam("link")).values(
    last_inbound_at=bindparam("now"), order_no=func.coalesce(bindparam("order_no"), ChannelBuyer.order_no))
_CHANNEL_OPEN = select(Channel.id).where(Channel.id == bindparam("channel"), col(Channel.revoked_at).is_(None))


def channel_open(s: Session, channel_id: int) -> bool:
    return s.connection().execute(_CHANNEL_OPEN, {"channel": channel_id}).first() is not None


def add_inbound(s: Session, channel_id: int, *, external_id: str, nick: str, text: str,
                platform_message_id: str, now: datetime, order_no: str | None = None,
                kind: MessageKind = MessageKind.TEXT) -> Inbound:
    """A buyer's message from a channel; the same platform message id twice is one message.

    The usual case (a known buyer with an open chat) runs as a few column statements; a new
    buyer or a new chat goes through the chat repository's own rules (``add_buyer_message``)."""
    conn = s.connection()
    seen = conn.execute(_SEEN, {"channel": channel_id, "pmid": platform_message_id}).first()
    found = conn.execute(_LINK, {"channel": channel_id, "external": external_id}).first()
    if found is None:
        link = ensure_link(s, s.get(Channel, channel_id), external_id, nick, now)
        found = (link.id, link.buyer_id, s.get(Buyer, link.buyer_id).nick)
    link_id, buyer_id, buyer_nick = found
    if seen is not None:
        return Inbound(seen[1], seen[0], buyer_nick, link_id, True)
    chat_id = conn.execute(_OPEN_CHAT, {"buyer": buyer_id}).scalar()
    if chat_id is None:
        chat, msg = chat_repo.add_buyer_message(s, buyer_nick, text, now)
        chat_id, message_id = chat.id, msg.id
    else:  # add_buyer_message for a chat that is open already: the line, the chat waiting
        text = check_message(clean_text(text))
        message_id = conn.execute(_ADD_LINE, {"chat": chat_id, "text": text, "now": now}).scalar_one()
        conn.execute(_CHAT_WAITS, {"chat": chat_id, "now": now,
                                   "preview": truncate_cells(one_line(text), chat_repo.PREVIEW_CELLS)})
    conn.execute(_ADD_CHANNEL_LINE, {"message": message_id, "channel": channel_id, "kind": kind.value,
                                     "pmid": platform_message_id, "now": now})
    conn.execute(_LINK_WROTE, {"link": link_id, "now": now, "order_no": order_no or None})
    return Inbound(chat_id, message_id, buyer_nick, link_id, False)


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


# ---- rate limits shared by every gateway on the store ----------------------------------------
_BUCKETS = (select(RateBucket.key, RateBucket.tokens, RateBucket.at)
            .where(col(RateBucket.key).in_(bindparam("keys", expanding=True)))
            .order_by(RateBucket.key).with_for_update())  # PostgreSQL: rows locked in key order
_NEW_BUCKET = {postgres: upsert(RateBucket).on_conflict_do_nothing(index_elements=["key"])  # a new key starts full
               for postgres, upsert in ((False, sqlite_insert), (True, pg_insert))}
_REFILL = update(RateBucket).where(RateBucket.key == bindparam("k")).values(tokens=bindparam("t"), at=bindparam("now"))


def take_tokens(s: Session, buckets: list[tuple[str, float, float]], now: float) -> bool:
    """One token from each bucket ``(key, tokens per second, burst)``, all or none: True when
    every bucket had one. A new key starts full."""
    conn = s.connection()
    spec = {key: (rate, burst) for key, rate, burst in buckets}
    keys = sorted(spec)
    conn.execute(_NEW_BUCKET[conn.dialect.name == "postgresql"],
                 [{"key": k, "tokens": float(spec[k][1]), "at": now} for k in keys])
    level = {k: min(spec[k][1], tokens + max(0.0, now - at) * spec[k][0])
             for k, tokens, at in conn.execute(_BUCKETS, {"keys": keys}).all()}
    allowed = len(level) == len(keys) and all(t >= 1 for t in level.values())
    conn.execute(_REFILL, [{"k": k, "t": t - 1 if allowed else t, "now": now} for k, t in level.items()])
    return allowed


def forget_full_buckets(s: Session, idle_before: float) -> int:
    """Buckets nobody used since ``idle_before`` are full again: the same as no row."""
    return s.connection().execute(delete(RateBucket).where(RateBucket.at < idle_before)).rowcount
