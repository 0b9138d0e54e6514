"""Orders as the views of ``cs_console.domain.orders``, from table rows or from plain
``sqlite3`` rows: shared by ``store/orders.py`` and the read-only ``cs-console orders list`` on
a current SQLite store (``store/quick_read.py``), without SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING

from cs_console.domain.money import from_fen
from cs_console.domain.orders import ItemView, OrderState, OrderView, listing_prices
from cs_console.domain.text import one_line

if TYPE_CHECKING:
    import sqlite3

    from cs_console.store.tables import Order, OrderItem

CHUNK = 900  # IN (...) lists stay well under SQLite's variable limit


def _item_view(i: OrderItem | SimpleNamespace, listing: dict[int, Decimal]) -> ItemView:
    return ItemView(line_no=i.line_no, title=i.title, colour=i.colour, size=i.size, unit_price=i.unit_price,
                    quantity=i.quantity, free_postage=i.free_postage, closed=i.closed, close_reason=i.close_reason,
                    listing_price=listing.get(i.line_no), merchant_code=i.merchant_code, item_id=i.item_id)


def order_view(o: Order | SimpleNamespace, buyer: str, items: Iterable[OrderItem | SimpleNamespace],
               listing: dict[int, Decimal] | None = None) -> OrderView:
    return OrderView(
        order_no=o.order_no, buyer=buyer, state=OrderState(o.state), placed_at=o.placed_at, paid_at=o.paid_at,
        shipped_at=o.shipped_at, receiver_name=o.receiver_name, phone=o.phone, province=o.province,
        city=o.city, district=o.district, address_detail=o.address_detail, items_total=o.items_total,
        postage=o.postage, amount=o.amount, courier=o.courier, tracking_no=o.tracking_no, flag=o.flag,
        remark=o.remark, buyer_message=o.buyer_message, close_reason=o.close_reason,
        receipt_deadline=o.receipt_deadline, items=tuple(_item_view(i, listing or {}) for i in items),
        flag_version=o.flag_version or 0,
    )


# ---- the same reads through sqlite3 (``store.quick_read``) ---------------------------------
# the columns ``order_view`` reads; money is stored as integer fen, instants as naive UTC text
_ORDER_COLUMNS = ("order_no", "placed_at", "paid_at", "shipped_at", "state", "receiver_name", "phone", "province",
                  "city", "district", "address_detail", "items_total", "postage", "amount", "courier",
                  "tracking_no", "flag", "remark", "buyer_message", "close_reason", "receipt_deadline",
                  "flag_version")
_ITEM_COLUMNS = ("order_id", "line_no", "title", "colour", "size", "unit_price", "quantity", "free_postage",
                 "closed", "close_reason", "merchant_code", "item_id")
_INSTANTS = {"placed_at", "paid_at", "shipped_at", "receipt_deadline"}
_MONEY = {"items_total", "postage", "amount", "unit_price"}
_FLAGS = {"free_postage", "closed"}


def _row(names: Sequence[str], values: Sequence) -> SimpleNamespace:
    """A row with the table's attribute names and the values the column types give."""
    from cs_console.store.quick_read import utc

    row = dict(zip(names, values, strict=True))
    for name in _INSTANTS & row.keys():
        row[name] = utc(row[name])
    for name in _MONEY & row.keys():
        row[name] = None if row[name] is None else from_fen(int(row[name]))
    for name in _FLAGS & row.keys():
        row[name] = bool(row[name])
    return SimpleNamespace(**row)


def list_orders_quick(conn: sqlite3.Connection, *, buyer: str | None = None, state: str | None = None,
                      flag: str | None = None) -> list[OrderView]:
    """``store.orders.list_orders`` (newest first by time placed, with items and listing
    prices) for the buyer named ``buyer`` (none such: no orders), through ``sqlite3``."""
    where, args = [], []
    if buyer is not None:
        found = conn.execute("SELECT id FROM buyers WHERE nick = ?", (one_line(buyer),)).fetchone()
        if found is None:
            return []
        where.append("o.buyer_id = ?")
        args.append(found[0])
    if state:
        where.append("o.state = ?")
        args.append(state)
    if flag:
        where.append("o.flag = ?")
        args.append(flag)
    sql = (f"SELECT o.id, b.nick, {', '.join('o.' + c for c in _ORDER_COLUMNS)} FROM orders o "
           f"JOIN buyers b ON b.id = o.buyer_id{' WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY o.placed_at DESC, o.id DESC")
    found = [(r[0], r[1], _row(_ORDER_COLUMNS, r[2:])) for r in conn.execute(sql, args)]
    items: dict[int, list[SimpleNamespace]] = {order_id: [] for order_id, _, _ in found}
    ids = list(items)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for r in conn.execute(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM order_items WHERE order_id IN "
                              f"({', '.join('?' * len(chunk))}) ORDER BY line_no", chunk):
            items[r[0]].append(_row(_ITEM_COLUMNS, r))
    nos = [o.order_no for _, _, o in found]
    changes: dict[str, list[tuple[str, str]]] = {}
    for i in range(0, len(nos), CHUNK):
        chunk = nos[i:i + CHUNK]
        for key, field, old in conn.execute(
                "SELECT entity_key, field, old FROM audit_log WHERE entity = 'order' AND entity_key IN "
                f"({', '.join('?' * len(chunk))}) AND field LIKE 'line % unit_price' ORDER BY id", chunk):
            changes.setdefault(key, []).append((field, old))
    listing = {key: listing_prices(rows) for key, rows in changes.items()}
    return [order_view(o, nick, items[order_id], listing.get(o.order_no)) for order_id, nick, o in found]
