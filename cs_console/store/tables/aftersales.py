"""After-sales register (售后登记表): cases and their follow-up entries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cs_console.store.types import Money, UTCDateTime


class AfterSaleCase(SQLModel, table=True):
    """One after-sales case, linked to an order, its buyer and (when known) the chat."""

    __tablename__ = "aftersale_cases"
    __table_args__ = (Index("ix_cases_state_created", "state", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_by: str = Field(max_length=64)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_no: str = Field(max_length=64)
    buyer_id: int = Field(foreign_key="buyers.id", index=True)
    chat_id: int | None = Field(default=None, foreign_key="chats.id")
    reason: str = Field(max_length=16)
    note: str = ""
    handling: str = Field(max_length=16)
    amount: Decimal | None = Field(default=None, sa_type=Money)
    return_tracking_no: str = Field(default="", max_length=64)
    state: str = Field(max_length=16)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    closed_by: str = Field(default="", max_length=64)


class CaseFollowUp(SQLModel, table=True):
    """跟进记录: who wrote what, when, on a case."""

    __tablename__ = "aftersale_followups"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="aftersale_cases.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    agent: str = Field(max_length=64)
    text: str
