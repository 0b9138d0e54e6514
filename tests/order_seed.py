"""Seeding helpers for the after-sales / follow-up / report tests (orders straight into the store)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order, OrderItem


def add_order(desk, order_no: str, buyer: str, *, placed_at: datetime, state: str = "PAID",
              amount: str = "100.00", paid_at: datetime | None = None, flag: str = "grey",
              title: str = "连体衣", postage: str = "0.00") -> None:
    with desk.store.write() as s:
        b = ensure_buyer(s, buyer, placed_at)
        o = Order(order_no=order_no, buyer_id=b.id, placed_at=placed_at, paid_at=paid_at, state=state,
                  items_total=Decimal(amount) - Decimal(postage), postage=Decimal(postage),
                  amount=Decimal(amount), flag=flag)
        s.add(o)
        s.flush()
        s.add(OrderItem(order_id=o.id, line_no=1, title=title, colour="粉色", size="73",
                        unit_price=Decimal(amount) - Decimal(postage), quantity=1))
