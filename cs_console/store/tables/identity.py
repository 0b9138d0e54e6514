"""Sign-in: an agent's password hash and failure count, and sessions/tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class AgentCredential(SQLModel, table=True):
    """One agent's argon2 password hash and wrong-password counter (rate limit)."""

    __tablename__ = "agent_credentials"
    agent_id: int = Field(foreign_key="agents.id", primary_key=True)
    password_hash: str = Field(max_length=256)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class AgentSession(SQLModel, table=True):
    """A sign-in (kind ``session``) or a script token (kind ``token``). Only the SHA-256 of the
    secret is stored; the secret itself lives in the owner's 0600 file or environment."""

    __tablename__ = "agent_sessions"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    kind: str = Field(max_length=16)
    via: str = Field(max_length=16)
    label: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
