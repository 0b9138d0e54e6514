"""Repository for the chat aggregate: agents, buyers, chats, messages, drafts, response times.

Functions take an open ``Session`` (the caller owns the transaction) and return plain view
objects from ``cs_console.domain.chat``, never table rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus, ChatSummary, MessageView, Sender
from cs_console.domain.limits import (
    MAX_AGENT_NAME,
    MAX_BUYER_NICK,
    ValueRefused,
    check_length,
    check_message,
)
from cs_console.domain.messages import UserError
from cs_console.domain.money import shown
from cs_console.domain.team import TeamRuleError, close_refusal, is_supervisor
from cs_console.domain.text import clean_text, one_line, truncate_cells
from cs_console.store.chat_rows import summary_row
from cs_console.store.tables import (
    Agent,
    Buyer,
    ChannelMessage,
    Chat,
    Draft,
    Message,
    ResponseRecord,
)
from cs_console.store.tables.core import OPEN_ACTIVITY

PREVIEW_CELLS = 60


class NotFound(UserError, LookupError):
    """A buyer, chat or agent that the store does not have."""


# ---- agents and buyers --------------------------------------------------------------------
def ensure_agent(s: Session, name: str, now: datetime, role: str = "agent") -> Agent:
    """The agent called ``name``, created on first use."""
    name = name.strip()
    if not name:
        raise ValueRefused("handover.no_agent")
    check_length(name, "客服名", MAX_AGENT_NAME)
    agent = s.exec(select(Agent).where(Agent.name == name)).first()
    if agent is None:
        agent = Agent(name=name, role=role, created_at=now)
        s.add(agent)
        s.flush()
    return agent


def ensure_buyer(s: Session, nick: str, now: datetime) -> Buyer:
    """The buyer with platform nick ``nick`` (cleaned of control characters), created on first use."""
    nick = one_line(nick)
    if not nick:
        raise ValueRefused("text.empty", what="买家昵称")
    check_length(nick, "买家昵称", MAX_BUYER_NICK)
    buyer = s.exec(select(Buyer).where(Buyer.nick == nick)).first()
    if buyer is None:
        buyer = Buyer(nick=nick, created_at=now)
        s.add(buyer)
        s.flush()
    return buyer


def find_agent(s: Session, name: str) -> Agent | None:
    return s.exec(select(Agent).where(Agent.name == name.strip())).first()


def find_buyer(s: Session, nick: str) -> Buyer:
    buyer = s.exec(select(Buyer).where(Buyer.nick == one_line(nick))).first()
    if buyer is None:
        raise NotFound("chat.no_buyer", nick=shown(nick))
    return buyer


# ---- chats ----------------------------------------------------------------------------------
def open_chat_of(s: Session, buyer: Buyer) -> Chat | None:
    """The buyer's open chat, if any."""
    return s.exec(
        select(Chat)
        .where(Chat.buyer_id == buyer.id, Chat.status != ChatStatus.CLOSED)
        .order_by(col(Chat.id).desc())
    ).first()


def latest_chat_of(s: Session, buyer: Buyer) -> Chat | None:
    """The buyer's open chat, else the most recent closed one."""
    return open_chat_of(s, buyer) or s.exec(
        select(Chat).where(Chat.buyer_id == buyer.id).order_by(col(Chat.id).desc())
    ).first()


def _touch(chat: Chat, text: str, now: datetime) -> None:
    chat.last_message_at = now
    chat.last_preview = truncate_cells(one_line(text), PREVIEW_CELLS)
    chat.message_count += 1


def add_buyer_message(s: Session, nick: str, text: str, now: datetime) -> tuple[Chat, Message]:
    """A buyer writes: open (or reuse) their chat, start the wait clock if it is not running."""
    text = check_message(clean_text(text))
    buyer = ensure_buyer(s, nick, now)
    chat = open_chat_of(s, buyer)
    if chat is None:
        chat = Chat(buyer_id=buyer.id, opened_at=now, status=ChatStatus.WAITING)
        s.add(chat)
        s.flush()
    msg = Message(chat_id=chat.id, sender=Sender.BUYER, text=text, created_at=now)
    s.add(msg)
    if chat.first_buyer_at is None:
        chat.first_buyer_at = now
    if chat.waiting_since is None:
        chat.waiting_since = now
    chat.status = ChatStatus.WAITING
    chat.unread += 1
    _touch(chat, text, now)
    s.flush()
    return chat, msg


def add_agent_message(s: Session, chat_id: int, agent: Agent, text: str, now: datetime,
                      *, answers: bool = True, written_by: Callable[[str], Message] | None = None) -> Message:
    """An agent answers (in a chat that is theirs: ``services.chats.make_it_mine``): stop the
    wait clock and record the response time.

    ``answers=False`` (a broadcast/promotion): the message is written but answers nobody's
    question — the wait clock, first response and assignment stay as they were.
    ``written_by(text)``: returns the message row written some other way (the server's
    broadcast function) instead of inserting it here."""
    chat = get_chat(s, chat_id)
    if chat.status == ChatStatus.CLOSED:
        raise ValueRefused("chat.ended")
    text = check_message(clean_text(text).rstrip())
    if written_by is not None:  # the server wrote the row (a broadcast into anyone's chat)
        msg = written_by(text)
    else:
        msg = Message(chat_id=chat.id, sender=Sender.AGENT, agent_id=agent.id, text=text, created_at=now)
        s.add(msg)
    if not answers:
        _touch(chat, text, now)
        s.flush()
        return msg
    if chat.waiting_since is not None:
        waited = max(0.0, (now - chat.waiting_since).total_seconds())
        first = chat.first_response_seconds is None
        if first:
            chat.first_response_seconds = max(0.0, (now - (chat.first_buyer_at or chat.waiting_since)).total_seconds())
        s.add(ResponseRecord(chat_id=chat.id, agent_id=agent.id, buyer_at=chat.waiting_since,
                             replied_at=now, seconds=waited, first=first))
        chat.waiting_since = None
    chat.status = ChatStatus.SERVING
    chat.unread = 0
    _touch(chat, text, now)
    s.flush()
    return msg


def add_system_message(s: Session, chat_id: int, text: str, now: datetime) -> Message:
    """A line the desk itself writes into the transcript (forwarded, closed, order changed…)."""
    chat = get_chat(s, chat_id)
    msg = Message(chat_id=chat.id, sender=Sender.SYSTEM, text=clean_text(text), created_at=now)
    s.add(msg)
    chat.message_count += 1
    s.flush()
    return msg


def get_chat(s: Session, chat_id: int) -> Chat:
    chat = s.get(Chat, chat_id)
    if chat is None:
        raise NotFound("chat.no_chat", chat_id=chat_id)
    return chat


def close_chat(s: Session, chat_id: int, agent: Agent, now: datetime) -> Chat:
    """End a chat (mark served): it leaves the session list, its history stays."""
    chat = get_chat(s, chat_id)
    if chat.status == ChatStatus.CLOSED:
        return chat
    code = close_refusal(actor=agent.id, actor_is_supervisor=is_supervisor(agent.role), chat_agent=chat.agent_id)
    if code:
        raise TeamRuleError(code)
    chat.status = ChatStatus.CLOSED
    chat.closed_at = now
    chat.closed_by = agent.id
    chat.unread = 0
    s.add(Message(chat_id=chat.id, sender=Sender.SYSTEM, text=f"{agent.name} 结束了会话", created_at=now))
    chat.message_count += 1
    s.flush()
    return chat


def mark_read(s: Session, chat_id: int) -> None:
    chat = get_chat(s, chat_id)
    if chat.unread:
        chat.unread = 0


def _summary_query():
    return (
        select(Chat, Buyer.nick, Agent.name)
        .join(Buyer, Buyer.id == Chat.buyer_id)
        .join(Agent, Agent.id == Chat.agent_id, isouter=True)
    )


def _summary(chat: Chat, nick: str, agent: str | None) -> ChatSummary:
    return ChatSummary(
        chat_id=chat.id, buyer_nick=nick, status=ChatStatus(chat.status), unread=chat.unread,
        preview=chat.last_preview, last_message_at=chat.last_message_at,
        waiting_since=chat.waiting_since, first_response_seconds=chat.first_response_seconds,
        agent=agent, opened_at=chat.opened_at,
    )


def _summary_columns():
    """The session-list row as plain columns (no ORM object per chat)."""
    return select(Chat.id, Buyer.nick, Chat.status, Chat.unread, Chat.last_preview, Chat.last_message_at,
                  Chat.waiting_since, Chat.first_response_seconds, Agent.name, Chat.opened_at) \
        .join(Buyer, Buyer.id == Chat.buyer_id).join(Agent, Agent.id == Chat.agent_id, isouter=True)


def agent_open_chats(s: Session, agent_id: int) -> list[ChatSummary]:
    """One agent's open chats (index ``ix_chats_agent_status``: as many rows as the agent has,
    whatever the size of the store), unsorted."""
    q = _summary_columns().where(Chat.agent_id == agent_id, Chat.status != ChatStatus.CLOSED)
    return [summary_row(r) for r in s.exec(q).all()]


def open_chats_page(s: Session, limit: int) -> list[ChatSummary]:
    """The first ``limit`` open chats in session-list order, read from two partial indexes
    (waiting: longest wait first; answered: latest activity first) — never the whole table."""
    waiting = s.exec(_summary_columns()
                     .where(Chat.status != ChatStatus.CLOSED, col(Chat.waiting_since).is_not(None))
                     .order_by(col(Chat.waiting_since), col(Chat.id)).limit(limit)).all()
    out = [summary_row(r) for r in waiting]
    if len(out) < limit:
        served = s.exec(_summary_columns()
                        .where(Chat.status != ChatStatus.CLOSED, col(Chat.waiting_since).is_(None))
                        .order_by(OPEN_ACTIVITY.desc(), col(Chat.id)).limit(limit - len(out))).all()
        out += [summary_row(r) for r in served]
    return out


def queue_length(s: Session) -> int:
    """Waiting chats nobody has (index ``ix_chats_queue``)."""
    return int(s.exec(select(func.count()).select_from(Chat)
                      .where(Chat.status == ChatStatus.WAITING, col(Chat.agent_id).is_(None))).one())


def breached_page(s: Session, older_than: datetime, limit: int) -> list[ChatSummary]:
    """Waiting chats whose wait began before ``older_than``, longest first, at most ``limit``."""
    q = (_summary_columns()
         .where(Chat.status != ChatStatus.CLOSED, col(Chat.waiting_since).is_not(None),
                col(Chat.waiting_since) < older_than)
         .order_by(col(Chat.waiting_since), col(Chat.id)).limit(limit))
    return [summary_row(r) for r in s.exec(q).all()]


def chat_summary(s: Session, chat_id: int) -> ChatSummary:
    row = s.exec(_summary_query().where(Chat.id == chat_id)).first()
    if row is None:
        raise NotFound("chat.no_chat", chat_id=chat_id)
    return _summary(*row)


# ---- messages -------------------------------------------------------------------------------
def _views(s: Session, rows: list[Message]) -> list[MessageView]:
    agent_ids = {m.agent_id for m in rows if m.agent_id}
    names = dict(s.exec(select(Agent.id, Agent.name).where(col(Agent.id).in_(agent_ids))).all()) if agent_ids else {}
    status = delivery_statuses(s, [m.id for m in rows if m.sender == Sender.AGENT])
    return [
        MessageView(id=m.id, chat_id=m.chat_id, sender=Sender(m.sender),
                    author=names.get(m.agent_id, "") if m.agent_id else "",
                    text=m.text, created_at=m.created_at, status=status.get(m.id, ("", ""))[0],
                    error=status.get(m.id, ("", ""))[1])
        for m in rows
    ]


def delivery_statuses(s: Session, message_ids: list[int]) -> dict[int, tuple[str, str]]:
    """message id → (delivery status, error) of outbound channel messages (gateway)."""
    if not message_ids:
        return {}
    rows = s.exec(select(ChannelMessage.message_id, ChannelMessage.status, ChannelMessage.error)
                  .where(col(ChannelMessage.message_id).in_(message_ids), ChannelMessage.direction == "out")).all()
    return {m: (st, err) for m, st, err in rows}


def _message_rows(s: Session, where, *, newest_first: bool, limit: int | None = None) -> list[MessageView]:
    """Messages with their author as plain columns (one query, Core rows: a chat switch reads
    ~100 of them), oldest first."""
    q = (select(Message.id, Message.chat_id, Message.sender, Agent.name, Message.text, Message.created_at)
         .join(Agent, Agent.id == Message.agent_id, isouter=True).where(*where)
         .order_by(col(Message.id).desc() if newest_first else col(Message.id)))
    if limit is not None:
        q = q.limit(limit)
    rows = s.connection().execute(q).all()
    if newest_first:
        rows.reverse()
    senders = {v.value: v for v in Sender}
    status = delivery_statuses(s, [r[0] for r in rows if r[2] == Sender.AGENT])
    return [MessageView(id=r[0], chat_id=r[1], sender=senders[r[2]], author=r[3] or "", text=r[4], created_at=r[5],
                        status=status.get(r[0], ("", ""))[0], error=status.get(r[0], ("", ""))[1])
            for r in rows]


def recent_messages(s: Session, chat_id: int, limit: int = 100, before_id: int | None = None) -> list[MessageView]:
    """The last ``limit`` messages (older than ``before_id`` if given), oldest first."""
    where = [Message.chat_id == chat_id]
    if before_id is not None:
        where.append(Message.id < before_id)
    return _message_rows(s, where, newest_first=True, limit=limit)


def messages_after(s: Session, chat_id: int, after_id: int) -> list[MessageView]:
    """Messages newer than ``after_id``, oldest first (incremental refresh)."""
    return _message_rows(s, [Message.chat_id == chat_id, Message.id > after_id], newest_first=False)


def count_messages(s: Session, chat_id: int) -> int:
    return s.exec(select(func.count()).select_from(Message).where(Message.chat_id == chat_id)).one()


# ---- drafts ---------------------------------------------------------------------------------
def save_draft(s: Session, chat_id: int, agent: Agent, text: str, cursor: int, now: datetime) -> None:
    """Upsert the agent's draft for the chat (an empty text deletes it)."""
    draft = s.exec(select(Draft).where(Draft.chat_id == chat_id, Draft.agent_id == agent.id)).first()
    if not text:
        if draft is not None:
            s.delete(draft)
        return
    if draft is None:
        s.add(Draft(chat_id=chat_id, agent_id=agent.id, text=text, cursor=cursor, updated_at=now))
    elif draft.text != text or draft.cursor != cursor:
        draft.text, draft.cursor, draft.updated_at = text, cursor, now


def load_draft(s: Session, chat_id: int, agent_id: int) -> tuple[str, int]:
    draft = s.exec(select(Draft).where(Draft.chat_id == chat_id, Draft.agent_id == agent_id)).first()
    return (draft.text, draft.cursor) if draft else ("", 0)


def load_draft_of(s: Session, chat_id: int, agent: str) -> tuple[str, int]:
    """The named agent's draft for the chat, in one indexed query."""
    row = s.connection().execute(
        select(Draft.text, Draft.cursor).join(Agent, Agent.id == Draft.agent_id)
        .where(Draft.chat_id == chat_id, Agent.name == agent.strip())).first()
    return (row[0], row[1]) if row else ("", 0)


def drafts_of(s: Session, agent: str, chat_ids: list[int]) -> dict[int, tuple[str, int]]:
    """The named agent's drafts of ``chat_ids`` (the session list's chats) in one query."""
    if not chat_ids:
        return {}
    rows = s.connection().execute(
        select(Draft.chat_id, Draft.text, Draft.cursor).join(Agent, Agent.id == Draft.agent_id)
        .where(col(Draft.chat_id).in_(chat_ids), Agent.name == agent.strip())).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def buyer_log(s: Session, buyer: Buyer) -> list[MessageView]:
    """Every message of every chat with the buyer, oldest first."""
    rows = list(s.exec(select(Message).join(Chat, Chat.id == Message.chat_id)
                       .where(Chat.buyer_id == buyer.id).order_by(Message.id)).all())
    return _views(s, rows)
