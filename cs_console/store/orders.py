"""Repository for the order aggregate: orders, item lines and their views (imports: ``store.order_staging``).

Functions take an open ``Session`` (the caller owns the transaction) and return plain views
from ``cs_console.domain.orders`` for reading, or table rows for the services that change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from cs_console.domain.messages import UserError
from cs_console.domain.money import shown
from cs_console.domain.orders import OrderView, listing_prices
from cs_console.store.order_rows import CHUNK, order_view
from cs_console.store.tables import AuditEntry, Buyer, Order, OrderItem


class OrderNotFound(UserError, LookupError):
    """No order (or item line) with that number."""


# ---- reads ----------------------------------------------------------------------------------
def get_order(s: Session, order_no: str) -> Order:
    order = s.exec(select(Order).where(Order.order_no == order_no.strip())).first()
    if order is None:
        raise OrderNotFound("order.not_found", order_no=shown(order_no))
    return order


def lock_order(s: Session, order_no: str) -> Order:
    """The order row, locked until the transaction ends (``SELECT … FOR UPDATE`` on PostgreSQL;
    SQLite's ``BEGIN IMMEDIATE`` already holds the whole store), read fresh from the database:
    every read-modify-write of its money or flag starts here, so no concurrent change is lost."""
    order = s.exec(select(Order).where(Order.order_no == order_no.strip()).with_for_update()
                   .execution_options(populate_existing=True)).first()
    if order is None:
        raise OrderNotFound("order.not_found", order_no=order_no)
    return order


def last_changer(s: Session, order_no: str, fields: Sequence[str]) -> str:
    """Who last changed one of ``fields`` of the order (from the audit trail), or ''."""
    row = s.exec(select(AuditEntry.agent).where(AuditEntry.entity == "order", AuditEntry.entity_key == order_no,
                                                col(AuditEntry.field).in_(list(fields)))
                 .order_by(col(AuditEntry.id).desc())).first()
    return row or ""


def items_of(s: Session, order_id: int) -> list[OrderItem]:
    return list(s.exec(select(OrderItem).where(OrderItem.order_id == order_id).order_by(col(OrderItem.line_no))).all())


def latest_order(s: Session, buyer_id: int) -> Order | None:
    """The buyer's most recently placed order."""
    return s.exec(select(Order).where(Order.buyer_id == buyer_id)
                  .order_by(col(Order.placed_at).desc(), col(Order.id).desc())).first()


def get_item(s: Session, order: Order, line_no: int) -> OrderItem:
    item = s.exec(select(OrderItem).where(OrderItem.order_id == order.id, OrderItem.line_no == line_no)).first()
    if item is None:
        raise OrderNotFound("order.no_line", order_no=order.order_no, line=line_no)
    return item


def listing_prices_of(s: Session, order_nos: Sequence[str]) -> dict[str, dict[int, Decimal]]:
    """Per order, each changed line's listing price (from the audit trail, oldest change first)."""
    changes: dict[str, list[tuple[str, str]]] = {}
    for i in range(0, len(order_nos), CHUNK):
        rows = s.exec(select(AuditEntry.entity_key, AuditEntry.field, AuditEntry.old).where(
            AuditEntry.entity == "order", col(AuditEntry.entity_key).in_(order_nos[i:i + CHUNK]),
            col(AuditEntry.field).like("line % unit_price")).order_by(col(AuditEntry.id))).all()
        for key, field, old in rows:
            changes.setdefault(key, []).append((field, old))
    return {key: listing_prices(rows) for key, rows in changes.items()}


def view_of(s: Session, order: Order) -> OrderView:
    buyer = s.get(Buyer, order.buyer_id)
    return order_view(order, buyer.nick if buyer else "", items_of(s, order.id),
                      listing_prices_of(s, [order.order_no]).get(order.order_no))


def list_orders(s: Session, *, buyer_id: int | None = None, state: str | None = None,
                flag: str | None = None, limit: int | None = None) -> list[OrderView]:
    """Orders newest first (by time placed), with their items, filtered as asked."""
    q = select(Order, Buyer.nick).join(Buyer, Buyer.id == Order.buyer_id)
    if buyer_id is not None:
        q = q.where(Order.buyer_id == buyer_id)
    if state:
        q = q.where(Order.state == state)
    if flag:
        q = q.where(Order.flag == flag)
    q = q.order_by(col(Order.placed_at).desc(), col(Order.id).desc())
    if limit:
        q = q.limit(limit)
    found = list(s.exec(q).all())
    by_order: dict[int, list[OrderItem]] = {o.id: [] for o, _ in found}
    ids = list(by_order)
    for i in range(0, len(ids), CHUNK):
        for it in s.exec(select(OrderItem).where(col(OrderItem.order_id).in_(ids[i:i + CHUNK]))
                         .order_by(col(OrderItem.line_no))).all():
            by_order[it.order_id].append(it)
    listing = listing_prices_of(s, [o.order_no for o, _ in found])
    return [order_view(o, nick, by_order[o.id], listing.get(o.order_no)) for o, nick in found]


def count_changes(s: Session, order_no: str, field: str) -> int:
    """How many audit rows changed ``field`` of the order (e.g. receipt deadline extensions)."""
    return s.exec(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "order", AuditEntry.entity_key == order_no, AuditEntry.field == field)).one()
