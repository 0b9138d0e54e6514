"""Columns and checks added to tables that existing stores created before them.

``create_all`` makes missing tables but never alters existing ones; each step here is
idempotent and runs inside ``Store.init``'s write transaction only when something is missing.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from cs_console.store.tables.orders import AMOUNT_RULE, AMOUNT_RULE_NAME

# SQLite cannot add a CHECK to an existing table: triggers refuse the same rows instead
_SQLITE_AMOUNT_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {AMOUNT_RULE_NAME}_{op} BEFORE {op.upper()} ON orders
        WHEN NEW.amount <> NEW.items_total + NEW.postage - NEW.discount
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {AMOUNT_RULE_NAME}'); END"""
    for op in ("insert", "update")
]


_ITEM_COLUMNS = ("merchant_code", "item_id")  # order_items: the line's link to the goods catalogue


def missing_order_columns(conn: Connection) -> set[str]:
    have = {c["name"] for c in inspect(conn).get_columns("orders")}
    items = {c["name"] for c in inspect(conn).get_columns("order_items")}
    return ({"discount", "flag_version"} - have) | {f"order_items.{c}" for c in _ITEM_COLUMNS if c not in items}


def upgrade_orders(conn: Connection) -> None:
    """Add ``discount`` (kept so that the amount rule holds for every stored order) and
    ``flag_version`` to an older ``orders`` table, and the amount rule itself."""
    missing = missing_order_columns(conn)
    if not missing:
        return
    for c in _ITEM_COLUMNS:
        if f"order_items.{c}" in missing:
            conn.execute(text(f"ALTER TABLE order_items ADD COLUMN {c} VARCHAR(64) NOT NULL DEFAULT ''"))
    if "flag_version" in missing:
        conn.execute(text("ALTER TABLE orders ADD COLUMN flag_version INTEGER NOT NULL DEFAULT 0"))
    if "discount" in missing:
        conn.execute(text("ALTER TABLE orders ADD COLUMN discount BIGINT NOT NULL DEFAULT 0"))
        conn.execute(text("UPDATE orders SET discount = items_total + postage - amount"))
        if conn.dialect.name == "sqlite":
            for ddl in _SQLITE_AMOUNT_TRIGGERS:
                conn.execute(text(ddl))
        else:
            conn.execute(text(f"ALTER TABLE orders ADD CONSTRAINT {AMOUNT_RULE_NAME} CHECK ({AMOUNT_RULE})"))
