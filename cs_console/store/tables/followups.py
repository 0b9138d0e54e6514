"""Follow-up records (unpaid orders, unserved buyers, reviews), imported reviews, memos and the
morning-checklist marks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from cs_console.store.types import UTCDateTime


class FollowUpRecord(SQLModel, table=True):
    """跟进记录: an agent followed up an unpaid order / an unserved buyer / a review."""

    __tablename__ = "followup_records"
    __table_args__ = (Index("ix_followups_kind_key", "kind", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # domain.followups.FollowupKind
    key: str = Field(max_length=64)  # order number / chat id / review id
    at: datetime = Field(sa_type=UTCDateTime)
    agent: str = Field(max_length=64)
    note: str = ""


class Review(SQLModel, table=True):
    """A buyer's review (评价) imported from the platform's CSV export."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("order_no", "buyer_nick", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    order_no: str = Field(max_length=64, index=True)
    buyer_nick: str = Field(max_length=128)
    rating: str = Field(max_length=8)
    text: str = ""
    day: date
    imported_at: datetime = Field(sa_type=UTCDateTime)


class Memo(SQLModel, table=True):
    """备忘录: one agent's note, optionally about a buyer or an order."""

    __tablename__ = "memos"
    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    text: str
    buyer_nick: str = Field(default="", max_length=128)
    order_no: str = Field(default="", max_length=64)
    done: bool = False
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChecklistMark(SQLModel, table=True):
    """The morning checklist was shown to ``agent`` on local ``day``."""

    __tablename__ = "checklist_marks"
    __table_args__ = (UniqueConstraint("agent", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(max_length=64)
    day: date
    at: datetime = Field(sa_type=UTCDateTime)
