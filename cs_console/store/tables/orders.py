"""Orders (已卖出的宝贝), their item lines, and the append-only audit log.

Shared by the orders panel/importer, the calculator, after-sales, follow-ups and
broadcast filters. Money columns are exact (integer fen via ``Money``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from cs_console.store.types import Money, UTCDateTime

# amount = items_total + postage − discount, in integer fen, checked by the database itself
AMOUNT_RULE = "amount = items_total + postage - discount"
AMOUNT_RULE_NAME = "ck_orders_amount"


class Order(SQLModel, table=True):
    """One order of the seller backend. ``state`` is a ``domain.orders`` state name."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_buyer_placed", "buyer_id", "placed_at"),
                      CheckConstraint(AMOUNT_RULE, name=AMOUNT_RULE_NAME))
    id: int | None = Field(default=None, primary_key=True)
    order_no: str = Field(index=True, unique=True, max_length=64)
    buyer_id: int = Field(foreign_key="buyers.id")
    placed_at: datetime = Field(sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: str = Field(max_length=24, index=True)
    receiver_name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address_detail: str = ""
    items_total: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    postage: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    amount: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    # what the backend took off (shop discounts inside an imported amount); agents never change it
    discount: Decimal | None = Field(default=None, sa_type=Money, nullable=False)
    courier: str = ""
    tracking_no: str = ""
    flag: str = Field(default="grey", max_length=16, index=True)
    remark: str = ""
    buyer_message: str = ""
    close_reason: str = ""
    receipt_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    imported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the last import that changed the row
    locally_edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # bumped by every flag/remark change: an edit made on an older version is refused
    flag_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


@event.listens_for(Order, "before_insert")
def _fill_discount(_mapper, _conn, order: Order) -> None:  # pragma: no cover - every insert
    """An order inserted without a discount takes the difference its amount already shows."""
    if order.discount is None:
        order.discount = (order.items_total or 0) + (order.postage or 0) - (order.amount or 0)


class OrderItem(SQLModel, table=True):
    """One item line of an order (title, colour, size, unit price, quantity)."""

    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    line_no: int
    title: str
    colour: str = ""
    size: str = ""
    unit_price: Decimal = Field(sa_type=Money)
    quantity: int = 1
    free_postage: bool = False
    closed: bool = False
    close_reason: str = ""
    # how the line links to the goods catalogue (宝贝报表 商家编码 / 商品id; empty when not exported)
    merchant_code: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    item_id: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class AuditEntry(SQLModel, table=True):
    """Append-only trail of every change to an order (who, when, field, old, new, reason).

    The code has no update or delete path for this table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_key"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    agent: str = Field(max_length=64)
    entity: str = Field(max_length=32)  # "order", "order_item", "case", …
    entity_key: str = Field(max_length=64)  # order number, "NO#line", case id
    field: str = Field(max_length=32)
    old: str = ""
    new: str = ""
    reason: str = ""
