"""Quick-reply usage per agent (for the picker's ordering and the supervisor's report)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class QuickReplyUsage(SQLModel, table=True):
    """How often one agent used one phrase code, and when last."""

    __tablename__ = "quick_reply_usage"
    __table_args__ = (UniqueConstraint("agent_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    code: str = Field(max_length=32)
    count: int = 0
    last_used_at: datetime = Field(sa_type=UTCDateTime)
