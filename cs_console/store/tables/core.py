"""Core tables: store metadata, agents, buyers, chats, messages, drafts, response times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, func
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class Meta(SQLModel, table=True):
    """Key/value facts about the store itself (``schema_version``, ``store_id``)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str


class Agent(SQLModel, table=True):
    """客服 account (sub-account of the shop)."""

    __tablename__ = "agents"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    role: str = Field(default="agent", max_length=32)
    status: str = Field(default="offline", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Buyer(SQLModel, table=True):
    """买家, known by the platform nick (旺旺ID)."""

    __tablename__ = "buyers"
    id: int | None = Field(default=None, primary_key=True)
    nick: str = Field(index=True, unique=True, max_length=128)
    tags: str = Field(default="", max_length=512)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Chat(SQLModel, table=True):
    """会话: one conversation with a buyer, open until an agent ends it."""

    __tablename__ = "chats"
    __table_args__ = (
        Index("ix_chats_status_waiting", "status", "waiting_since"),
        Index("ix_chats_agent_status", "agent_id", "status"),  # one agent's open chats, load counts
        Index("ix_chats_queue", "status", "agent_id", "waiting_since", "id"),  # the queue, oldest first
        Index("ix_chats_first_buyer_at", "first_buyer_at"),  # reports: chats started in a period
        # a buyer's chats; the report's conversions join an order's buyer to the chats started in
        # the period from this index alone
        Index("ix_chats_buyer_started", "buyer_id", "first_buyer_at"),
        Index("ix_chats_opened_at", "opened_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(foreign_key="buyers.id")  # indexed with first_buyer_at (ix_chats_buyer_started)
    agent_id: int | None = Field(default=None, foreign_key="agents.id", index=True)
    status: str = Field(default="waiting", max_length=16)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="agents.id")
    first_buyer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_seconds: float | None = None
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_preview: str = Field(default="", max_length=200)
    unread: int = 0
    message_count: int = 0


_OPEN = Chat.__table__.c.status != "closed"
# what "latest activity" means in the session list (``domain.chat.session_order``)
OPEN_ACTIVITY = func.coalesce(Chat.__table__.c.last_message_at, Chat.__table__.c.opened_at)
# the session list of a supervisor reads the first rows of these two partial indexes
Index("ix_chats_open_waiting", Chat.__table__.c.waiting_since, Chat.__table__.c.id,
      sqlite_where=_OPEN & Chat.__table__.c.waiting_since.is_not(None),
      postgresql_where=_OPEN & Chat.__table__.c.waiting_since.is_not(None))
Index("ix_chats_open_activity", OPEN_ACTIVITY.desc(), Chat.__table__.c.id,
      sqlite_where=_OPEN & Chat.__table__.c.waiting_since.is_(None),
      postgresql_where=_OPEN & Chat.__table__.c.waiting_since.is_(None))


class Message(SQLModel, table=True):
    """One chat line from a buyer, an agent or the system."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_chat_id_id", "chat_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chats.id")
    sender: str = Field(max_length=16)
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    text: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class Draft(SQLModel, table=True):
    """An agent's unsent text in one chat (kept across switches, crashes and restarts)."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("chat_id", "agent_id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chats.id", index=True)
    agent_id: int = Field(foreign_key="agents.id")
    text: str = ""
    cursor: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ResponseRecord(SQLModel, table=True):
    """How long a buyer waited for an agent's answer (首次响应 when ``first``)."""

    __tablename__ = "response_records"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chats.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agents.id", index=True)
    buyer_at: datetime = Field(sa_type=UTCDateTime)
    replied_at: datetime = Field(sa_type=UTCDateTime, index=True)
    seconds: float
    first: bool = False
