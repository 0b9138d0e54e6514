"""Repository for gateway channels, the buyers known on each, and inbound messages.

Functions take an open ``Session`` (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cs_console.domain.gateway import ChannelKind, MessageKind
from cs_console.domain.limits import MAX_BUYER_NICK, ValueRefused, check_length, check_message
from cs_console.domain.text import clean_text, one_line, truncate_cells
from cs_console.store import chats as chat_repo
from cs_console.store.channel_rows import ChannelView, view
from cs_console.store.plain_sql import PlainSQL, placeholders
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
_WEB_CHANNEL_LINK = """SELECT c.id, cb.id FROM channels c
LEFT JOIN channel_buyers cb ON cb.channel_id = c.id AND cb.external_id = :external
WHERE c.name = :name AND c.kind = 'web' AND c.revoked_at IS NULL"""


def web_channel_link(conn, shop: str, session_key: str) -> tuple[int, int | None] | None:
    """The open web channel ``shop`` and the link of the page session ``session_key`` on it (None
    if that session never wrote); None when there is no such open channel. ``conn``: a Core
    connection (plain SQL)."""
    row = PlainSQL(conn).one(_WEB_CHANNEL_LINK, {"name": shop, "external": session_key})
    return (row[0], row[1]) if row else None


# ---- a buyer's line: plain SQL (see ``plain_sql``), a few statements for the usual case -------
# the channel (open?), the buyer as this channel knows them, their open chat and whether the
# platform id was seen: one read
_INBOUND_STATE = """SELECT c.kind, c.name, cb.id, cb.buyer_id, b.nick,
 (SELECT h.id FROM chats h WHERE h.buyer_id = cb.buyer_id AND h.status != 'closed' ORDER BY h.id DESC LIMIT 1),
 (SELECT cm.message_id FROM channel_messages cm WHERE cm.channel_id = c.id AND cm.platform_message_id = :pmid)
FROM channels c
LEFT JOIN channel_buyers cb ON cb.channel_id = c.id AND cb.external_id = :external
LEFT JOIN buyers b ON b.id = cb.buyer_id
WHERE c.id = :channel AND c.revoked_at IS NULL"""
_CHAT_OF_MESSAGE = "SELECT chat_id FROM messages WHERE id = :message"
_NICK_TAKEN = """SELECT b.id, EXISTS (SELECT 1 FROM channel_buyers x WHERE x.buyer_id = b.id AND x.channel_id = :channel)
FROM buyers b WHERE b.nick = :nick"""
_BUYER_ID = "SELECT id FROM buyers WHERE nick = :nick"
_OPEN_CHAT = "SELECT id FROM chats WHERE buyer_id = :buyer AND status != 'closed' ORDER BY id DESC LIMIT 1"
_ADD_BUYER = "INSERT INTO buyers (nick, tags, created_at) VALUES (:nick, '', :now) RETURNING id"
_ADD_LINK = """INSERT INTO channel_buyers (channel_id, external_id, buyer_id, order_no, last_inbound_at)
VALUES (:channel, :external, :buyer, NULL, NULL) RETURNING id"""
# a new chat as ``chat_repo.add_buyer_message`` leaves it: waiting since this line, one unread
_ADD_CHAT = """INSERT INTO chats (buyer_id, agent_id, status, opened_at, closed_at, closed_by, first_buyer_at,
 waiting_since, first_response_seconds, last_message_at, last_preview, unread, message_count)
VALUES (:buyer, NULL, 'waiting', :now, NULL, NULL, :now, :now, NULL, :now, :preview, 1, 1) RETURNING id"""
_CHAT_WAITS = """UPDATE chats SET status = 'waiting', unread = unread + 1, message_count = message_count + 1,
 first_buyer_at = COALESCE(first_buyer_at, :now), waiting_since = COALESCE(waiting_since, :now),
 last_message_at = :now, last_preview = :preview WHERE id = :chat"""
_ADD_LINE = """INSERT INTO messages (chat_id, sender, agent_id, text, created_at)
VALUES (:chat, 'buyer', NULL, :text, :now) RETURNING id"""
_ADD_CHANNEL_LINE = """INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id,
 status, error, updated_at) VALUES (:message, :channel, :kind, 'in', :pmid, '', '', :now)"""
_LINK_WROTE = """UPDATE channel_buyers SET last_inbound_at = :now, order_no = COALESCE(:order_no, order_no)
WHERE id = :link"""
# PostgreSQL: the line, its channel row, the link (and the chat waiting again) in one statement:
# each statement is a round trip to the server, and a round trip is two processes waking up,
# which on a busy machine costs milliseconds where the work itself costs microseconds
_WRITE_LINE = """WITH m AS (INSERT INTO messages (chat_id, sender, agent_id, text, created_at)
 VALUES (:chat, 'buyer', NULL, :text, :now) RETURNING id),
cm AS (INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id, status, error,
 updated_at) SELECT id, :channel, :kind, 'in', :pmid, '', '', :now FROM m),
lk AS (UPDATE channel_buyers SET last_inbound_at = :now, order_no = COALESCE(:order_no, order_no) WHERE id = :link)
"""
_WRITE_LINE_CHAT_WAITS = _WRITE_LINE + ", ch AS (" + _CHAT_WAITS + ")\n"
# PostgreSQL, a known buyer writing in their open chat (the usual line): the read and the writes
# above in one statement; the read's row comes back either way, with the new line's id when the
# case was the usual one (else nothing was written and the general path goes on from the read)
_KNOWN_BUYER_LINE = "WITH st (kind, name, link, buyer, nick, chat, seen) AS (" + _INBOUND_STATE + """),
m AS (INSERT INTO messages (chat_id, sender, agent_id, text, created_at)
 SELECT chat, 'buyer', NULL, :text, :now FROM st WHERE link IS NOT NULL AND chat IS NOT NULL AND seen IS NULL
 RETURNING id, chat_id),
cm AS (INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id, status, error,
 updated_at) SELECT id, :channel, :kind, 'in', :pmid, '', '', :now FROM m),
lk AS (UPDATE channel_buyers SET last_inbound_at = :now, order_no = COALESCE(:order_no, order_no)
 WHERE id IN (SELECT st.link FROM st, m)),
ch AS (UPDATE chats SET status = 'waiting', unread = unread + 1, message_count = message_count + 1,
 first_buyer_at = COALESCE(first_buyer_at, :now), waiting_since = COALESCE(waiting_since, :now),
 last_message_at = :now, last_preview = :preview WHERE id IN (SELECT chat_id FROM m))
SELECT st.kind, st.name, st.link, st.buyer, st.nick, st.chat, st.seen, (SELECT id FROM m) FROM st"""


# PostgreSQL, a writer round's usual lines (known buyers writing in their open chats) in one
# statement: one read of every line's state, the new message ids drawn in the round's order,
# the messages and their channel rows, each link and each chat updated once for all of its lines
# (as the lines one after another would leave them). A line that is not the usual case (a new
# buyer, no open chat, a platform id seen before or repeated earlier in the round, a revoked
# channel) writes nothing here and is not returned: it goes the general way afterwards.
_KNOWN_BUYER_LINES = """WITH line (ord, channel, external, pmid, text, at, kind, order_no, preview) AS (
 SELECT * FROM unnest(CAST(:ords AS int[]), CAST(:channels AS bigint[]), CAST(:externals AS text[]),
  CAST(:pmids AS text[]), CAST(:texts AS text[]), CAST(:ats AS timestamptz[]), CAST(:kinds AS text[]),
  CAST(:order_nos AS text[]), CAST(:previews AS text[]))),
st AS (SELECT line.*, cb.id AS link, b.nick,
  (SELECT h.id FROM chats h WHERE h.buyer_id = cb.buyer_id AND h.status != 'closed' ORDER BY h.id DESC LIMIT 1) AS chat,
  (SELECT cm.message_id FROM channel_messages cm WHERE cm.channel_id = c.id AND cm.platform_message_id = line.pmid)
   AS seen
 FROM line JOIN channels c ON c.id = line.channel AND c.revoked_at IS NULL
 JOIN channel_buyers cb ON cb.channel_id = c.id AND cb.external_id = line.external
 JOIN buyers b ON b.id = cb.buyer_id),
ok AS (SELECT u.*, nextval(pg_get_serial_sequence('messages', 'id')) AS mid FROM (
 SELECT * FROM st WHERE chat IS NOT NULL AND seen IS NULL
  AND NOT EXISTS (SELECT 1 FROM line e WHERE e.channel = st.channel AND e.pmid = st.pmid AND e.ord < st.ord)
 ORDER BY ord) u),
m AS (INSERT INTO messages (id, chat_id, sender, agent_id, text, created_at)
 SELECT mid, chat, 'buyer', NULL, text, at FROM ok),
cm AS (INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id, status, error,
 updated_at) SELECT mid, channel, kind, 'in', pmid, '', '', at FROM ok),
lk AS (UPDATE channel_buyers x SET last_inbound_at = g.at, order_no = COALESCE(g.order_no, x.order_no)
 FROM (SELECT link, (array_agg(at ORDER BY ord DESC))[1] AS at,
  (array_agg(order_no ORDER BY ord DESC) FILTER (WHERE order_no IS NOT NULL))[1] AS order_no
  FROM ok GROUP BY link) g WHERE x.id = g.link),
ch AS (UPDATE chats h SET status = 'waiting', unread = h.unread + g.n, message_count = h.message_count + g.n,
 first_buyer_at = COALESCE(h.first_buyer_at, g.first_at), waiting_since = COALESCE(h.waiting_since, g.first_at),
 last_message_at = g.last_at, last_preview = g.preview
 FROM (SELECT chat, count(*) AS n, (array_agg(at ORDER BY ord))[1] AS first_at,
  (array_agg(at ORDER BY ord DESC))[1] AS last_at, (array_agg(preview ORDER BY ord DESC))[1] AS preview
  FROM ok GROUP BY chat) g WHERE h.id = g.chat)
SELECT ord, chat, mid, nick, link FROM ok"""


class ChannelClosed(LookupError):
    """The channel is revoked (or unknown): its bridge or page may not write."""


def _new_nick(db: PlainSQL, channel_id: int, channel_name: str, web: bool, external_id: str, nick: str) -> str:
    """The store nick of a new channel buyer: the bridge's nick (a 千牛 nick meets the same buyer's
    orders), unless that nick already belongs to another buyer of this channel."""
    base = "访客" + external_id[:6] if web else (truncate_cells(one_line(nick), 60) or f"{channel_name}-{external_id[:12]}")
    candidate = base
    for extra in (8, 16, 32):
        found = db.one(_NICK_TAKEN, {"nick": candidate, "channel": channel_id})
        if found is None or (not found[1] and not web):
            return candidate
        candidate = f"{base}·{channel_name}-{external_id[:extra]}"
    return candidate


def _new_link(db: PlainSQL, channel_id: int, channel_name: str, web: bool, external_id: str, nick: str,
              now) -> tuple[int, int, str, int | None]:
    """A buyer this channel has not seen: their store buyer (found by nick, or new), the new
    link, and that buyer's open chat."""
    buyer_nick = one_line(_new_nick(db, channel_id, channel_name, web, external_id, nick))
    if not buyer_nick:
        raise ValueRefused("text.empty", what="买家昵称")
    check_length(buyer_nick, "买家昵称", MAX_BUYER_NICK)
    row = db.one(_BUYER_ID, {"nick": buyer_nick})
    buyer_id = row[0] if row else db.one(_ADD_BUYER, {"nick": buyer_nick, "now": now})[0]
    link_id = db.one(_ADD_LINK, {"channel": channel_id, "external": external_id, "buyer": buyer_id})[0]
    chat = db.one(_OPEN_CHAT, {"buyer": buyer_id}) if row else None  # a known buyer may be chatting already
    return link_id, buyer_id, buyer_nick, chat[0] if chat else None


def add_inbound(s: Session, channel_id: int, *, external_id: str, nick: str, text: str,
                platform_message_id: str, now: datetime, order_no: str | None = None,
                kind: MessageKind = MessageKind.TEXT) -> Inbound:
    """A buyer's message from a channel; the same platform message id twice is one message.
    A revoked channel raises ``ChannelClosed``.

    Plain SQL on the session's transaction: one read, then the line, the chat (waiting, or new
    as ``chat_repo.add_buyer_message`` opens it), the channel's row of the line and the buyer's
    last-inbound time; a buyer new to the channel adds their buyer row and link."""
    db = PlainSQL(s)
    at = db.when(now)
    asked = {"channel": channel_id, "external": external_id, "pmid": platform_message_id}
    try:
        clean = check_message(clean_text(text)) if db.postgres else None
    except ValueRefused:  # refused below, unless the platform id was seen (then it is that message)
        clean = None
    if clean is not None:
        state = db.one(_KNOWN_BUYER_LINE, {**asked, "text": clean, "now": at, "kind": kind.value,
                                           "order_no": order_no or None,
                                           "preview": truncate_cells(one_line(clean), chat_repo.PREVIEW_CELLS)})
        if state is not None and state[7] is not None:
            return Inbound(state[5], state[7], state[4], state[2], False)
        state = state[:7] if state is not None else None
    else:
        state = db.one(_INBOUND_STATE, asked)
    if state is None:
        raise ChannelClosed(channel_id)
    channel_kind, channel_name, link_id, buyer_id, buyer_nick, chat_id, seen = state
    if link_id is None:
        link_id, buyer_id, buyer_nick, chat_id = _new_link(db, channel_id, channel_name,
                                                           channel_kind == ChannelKind.WEB, external_id, nick, at)
    if seen is not None:
        return Inbound(db.one(_CHAT_OF_MESSAGE, {"message": seen})[0], seen, buyer_nick, link_id, True)
    text = check_message(clean_text(text))
    preview = truncate_cells(one_line(text), chat_repo.PREVIEW_CELLS)
    new_chat = chat_id is None
    if new_chat:
        chat_id = db.one(_ADD_CHAT, {"buyer": buyer_id, "now": at, "preview": preview})[0]
    if db.postgres:
        line = {"chat": chat_id, "text": text, "now": at, "channel": channel_id, "kind": kind.value,
                "pmid": platform_message_id, "link": link_id, "order_no": order_no or None, "preview": preview}
        message_id = db.one((_WRITE_LINE if new_chat else _WRITE_LINE_CHAT_WAITS) + "SELECT id FROM m", line)[0]
        return Inbound(chat_id, message_id, buyer_nick, link_id, False)
    if not new_chat:
        db.execute(_CHAT_WAITS, {"chat": chat_id, "now": at, "preview": preview})
    message_id = db.one(_ADD_LINE, {"chat": chat_id, "text": text, "now": at})[0]
    db.execute(_ADD_CHANNEL_LINE, {"message": message_id, "channel": channel_id, "kind": kind.value,
                                   "pmid": platform_message_id, "now": at})
    db.execute(_LINK_WROTE, {"link": link_id, "now": at, "order_no": order_no or None})
    return Inbound(chat_id, message_id, buyer_nick, link_id, False)


@dataclass(frozen=True, slots=True)
class Line:
    """An inbound line already checked (``text`` cleaned and accepted) for ``add_known_buyer_lines``."""

    channel_id: int
    external_id: str
    text: str
    platform_message_id: str
    now: datetime
    order_no: str | None = None
    kind: MessageKind = MessageKind.TEXT


def add_known_buyer_lines(s: Session, lines: list[Line]) -> dict[int, Inbound]:
    """PostgreSQL: the lines that are the usual case (see ``_KNOWN_BUYER_LINES``) written in one
    statement; their ``Inbound`` by position in ``lines``. The others are not written and not in
    the answer: the caller sends them through ``add_inbound`` (after these, in their order)."""
    db = PlainSQL(s)
    if not lines or not db.postgres:
        return {}
    at = [db.when(x.now) for x in lines]
    rows = db.all(_KNOWN_BUYER_LINES, {
        "ords": list(range(len(lines))), "channels": [x.channel_id for x in lines],
        "externals": [x.external_id for x in lines], "pmids": [x.platform_message_id for x in lines],
        "texts": [x.text for x in lines], "ats": at, "kinds": [x.kind.value for x in lines],
        "order_nos": [x.order_no or None for x in lines],
        "previews": [truncate_cells(one_line(x.text), chat_repo.PREVIEW_CELLS) for x in lines]})
    return {ord_: Inbound(chat, mid, nick, link, False) for ord_, chat, mid, nick, link in rows}


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
_NEW_BUCKET = "INSERT INTO rate_buckets (key, tokens, at) VALUES (:key, :tokens, :at) ON CONFLICT (key) DO NOTHING"
_REFILL = "UPDATE rate_buckets SET tokens = :t, at = :now WHERE key = :k"


def take_tokens(s: Session, buckets: list[tuple[str, float, float]], now: float) -> bool:
    """One token from each bucket ``(key, tokens per second, burst)``, all or none: True when
    every bucket had one. A new key starts full."""
    return take_tokens_each(s, [buckets], now)[0]


def take_tokens_each(s: Session, requests: list[list[tuple[str, float, float]]], now: float) -> list[bool]:
    """``take_tokens`` for several requests in their order, with one statement per step for all
    of them: each request is granted when every one of its buckets still has a token after the
    requests before it. PostgreSQL locks each bucket row once, in key order (two gateways
    taking overlapping keys never deadlock); the caller keeps this transaction short, since
    every other request on those buckets waits for its commit."""
    spec: dict[str, tuple[float, float]] = {}
    for buckets in requests:
        for key, rate, burst in buckets:
            spec.setdefault(key, (rate, burst))
    if not spec:
        return [True] * len(requests)
    db = PlainSQL(s)
    keys = sorted(spec)
    db.executemany(_NEW_BUCKET, [{"key": k, "tokens": float(spec[k][1]), "at": now} for k in keys])
    marks, params = placeholders("k", keys)
    rows = db.all(f"SELECT key, tokens, at FROM rate_buckets WHERE key IN ({marks}) ORDER BY key"
                  + (" FOR UPDATE" if db.postgres else ""), params)
    level = {k: min(spec[k][1], tokens + max(0.0, now - at) * spec[k][0]) for k, tokens, at in rows}
    granted = []
    for buckets in requests:
        mine = {key for key, _, _ in buckets}
        ok = all(level.get(key, 0.0) >= 1 for key in mine)
        if ok:
            for key in mine:
                level[key] -= 1
        granted.append(ok)
    db.executemany(_REFILL, [{"k": k, "t": t, "now": now} for k, t in level.items()])
    return granted


def forget_full_buckets(s: Session, idle_before: float) -> int:
    """Buckets nobody used since ``idle_before`` are full again: the same as no row."""
    return s.connection().execute(delete(RateBucket).where(RateBucket.at < idle_before)).rowcount
