"""The handover book's event log (交接本): append-only, keyed by UUID so logs of several
stores can be merged (``store.sync``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class HandoverEvent(SQLModel, table=True):
    """One event of a handover note (created, edited, acknowledged, done, reopened).

    Never updated or deleted; a note's state is derived from its events
    (``domain.handover.derive``)."""

    __tablename__ = "handover_events"
    __table_args__ = (Index("ix_handover_events_note_at", "note_id", "at"),)
    id: str = Field(primary_key=True, max_length=36)
    note_id: str = Field(max_length=36)
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    author: str = Field(max_length=64)
    origin: str = Field(max_length=64)
    data: dict = Field(default_factory=dict, sa_type=JSON)
