"""The outbox: every message leaving through a channel (replies, broadcasts, re-sends).

Written in the agent's transaction; gateways claim due rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, under ``BEGIN IMMEDIATE`` on SQLite) with a lease, so a killed gateway's claim
expires and another (or the restarted one) delivers: at least once, same ``delivery_id``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class OutboxEntry(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_channel_id", "channel_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)  # also the pull cursor
    delivery_id: str = Field(unique=True, max_length=36)
    channel_id: int = Field(foreign_key="channels.id")
    channel_buyer_id: int = Field(foreign_key="channel_buyers.id", index=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    payload: str  # the JSON body delivered, fixed at enqueue time
    broadcast: bool = False
    state: str = Field(default="pending", max_length=16)  # domain.gateway.OutboxState
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str = Field(default="", max_length=64)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
