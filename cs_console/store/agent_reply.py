"""An agent's reply in a chat that is already theirs, in plain SQL: on PostgreSQL one read and
one write, where the ORM path (``services.chats.ChatService.send``) takes a dozen round trips to
the server (each wakes two processes; on a busy machine that is milliseconds, and a reply's
transaction holds its chat row for all of them: the gateway's next line in that chat waits); on
SQLite one read and a few single-row statements, where the ORM's loads and flushes cost
milliseconds of CPU inside the write lock. The written rows are the ORM path's: the line, the
response record when the buyer was waiting, the chat serving, the outbox row and its delivery
status for a channel buyer, the agent's draft of the chat gone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from cs_console.domain.chat import ChatStatus
from cs_console.domain.gateway import DeliveryStatus, MessageKind, OutboxState
from cs_console.domain.limits import check_message
from cs_console.domain.text import clean_text, one_line, truncate_cells
from cs_console.store.chats import PREVIEW_CELLS
from cs_console.store.outbox import CLOCK_SKEW_SECONDS, payload_of
from cs_console.store.plain_sql import PlainSQL

# the agent, the chat, its buyer, the channel a reply leaves by (where the buyer wrote last, as
# ``channels.reply_link``) and the next message id (the outbox payload names it)
_STATE = """SELECT a.id, a.name, h.agent_id, h.status, h.waiting_since, h.first_buyer_at, h.first_response_seconds,
 b.nick, cb.id, cb.external_id, c.id, c.name, nextval(pg_get_serial_sequence('messages', 'id'))
FROM chats h
JOIN buyers b ON b.id = h.buyer_id
LEFT JOIN agents a ON a.id = :agent_id OR (CAST(:agent_id AS INTEGER) IS NULL AND a.name = :agent_name)
LEFT JOIN LATERAL (SELECT x.id, x.external_id, x.channel_id FROM channel_buyers x
  JOIN channels y ON y.id = x.channel_id AND y.revoked_at IS NULL
  WHERE x.buyer_id = h.buyer_id ORDER BY x.last_inbound_at DESC NULLS LAST, x.id DESC LIMIT 1) cb ON true
LEFT JOIN channels c ON c.id = cb.channel_id
WHERE h.id = :chat"""
# SQLite (no sequences, no LATERAL): the same read without the next id; the writes go in as
# single statements after it (in-process, no round trips to save)
_STATE_SQLITE = """SELECT a.id, a.name, h.agent_id, h.status, h.waiting_since, h.first_buyer_at, h.first_response_seconds,
 b.nick, cb.id, cb.external_id, c.id, c.name, NULL
FROM chats h
JOIN buyers b ON b.id = h.buyer_id
LEFT JOIN agents a ON a.id = :agent_id OR (:agent_id IS NULL AND a.name = :agent_name)
LEFT JOIN channel_buyers cb ON cb.id = (SELECT x.id FROM channel_buyers x
  JOIN channels y ON y.id = x.channel_id AND y.revoked_at IS NULL
  WHERE x.buyer_id = h.buyer_id ORDER BY x.last_inbound_at DESC NULLS LAST, x.id DESC LIMIT 1)
LEFT JOIN channels c ON c.id = cb.channel_id
WHERE h.id = :chat"""
_LINE_SQLITE = """INSERT INTO messages (chat_id, sender, agent_id, text, created_at)
 VALUES (:chat, 'agent', :agent, :text, :now) RETURNING id"""
_CHAT_SQLITE = """UPDATE chats SET first_response_seconds = COALESCE(first_response_seconds, :first_seconds),
 waiting_since = NULL, status = :serving, unread = 0, last_message_at = :now, last_preview = :preview,
 message_count = message_count + 1 WHERE id = :chat"""
_DRAFT_SQLITE = "DELETE FROM drafts WHERE chat_id = :chat AND agent_id = :agent"
_RESPONSE_SQLITE = """INSERT INTO response_records (chat_id, agent_id, buyer_at, replied_at, seconds, first)
 VALUES (:chat, :agent, :buyer_at, :now, :waited, :first)"""
_OUTBOX_SQLITE = """INSERT INTO outbox (delivery_id, channel_id, channel_buyer_id, message_id, payload, broadcast,
 state, attempts, next_attempt_at, lease_until, claimed_by, last_error, created_at, delivered_at)
 VALUES (:delivery, :channel, :link, :message, :payload, 0, :pending, 0, :due, NULL, '', '', :now, NULL)"""
_CHANNEL_LINE_SQLITE = """INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id,
 status, error, updated_at) VALUES (:message, :channel, :kind, 'out', NULL, :sent, '', :now)"""
_WRITE = """WITH m AS (INSERT INTO messages (id, chat_id, sender, agent_id, text, created_at)
 VALUES (:message, :chat, 'agent', :agent, :text, :now) RETURNING id),
ch AS (UPDATE chats SET first_response_seconds = COALESCE(first_response_seconds, :first_seconds),
 waiting_since = NULL, status = :serving, unread = 0, last_message_at = :now, last_preview = :preview,
 message_count = message_count + 1 WHERE id = :chat),
d AS (DELETE FROM drafts WHERE chat_id = :chat AND agent_id = :agent)"""
_RESPONSE = """, r AS (INSERT INTO response_records (chat_id, agent_id, buyer_at, replied_at, seconds, first)
 VALUES (:chat, :agent, :buyer_at, :now, :waited, :first))"""
_OUTBOX = """, o AS (INSERT INTO outbox (delivery_id, channel_id, channel_buyer_id, message_id, payload, broadcast,
 state, attempts, next_attempt_at, lease_until, claimed_by, last_error, created_at, delivered_at)
 SELECT :delivery, :channel, :link, id, :payload, false, :pending, 0, :due, NULL, '', '', :now, NULL FROM m),
cm AS (INSERT INTO channel_messages (message_id, channel_id, kind, direction, platform_message_id, status, error,
 updated_at) SELECT id, :channel, :kind, 'out', NULL, :sent, '', :now FROM m)"""


def reply_in_own_chat(s: Session, chat_id: int, agent_id: int | None, agent_name: str, text: str,
                      now: datetime) -> tuple[int, str] | None:
    """(message id, buyer nick) of the reply written, or None when this is not the simple case —
    the chat is not (yet) this agent's, is unknown or ended, the agent is unknown — and nothing
    was written: the ORM path decides (claims, takeovers, refusals with their messages)."""
    db = PlainSQL(s)
    row = db.one(_STATE if db.postgres else _STATE_SQLITE, {"chat": chat_id, "agent_id": agent_id, "agent_name": agent_name.strip()})
    if row is None:
        return None
    me, my_name, owner, status, waiting_since, first_buyer_at, first_seconds, nick, link, external, channel, \
        channel_name, message_id = row
    if me is None or owner != me or status == ChatStatus.CLOSED or (agent_id is not None and my_name != agent_name):
        return None
    text = check_message(clean_text(text).rstrip())
    waiting_since, first_buyer_at = db.read_when(waiting_since), db.read_when(first_buyer_at)
    at = db.when(now)
    params = {"message": message_id, "chat": chat_id, "agent": me, "text": text, "now": at,
              "serving": ChatStatus.SERVING.value, "preview": truncate_cells(one_line(text), PREVIEW_CELLS),
              "first_seconds": None}
    if not db.postgres:  # the line first: its id is in the outbox payload
        message_id = params["message"] = db.one(_LINE_SQLITE, params)[0]
    sql = _WRITE
    if waiting_since is not None:
        first = first_seconds is None
        if first:
            params["first_seconds"] = max(0.0, (now - (first_buyer_at or waiting_since)).total_seconds())
        params.update(buyer_at=db.when(waiting_since), waited=max(0.0, (now - waiting_since).total_seconds()), first=first)
        sql += _RESPONSE
    if link is not None:
        delivery_id = str(uuid.uuid4())
        body = {"type": "message", "delivery_id": delivery_id, "channel": channel_name, "buyer_id": external,
                "broadcast": False,
                "message": {"id": message_id, "kind": MessageKind.TEXT.value, "text": text, "agent": my_name,
                            "created_at": now.isoformat()}}
        params.update(delivery=delivery_id, channel=channel, link=link, payload=payload_of(body),
                      pending=OutboxState.PENDING.value, due=db.when(now - timedelta(seconds=CLOCK_SKEW_SECONDS)),
                      kind=MessageKind.TEXT.value, sent=DeliveryStatus.SENT.value)
        sql += _OUTBOX
    if db.postgres:
        db.one(sql + " SELECT id FROM m", params)
        return message_id, nick
    db.execute(_CHAT_SQLITE, params)
    db.execute(_DRAFT_SQLITE, params)
    if waiting_since is not None:
        db.execute(_RESPONSE_SQLITE, params)
    if link is not None:
        db.execute(_OUTBOX_SQLITE, params)
        db.execute(_CHANNEL_LINE_SQLITE, params)
    return message_id, nick
