"""Team tables: agent profiles (capacity), chat assignments (分流/转发 log), hang-up requests
(挂起), broadcasts (群发) and their recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class AgentProfile(SQLModel, table=True):
    """Per-agent settings beyond ``agents`` (a capacity of None takes the shop default)."""

    __tablename__ = "agent_profiles"
    agent_id: int = Field(foreign_key="agents.id", primary_key=True)
    capacity: int | None = None


class Assignment(SQLModel, table=True):
    """Every time a chat gets (or loses) an agent: auto, manual, forward, requeue, breach."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_agent_id", "agent_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chats.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agents.id")  # None: back to the queue
    from_agent_id: int | None = Field(default=None, foreign_key="agents.id")
    kind: str = Field(max_length=16)
    by: str = Field(default="", max_length=64)  # who did it ("" = the distributor)
    reason: str = Field(default="", max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class HangupRequest(SQLModel, table=True):
    """An agent's request to stop receiving new chats, and the supervisor's decision."""

    __tablename__ = "hangup_requests"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    reason: str = Field(max_length=200)
    state: str = Field(default="pending", max_length=16, index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="agents.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=200)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """One broadcast: who, when, which filter, what text, how many buyers."""

    __tablename__ = "broadcasts"
    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    filter: str = Field(max_length=200)
    text: str
    count: int = 0
    skipped: int = 0


class BroadcastRecipient(SQLModel, table=True):
    """One buyer reached by a broadcast (and the outbound message it produced)."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (Index("ix_broadcast_recipients_buyer_at", "buyer_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcasts.id", index=True)
    buyer_id: int = Field(foreign_key="buyers.id")
    chat_id: int = Field(foreign_key="chats.id")
    message_id: int = Field(foreign_key="messages.id")
    at: datetime = Field(sa_type=UTCDateTime, index=True)
