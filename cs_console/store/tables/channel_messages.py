"""What the gateway knows about a message: its kind, channel, platform ids and delivery status.

A side table keyed by ``messages.id`` (a message without a row is a local text line), so the
``messages`` table of existing stores needs no migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class ChannelMessage(SQLModel, table=True):
    __tablename__ = "channel_messages"
    __table_args__ = (UniqueConstraint("channel_id", "platform_message_id"),)
    message_id: int = Field(foreign_key="messages.id", primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    kind: str = Field(default="text", max_length=16)  # domain.gateway.MessageKind
    direction: str = Field(max_length=3)  # "in" | "out"
    platform_message_id: str | None = Field(default=None, max_length=128)  # inbound: the platform's id
    status: str = Field(default="", max_length=16)  # outbound: domain.gateway.DeliveryStatus
    error: str = Field(default="", max_length=300)
    updated_at: datetime = Field(sa_type=UTCDateTime)
