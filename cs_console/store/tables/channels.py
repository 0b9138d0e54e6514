"""Gateway channels (the web chat page, platform bridges) and the buyers known on each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class Channel(SQLModel, table=True):
    """One way buyers reach the shop. Only the SHA-256 of the API token is kept; the webhook
    secret is kept as is (the gateway must sign with it) and shown once at creation."""

    __tablename__ = "channels"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=32)
    kind: str = Field(max_length=16)  # domain.gateway.ChannelKind
    token_hash: str = Field(default="", index=True, max_length=64)
    webhook_url: str = Field(default="", max_length=2048)
    webhook_secret: str = Field(default="", max_length=128)
    max_attempts: int = 8
    broadcast_per_minute: int = 20
    next_broadcast_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChannelBuyer(SQLModel, table=True):
    """A buyer as a channel knows them (the bridge's buyer id, or the web page's session key)."""

    __tablename__ = "channel_buyers"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    external_id: str = Field(max_length=128)
    buyer_id: int = Field(foreign_key="buyers.id", index=True)
    order_no: str | None = Field(default=None, max_length=40)  # the order the buyer says it is about
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RateBucket(SQLModel, table=True):
    """A token bucket of the gateway's rate limits (a client IP, a buyer session), kept in the
    store so that every gateway process on it counts the same requests. The key is a hash: no
    IP address or session key is stored."""

    __tablename__ = "rate_buckets"
    key: str = Field(primary_key=True, max_length=64)
    tokens: float
    at: float  # Unix seconds of the last refill (protocol time, as the webhook timestamps)
