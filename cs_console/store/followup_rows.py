"""The follow-up lists' rows through ``sqlite3`` on a current SQLite store
(``store/quick_read.py``), as ``store/followups.py`` and ``store/orders.py`` read them through
the session: the WAIT_BUYER_PAY orders with their buyers and item lines, the reviews, and the
latest follow-up record per key; ``domain.followups.unpaid_views`` / ``review_views`` make the
lists from them."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from cs_console.domain.followups import (
    FollowupKind,
    ReviewView,
    UnpaidView,
    review_views,
    unpaid_views,
)
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


class _Review(NamedTuple):
    id: int
    order_no: str
    buyer_nick: str
    rating: str
    text: str
    day: date


def _records(conn: sqlite3.Connection, kind: FollowupKind) -> dict[str, _Record]:
    """The latest record per key of one kind (``store.followups.latest_records``)."""
    return {key: _Record(utc(at), agent) for key, at, agent in conn.execute(
        "SELECT key, at, agent FROM followup_records WHERE kind = ? ORDER BY id", (kind.value,))}


def reviews_quick(conn: sqlite3.Connection, *, pending_only: bool) -> list[ReviewView]:
    """``FollowupService.reviews`` through ``sqlite3``."""
    reviews = [_Review(*r[:5], date.fromisoformat(r[5])) for r in conn.execute(
        "SELECT id, order_no, buyer_nick, rating, text, day FROM reviews ORDER BY day, id")]
    return review_views(reviews, _records(conn, FollowupKind.REVIEW), pending_only=pending_only)


def unpaid_quick(conn: sqlite3.Connection, now: datetime, settings, *, include_contacted: bool) -> list[UnpaidView]:
    """``FollowupService.unpaid`` through ``sqlite3`` (one read per table)."""
    orders = [(_Order(r[0], r[1], utc(r[2]), from_fen(int(r[3]))), r[4]) for r in conn.execute(
        "SELECT o.id, o.order_no, o.placed_at, o.amount, b.nick FROM orders o JOIN buyers b ON b.id = o.buyer_id "
        "WHERE o.state = 'WAIT_BUYER_PAY' ORDER BY o.placed_at")]
    records = _records(conn, FollowupKind.UNPAID)
    items: dict[int, list[_Item]] = defaultdict(list)
    for order_id, *line in conn.execute(
            "SELECT i.order_id, i.title, i.colour, i.size, i.quantity, i.closed FROM order_items i "
            "JOIN orders o ON o.id = i.order_id WHERE o.state = 'WAIT_BUYER_PAY' ORDER BY i.order_id, i.line_no"):
        items[order_id].append(_Item(*line))
    return unpaid_views(orders, records, now, settings, include_contacted=include_contacted,
                        describe=lambda order: describe_items(items[order.id]))
