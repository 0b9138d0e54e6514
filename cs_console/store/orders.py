"""Repository for the order aggregate: orders, item lines, views, and the batched import writer.

Functions take an open ``Session`` (the caller owns the transaction) and return plain views
from ``cs_console.domain.orders`` for reading, or table rows for the services that change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cs_console.domain.messages import UserError
from cs_console.domain.money import shown
from cs_console.domain.order_import import ParsedItem, ParsedOrder
from cs_console.domain.orders import ItemView, OrderState, OrderView, listing_prices
from cs_console.store import audit, bulk
from cs_console.store.tables import AuditEntry, Buyer, Order, OrderItem

CHUNK = 900  # IN (...) lists stay well under SQLite's variable limit
IMPORT_AGENT = "导入"
order_t = Order.__table__


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
        raise OrderNotFound(f"no order {order_no!r}")
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


def _item_view(i: OrderItem, listing: dict[int, Decimal]) -> ItemView:
    return ItemView(line_no=i.line_no, title=i.title, colour=i.colour, size=i.size, unit_price=i.unit_price,
                    quantity=i.quantity, free_postage=i.free_postage, closed=i.closed, close_reason=i.close_reason,
                    listing_price=listing.get(i.line_no))


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


def order_view(o: Order, buyer: str, items: Iterable[OrderItem],
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


# ---- batched import -------------------------------------------------------------------------
@dataclass(slots=True)
class Existing:
    id: int
    state: str
    locally_edited: bool
    postage: Decimal
    amount: Decimal


def _chunks(seq: Sequence, n: int = CHUNK):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def existing_orders(s: Session, order_nos: Sequence[str]) -> dict[str, Existing]:
    """The orders of a file that the store already has (Core selects: no ORM objects per row)."""
    out: dict[str, Existing] = {}
    if s.exec(select(Order.id).limit(1)).first() is None:
        return out  # first import into an empty store
    conn = s.connection()
    q = sa_select(order_t.c.id, order_t.c.order_no, order_t.c.state, order_t.c.locally_edited_at.is_not(None),
                  order_t.c.postage, order_t.c.amount)
    for chunk in _chunks(list(order_nos)):
        for oid, no, state, edited, postage, amount in conn.execute(q.where(order_t.c.order_no.in_(chunk))):
            out[no] = Existing(oid, state, bool(edited), postage, amount)
    return out


def _ids_by(s: Session, key_col, id_col, keys: Sequence) -> dict:
    conn = s.connection()
    out: dict = {}
    for chunk in _chunks(list(keys)):
        out.update({k: i for i, k in conn.execute(sa_select(id_col, key_col).where(key_col.in_(chunk)))})
    return out


def ensure_buyers(s: Session, nicks: Iterable[str], now: datetime) -> dict[str, int]:
    """Buyer id per nick, inserting the missing buyers in one batch."""
    wanted = list(dict.fromkeys(nicks))
    ids = _ids_by(s, Buyer.nick, Buyer.id, wanted)
    missing = [n for n in wanted if n not in ids]
    if missing:
        when = bulk.codec(s.connection()).time(now)
        bulk.insert_many(s.connection(), Buyer.__table__, ("nick", "tags", "created_at"),
                         [(n, "", when) for n in missing])
        ids.update(_ids_by(s, Buyer.nick, Buyer.id, missing))
    return ids


_IMPORTED = ("state", "buyer_id", "placed_at", "paid_at", "shipped_at", "receiver_name", "phone", "province", "city",
             "district", "address_detail", "items_total", "postage", "amount", "discount", "courier", "tracking_no",
             "buyer_message", "close_reason", "imported_at")
_ITEM_FIELDS = ("title", "colour", "size", "unit_price", "quantity", "free_postage")


def _imported_values(o: ParsedOrder, buyer_id: int, now: object, c: bulk.Codec) -> tuple:
    return (o.state.value, buyer_id, c.time(o.placed_at), c.time(o.paid_at), c.time(o.shipped_at), o.receiver_name,
            o.phone, o.province, o.city, o.district, o.address_detail, c.money(o.items_total), c.money(o.postage),
            c.money(o.amount), c.money(o.items_total + o.postage - o.amount), o.courier, o.tracking_no, o.buyer_message, o.close_reason, now)


def write_import(s: Session, orders: Sequence[ParsedOrder], items: Sequence[ParsedItem], existing: dict[str, Existing],
                 now: datetime, source: str, progress: Callable[[int], None] = lambda n: None) -> tuple[int, int]:
    """Insert new orders, update known ones (keeping local flags/remarks), upsert item lines.

    Returns (imported, updated). Rows go through ``store.bulk`` executemany batches."""
    conn = s.connection()
    buyers = ensure_buyers(s, (o.buyer for o in orders), now)
    c = bulk.codec(conn)
    when = c.time(now)
    new_rows, upd_rows, upd_remark_rows = [], [], []
    for o in orders:
        values = _imported_values(o, buyers[o.buyer], when, c)
        old = existing.get(o.order_no)
        if old is None:
            new_rows.append((*values, o.order_no, "grey", o.remark))
            continue
        if old.locally_edited:  # keep the flag/remark agents made since the last import
            upd_rows.append((*values, old.id))
        else:
            upd_remark_rows.append((*values, o.remark, old.id))
        # what the backend changed (or put back over a local change) is on the trail too
        for field, before, after in (("state", old.state, o.state.value), ("postage", old.postage, o.postage),
                                     ("amount", old.amount, o.amount)):
            if before != after:
                audit.record(s, at=now, agent=IMPORT_AGENT, entity="order", key=o.order_no, field=field,
                             old=before, new=after, reason=f"import {source}")
    bulk.insert_many(conn, order_t, (*_IMPORTED, "order_no", "flag", "remark"), new_rows, progress)
    bulk.update_many(conn, order_t, _IMPORTED, upd_rows, progress)
    bulk.update_many(conn, order_t, (*_IMPORTED, "remark"), upd_remark_rows, progress)
    if items:
        _write_items(s, items)
        progress(len(items))
    return len(new_rows), len(upd_rows) + len(upd_remark_rows)


def _write_items(s: Session, items: Sequence[ParsedItem]) -> None:
    """Item lines numbered 1, 2, … per order in file order; a known (order, line) is updated."""
    conn = s.connection()
    money = bulk.codec(conn).money
    ids = _ids_by(s, Order.order_no, Order.id, dict.fromkeys(i.order_no for i in items))
    have: dict[tuple[int, int], int] = {}
    for chunk in _chunks(list(ids.values())):
        for iid, oid, line in s.exec(select(OrderItem.id, OrderItem.order_id, OrderItem.line_no)
                                     .where(col(OrderItem.order_id).in_(chunk))).all():
            have[(oid, line)] = iid
    counter: dict[str, int] = {}
    new_rows, upd_rows = [], []
    for it in items:
        line = counter[it.order_no] = counter.get(it.order_no, 0) + 1
        oid = ids[it.order_no]
        values = (it.title, it.colour, it.size, money(it.unit_price), it.quantity, it.free_postage)
        if (oid, line) in have:
            upd_rows.append((*values, have[(oid, line)]))
        else:
            new_rows.append((*values, oid, line, False, ""))
    bulk.insert_many(conn, OrderItem.__table__, (*_ITEM_FIELDS, "order_id", "line_no", "closed", "close_reason"), new_rows)
    bulk.update_many(conn, OrderItem.__table__, _ITEM_FIELDS, upd_rows)


def known_order_nos(s: Session, order_nos: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(order_nos))):
        found.update(s.exec(select(Order.order_no).where(col(Order.order_no).in_(chunk))).all())
    return found
