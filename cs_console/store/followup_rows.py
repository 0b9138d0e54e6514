"""The unpaid-orders follow-up list's rows through ``sqlite3`` on a current SQLite store
(``store/quick_read.py``): the WAIT_BUYER_PAY orders with their buyers, the latest contact
record per order and the orders' item lines, as ``store/followups.py`` and ``store/orders.py``
read them through the session; ``domain.followups.unpaid_views`` makes the list from them."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from cs_console.domain.followups import FollowupKind, UnpaidView, unpaid_views
from cs_console.domain.money import from_fen
from cs_console.domain.orders import describe_items
from cs_console.store.quick_read import utc


class _Order(NamedTuple):
    id: int
    order_no: str
    placed_at: datetime
    amount: Decimal


class _Item(NamedTuple):
    title: str
    colour: str
    size: str
    quantity: int
    closed: bool


class _Record(NamedTuple):
    at: datetime
    agent: str


def unpaid_quick(conn: sqlite3.Connection, now: datetime, settings, *, include_contacted: bool) -> list[UnpaidView]:
    """``FollowupService.unpaid`` through ``sqlite3`` (one read per table)."""
    orders = [(_Order(r[0], r[1], utc(r[2]), from_fen(int(r[3]))), r[4]) for r in conn.execute(
        "SELECT o.id, o.order_no, o.placed_at, o.amount, b.nick FROM orders o JOIN buyers b ON b.id = o.buyer_id "
        "WHERE o.state = 'WAIT_BUYER_PAY' ORDER BY o.placed_at")]
    records = {key: _Record(utc(at), agent) for key, at, agent in conn.execute(
        "SELECT key, at, agent FROM followup_records WHERE kind = ? ORDER BY id", (FollowupKind.UNPAID.value,))}
    items: dict[int, list[_Item]] = defaultdict(list)
    for order_id, *line in conn.execute(
            "SELECT i.order_id, i.title, i.colour, i.size, i.quantity, i.closed FROM order_items i "
            "JOIN orders o ON o.id = i.order_id WHERE o.state = 'WAIT_BUYER_PAY' ORDER BY i.order_id, i.line_no"):
        items[order_id].append(_Item(*line))
    return unpaid_views(orders, records, now, settings, include_contacted=include_contacted,
                        describe=lambda order: describe_items(items[order.id]))
