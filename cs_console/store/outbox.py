"""Repository for the outbox and delivery status: enqueue in the agent's transaction, claim due
webhook rows, record attempts, pull + ack, web-page pushes, re-send, status for the transcript."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, col, select

from cs_console.domain.gateway import (
    ChannelKind,
    DeliveryStatus,
    MessageKind,
    OutboxState,
    advances,
    broadcast_gap_seconds,
)
from cs_console.store.channels import reply_link
from cs_console.store.plain_sql import PlainSQL, placeholders
from cs_console.store.tables import Agent, Channel, ChannelMessage, Message, OutboxEntry

ERROR_CHARS = 300
CLOCK_SKEW_SECONDS = 120  # PCs of a team (TUI writes, gateway claims) need not agree to the second


@dataclass(frozen=True, slots=True)
class Claimed:
    """A webhook delivery this gateway now holds until its lease ends."""

    id: int
    delivery_id: str
    url: str
    secret: str
    payload: str
    attempts: int
    max_attempts: int


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbound row waiting for a pull bridge or the web page."""

    id: int
    delivery_id: str
    channel_buyer_id: int
    message_id: int
    payload: str
    due: datetime


def payload_of(entry_id_less: dict) -> str:
    return json.dumps(entry_id_less, ensure_ascii=False, separators=(",", ":"))


def enqueue(s: Session, msg: Message, now: datetime, *, broadcast: bool = False) -> OutboxEntry | None:
    """Queue an agent's message for the buyer's channel (no channel: a local buyer, nothing)."""
    found = reply_link(s, msg.chat_id)
    if found is None:
        return None
    link, channel = found
    due = now - timedelta(seconds=CLOCK_SKEW_SECONDS)  # due at once, even on a gateway whose clock is behind
    if broadcast:  # broadcasts are spaced out per channel
        due = max(now, channel.next_broadcast_at or now)
        channel.next_broadcast_at = due + timedelta(seconds=broadcast_gap_seconds(channel.broadcast_per_minute))
    delivery_id = str(uuid.uuid4())
    agent = s.get(Agent, msg.agent_id) if msg.agent_id else None
    body = {
        "type": "message", "delivery_id": delivery_id, "channel": channel.name,
        "buyer_id": link.external_id, "broadcast": broadcast,
        "message": {"id": msg.id, "kind": MessageKind.TEXT.value, "text": msg.text,
                    "agent": agent.name if agent else "", "created_at": msg.created_at.isoformat()},
    }
    entry = OutboxEntry(delivery_id=delivery_id, channel_id=channel.id, channel_buyer_id=link.id,
                        message_id=msg.id, payload=payload_of(body), broadcast=broadcast,
                        state=OutboxState.PENDING, next_attempt_at=due, created_at=now)
    s.add(entry)
    s.add(ChannelMessage(message_id=msg.id, channel_id=channel.id, kind=MessageKind.TEXT.value,
                         direction="out", status=DeliveryStatus.SENT, updated_at=now))
    s.flush()
    return entry


def _set_status(s: Session, message_id: int, status: DeliveryStatus, error: str, now: datetime,
                *, force: bool = False) -> None:
    cm = s.get(ChannelMessage, message_id)
    if cm is None:
        return
    if force or advances(cm.status or DeliveryStatus.SENT, status):
        cm.status, cm.error, cm.updated_at = status.value, error[:ERROR_CHARS], now


# ---- webhook delivery -----------------------------------------------------------------------
def claim_due(s: Session, worker: str, now: datetime, lease_seconds: float, limit: int,
              *, postgres: bool) -> list[Claimed]:
    """Take due webhook rows (and rows whose claimer's lease ran out) for this gateway."""
    q = (select(OutboxEntry, Channel).join(Channel, Channel.id == OutboxEntry.channel_id)
         .where(Channel.kind == ChannelKind.WEBHOOK.value,
                or_(and_(OutboxEntry.state == OutboxState.PENDING.value, OutboxEntry.next_attempt_at <= now),
                    and_(OutboxEntry.state == OutboxState.SENDING.value, OutboxEntry.lease_until < now)))
         .order_by(OutboxEntry.id).limit(limit))
    if postgres:
        q = q.with_for_update(skip_locked=True, of=OutboxEntry)
    out = []
    for e, ch in s.exec(q).all():
        e.state, e.claimed_by = OutboxState.SENDING.value, worker
        e.lease_until = now + timedelta(seconds=lease_seconds)
        e.attempts += 1
        out.append(Claimed(e.id, e.delivery_id, ch.webhook_url, ch.webhook_secret, e.payload, e.attempts,
                           ch.max_attempts))
    s.flush()
    return out


def record_attempt(s: Session, entry_id: int, *, delivered: bool, final: bool, error: str,
                   now: datetime, retry_at: datetime | None) -> str:
    """The result of one attempt; returns the row's new state."""
    e = s.get(OutboxEntry, entry_id)
    if e is None or e.state in (OutboxState.DELIVERED, OutboxState.FAILED):
        return e.state if e else ""
    e.lease_until, e.claimed_by = None, ""
    if delivered:
        e.state, e.delivered_at, e.last_error = OutboxState.DELIVERED.value, now, ""
        _set_status(s, e.message_id, DeliveryStatus.DELIVERED, "", now)
    elif final or retry_at is None:
        e.state, e.last_error = OutboxState.FAILED.value, error[:ERROR_CHARS]
        _set_status(s, e.message_id, DeliveryStatus.FAILED, error, now, force=True)
    else:
        e.state, e.last_error, e.next_attempt_at = OutboxState.PENDING.value, error[:ERROR_CHARS], retry_at
    return e.state


def next_due(s: Session) -> datetime | None:
    """When the earliest webhook row falls due: a pending row's next attempt, or the end of a
    claim's lease (a gateway killed mid-delivery; then another one takes the row over)."""
    webhook = (select(OutboxEntry).join(Channel, Channel.id == OutboxEntry.channel_id)
               .where(Channel.kind == ChannelKind.WEBHOOK.value))
    pending = s.exec(webhook.where(OutboxEntry.state == OutboxState.PENDING.value)
                     .with_only_columns(OutboxEntry.next_attempt_at)
                     .order_by(OutboxEntry.next_attempt_at).limit(1)).first()
    leased = s.exec(webhook.where(OutboxEntry.state == OutboxState.SENDING.value)
                    .with_only_columns(OutboxEntry.lease_until)
                    .order_by(OutboxEntry.lease_until).limit(1)).first()
    found = [t for t in (pending, leased) if t is not None]
    return min(found) if found else None


# ---- pull bridges and the web page ----------------------------------------------------------
def _pending(e: OutboxEntry) -> Pending:
    return Pending(e.id, e.delivery_id, e.channel_buyer_id, e.message_id, e.payload, e.next_attempt_at)


def pull_after(s: Session, channel_id: int, after: int, now: datetime, limit: int = 100) -> list[Pending]:
    """Unacknowledged rows of a channel after the cursor, in order, up to the first not yet due
    (so a cursor never passes a broadcast that is still waiting for its slot)."""
    rows = s.exec(select(OutboxEntry).where(OutboxEntry.channel_id == channel_id, OutboxEntry.id > after,
                                            OutboxEntry.state == OutboxState.PENDING.value)
                  .order_by(OutboxEntry.id).limit(limit)).all()
    out = []
    for e in rows:
        if e.next_attempt_at > now:
            break
        out.append(_pending(e))
    return out


def ack(s: Session, channel_id: int, delivery_ids: list[str], now: datetime,
        *, channel_buyer_id: int | None = None) -> int:
    """Mark rows delivered; only rows of this channel (and this buyer, for the web page) count."""
    if not delivery_ids:
        return 0
    q = select(OutboxEntry).where(OutboxEntry.channel_id == channel_id,
                                  col(OutboxEntry.delivery_id).in_(delivery_ids[:500]),
                                  col(OutboxEntry.state).in_([OutboxState.PENDING.value, OutboxState.SENDING.value]))
    if channel_buyer_id is not None:
        q = q.where(OutboxEntry.channel_buyer_id == channel_buyer_id)
    n = 0
    for e in s.exec(q).all():
        e.state, e.delivered_at, e.lease_until = OutboxState.DELIVERED.value, now, None
        _set_status(s, e.message_id, DeliveryStatus.DELIVERED, "", now)
        n += 1
    return n


def report(s: Session, channel_id: int, delivery_id: str, status: DeliveryStatus, error: str,
           now: datetime, *, channel_buyer_id: int | None = None, platform_message_id: str | None = None) -> bool:
    """A bridge (or the page) reports delivered / read / failed for one of its own deliveries
    (and the platform's id of the message, kept beside ours)."""
    q = select(OutboxEntry).where(OutboxEntry.channel_id == channel_id, OutboxEntry.delivery_id == delivery_id)
    if channel_buyer_id is not None:
        q = q.where(OutboxEntry.channel_buyer_id == channel_buyer_id)
    e = s.exec(q).first()
    if e is None:
        return False
    cm = s.get(ChannelMessage, e.message_id)
    if platform_message_id and cm is not None and not cm.platform_message_id:
        cm.platform_message_id = platform_message_id
    if status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ) and e.state != OutboxState.DELIVERED:
        e.state, e.delivered_at, e.lease_until = OutboxState.DELIVERED.value, now, None
    elif status == DeliveryStatus.FAILED:
        e.state, e.last_error = OutboxState.FAILED.value, error[:ERROR_CHARS]
        _set_status(s, e.message_id, status, error, now, force=True)
        return True
    _set_status(s, e.message_id, status, error, now)
    return True


_WRITTEN_AFTER = """SELECT o.id, o.delivery_id, o.channel_buyer_id, o.message_id, o.payload, o.next_attempt_at, c.kind
FROM outbox o JOIN channels c ON c.id = o.channel_id
WHERE o.id > :cursor AND o.state = 'pending' ORDER BY o.id LIMIT :limit"""


def written_after(conn, cursor: int, limit: int = 500) -> tuple[int, list[Pending], set[str]]:
    """Pending rows written after ``cursor``: the new cursor, the web-page rows (due or not), and
    the channel kinds seen (a webhook row wakes the deliverer). One read per store change, in
    plain SQL (``conn``: a Core connection)."""
    db = PlainSQL(conn)
    rows = db.all(_WRITTEN_AFTER, {"cursor": cursor, "limit": limit})
    web = [Pending(r[0], r[1], r[2], r[3], r[4], db.read_when(r[5])) for r in rows if r[6] == ChannelKind.WEB.value]
    return (rows[-1][0] if rows else cursor), web, {r[6] for r in rows}


def web_pending_for(s: Session, channel_buyer_ids: list[int], now: datetime) -> list[Pending]:
    """Due, unacknowledged rows of these web buyers (a reconnect, a broadcast's slot)."""
    if not channel_buyer_ids:
        return []
    rows = s.exec(select(OutboxEntry).where(col(OutboxEntry.channel_buyer_id).in_(channel_buyer_ids),
                                            OutboxEntry.state == OutboxState.PENDING.value,
                                            OutboxEntry.next_attempt_at <= now).order_by(OutboxEntry.id)).all()
    return [_pending(e) for e in rows]


def mark_read(s: Session, channel_buyer_id: int, message_ids: list[int], now: datetime) -> int:
    """The page showed these agent messages to their own buyer: 已读 (plain SQL: a page reports
    one for every reply it shows)."""
    if not message_ids:
        return 0
    db = PlainSQL(s)
    marks, params = placeholders("m", message_ids[:500])
    rows = db.all(f"SELECT id, message_id, state FROM outbox WHERE channel_buyer_id = :link AND message_id IN ({marks})",
                  {"link": channel_buyer_id, **params})
    if not rows:
        return 0
    at = db.when(now)
    undelivered = [r[0] for r in rows if r[2] != OutboxState.DELIVERED]
    if undelivered:
        marks, params = placeholders("e", undelivered)
        db.execute(f"UPDATE outbox SET state = :state, delivered_at = :now WHERE id IN ({marks})",
                   {"state": OutboxState.DELIVERED.value, "now": at, **params})
    marks, params = placeholders("m", [r[1] for r in rows])
    # read is the last status: every other one moves to it
    db.execute(f"UPDATE channel_messages SET status = :read, error = '', updated_at = :now "
               f"WHERE message_id IN ({marks}) AND status != :read", {"read": DeliveryStatus.READ.value, "now": at, **params})
    return len(rows)


# ---- agent side ------------------------------------------------------------------------------
def resend(s: Session, message_id: int, now: datetime) -> bool:
    """Deliver a failed message again: same row, same delivery id, a fresh round of attempts."""
    e = s.exec(select(OutboxEntry).where(OutboxEntry.message_id == message_id)).first()
    if e is None or e.state != OutboxState.FAILED:
        return False
    e.state, e.attempts, e.next_attempt_at, e.lease_until = OutboxState.PENDING.value, 0, now, None
    _set_status(s, message_id, DeliveryStatus.SENT, "", now, force=True)
    return True


def failed_in_chat(s: Session, chat_id: int) -> list[int]:
    return list(s.exec(select(OutboxEntry.message_id).join(Message, Message.id == OutboxEntry.message_id)
                       .where(Message.chat_id == chat_id, OutboxEntry.state == OutboxState.FAILED.value)
                       .order_by(OutboxEntry.message_id)).all())


def delivery_of(s: Session, message_id: int) -> OutboxEntry | None:
    return s.exec(select(OutboxEntry).where(OutboxEntry.message_id == message_id)).first()


_STATUSES = select(ChannelMessage.message_id, ChannelMessage.status, ChannelMessage.error).where(
    col(ChannelMessage.message_id).in_(bindparam("ids", expanding=True)), ChannelMessage.direction == "out")
STATUS_CHUNK = 500


def statuses_of(conn, message_ids: list[int]) -> dict[int, tuple[str, str]]:
    """message id → (delivery status, error) of outbound channel messages, by primary key."""
    out: dict[int, tuple[str, str]] = {}
    for i in range(0, len(message_ids), STATUS_CHUNK):
        out.update((m, (st, err)) for m, st, err in conn.execute(_STATUSES, {"ids": message_ids[i:i + STATUS_CHUNK]}))
    return out
