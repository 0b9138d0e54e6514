"""Staging an order import: rows go into temporary tables first, the store changes in short
transactions of whole orders at the end.

A temporary table lives in the importing connection's own temp database, so filling it takes no
lock on the store: other processes (``chat inject``, the TUIs) keep writing while a big file is
parsed. Cross-row checks (repeated orders, repeated item rows, item rows whose order is unknown)
are SQL over the staged rows, so memory stays flat in file size. The final merge — new buyers,
audit rows for what the backend changed, updated and new orders, item lines — runs in ranges of
``MERGE_CHUNK`` whole orders, as many ranges per transaction (``BEGIN IMMEDIATE`` on SQLite) as fit
in ``LOCK_BUDGET`` seconds: all of the file or nothing, and it holds the write lock only as long
as a few ``INSERT … SELECT`` take, well inside the other writers' busy timeout. Fewer commits
matter on SQLite: each one copies every index page the transaction touched to the WAL, and the
scattered indexes of orders (paid_at, buyer) are touched all over by every range.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from cs_console.domain.messages import render
from cs_console.domain.order_import import ParsedItem, ParsedOrder
from cs_console.store.engine import NOTIFY_CHANNEL, Store
from cs_console.store.tables import AuditEntry, Order, OrderItem
from cs_console.store.types import UTCDateTime

IMPORT_AGENT = "导入"
MERGE_CHUNK = 10_000  # orders per write transaction: well under a second, far inside the busy timeout
LOCK_BUDGET = 0.25  # seconds a merge transaction may hold the write lock before it commits
MERGE_CACHE_KIB = 64 * 1024  # page cache of the importing connection (SQLite), KiB
PAUSE = 0.02  # seconds between write transactions: a waiting writer's busy handler gets its turn
_SAFE_NO = re.compile(r"[0-9A-Za-z_\-]{1,64}")
REPORT_LIMIT = 1000  # problems listed per check; a broken file does not fill the terminal
_meta = MetaData()
_S = String
stage_orders = Table(
    "stage_orders", _meta,
    Column("line", Integer), Column("order_no", _S), Column("buyer", _S), Column("state", _S),
    Column("placed_at", _S), Column("paid_at", _S), Column("shipped_at", _S),
    Column("receiver_name", _S), Column("phone", _S), Column("province", _S), Column("city", _S),
    Column("district", _S), Column("address_detail", _S), Column("items_total", _S), Column("postage", _S),
    Column("amount", _S), Column("courier", _S), Column("tracking_no", _S), Column("remark", _S),
    Column("buyer_message", _S), Column("close_reason", _S),
    prefixes=["TEMPORARY"],
)
stage_items = Table(
    "stage_items", _meta,
    Column("line", Integer), Column("order_no", _S), Column("sub_no", _S), Column("title", _S),
    Column("colour", _S), Column("size", _S), Column("unit_price", _S), Column("quantity", Integer),
    Column("free_postage", Boolean), Column("merchant_code", _S), Column("item_id", _S), Column("dup_key", _S),
    prefixes=["TEMPORARY"],
)
# parsed rows are inserted positionally: the staging columns are the parsed tuples' fields
assert [c.name for c in stage_orders.columns] == list(ParsedOrder._fields)
assert [c.name for c in stage_items.columns] == [*ParsedItem._fields, "dup_key"]
_COPIED = ("state", "placed_at", "paid_at", "shipped_at", "receiver_name", "phone", "province", "city", "district",
           "address_detail", "items_total", "postage", "amount", "courier", "tracking_no", "buyer_message",
           "close_reason")
# what a re-import may change that the trail must show (field, money?)
_AUDITED = (("state", False), ("tracking_no", False), ("courier", False), ("items_total", True),
            ("postage", True), ("amount", True))
_ITEM_COPIED = ("title", "colour", "size", "unit_price", "quantity", "free_postage", "merchant_code", "item_id")
_MONEY = {"items_total", "postage", "amount", "unit_price"}  # staged as exact text "129.00"
_TIMES = {"placed_at", "paid_at", "shipped_at"}  # staged as UTC text "2026-11-23 01:40:12"


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _yuan_sql(fen: str) -> str:
    """SQL for :func:`_yuan` of an integer fen column (both backends): ``12900`` → ``'129.00'``."""
    cents = f"(ABS({fen}) % 100)"
    return (f"(CASE WHEN {fen} < 0 THEN '-' ELSE '' END || CAST(ABS({fen}) / 100 AS TEXT) || '.'"
            f" || CASE WHEN {cents} < 10 THEN '0' ELSE '' END || CAST({cents} AS TEXT))")


def item_key(item: ParsedItem, cells: Sequence[str]) -> str:
    """What makes two item rows "the same row": the 子订单编号, else every cell of the row."""
    if item.sub_no:
        return "s:" + item.sub_no
    return "r:" + hashlib.blake2b("\x1f".join(cells).encode("utf-8"), digest_size=16).hexdigest()


class Staging:
    """Temporary tables on one dedicated connection; ``merge`` writes the store; ``close`` drops them."""

    def __init__(self, store: Store):
        self.store = store
        self.conn: Connection = store.engine.connect()
        self.sqlite = store.is_sqlite
        if self.sqlite:
            # no WAL checkpoint after each short merge transaction (each one copies pages back and
            # waits for the disk; hot index pages again and again): one at the end, in close().
            # The connection is discarded afterwards, so the settings never reach the pool.
            self.conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            # the merge inserts into five indexes of orders at scattered places: with the default
            # 2 MB page cache a big import rereads their pages for most rows (a third of its
            # merge time at 500k orders); bounded, so memory stays flat in file size
            self.conn.exec_driver_sql(f"PRAGMA main.cache_size=-{MERGE_CACHE_KIB}")
        _meta.drop_all(self.conn, tables=[stage_orders, stage_items])
        _meta.create_all(self.conn, tables=[stage_orders, stage_items])
        self.conn.commit()

    @property
    def _distinct(self) -> str:
        """SQL's null-safe "differs" on this backend."""
        return "IS NOT" if self.sqlite else "IS DISTINCT FROM"

    def _sql(self, alias: str, column: str) -> str:
        """A staged value in the store's stored form: fen from exact text (no float), times as
        the ``UTCDateTime`` column keeps them."""
        ref = f"{alias}.{column}"
        if column in _MONEY:
            return f"CAST(REPLACE({ref}, '.', '') AS {'INTEGER' if self.sqlite else 'BIGINT'})"
        if column in _TIMES:
            return f"({ref} || '.000000')" if self.sqlite else f"CAST({ref} || '+00' AS TIMESTAMPTZ)"
        return ref

    # ---- filling (no lock on the store) -------------------------------------------------------
    def _insert(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = len(table.columns)
        if not self.conn.in_transaction():
            self.conn.exec_driver_sql("SELECT 1").close()  # begins the (temp-only) transaction
        # straight to the driver (SQLAlchemy's parameter handling would cost more than the insert)
        if self.sqlite:  # as plain tuples: sqlite3 binds a tuple subclass ~40 % slower
            cursor = self.conn.connection.dbapi_connection.cursor()
            cursor.executemany(f"INSERT INTO {table.name} VALUES ({', '.join('?' * cols)})", map(tuple, rows))
            cursor.close()
        else:  # psycopg: COPY, several times faster than row inserts (an OrderState is a str)
            with self.conn.connection.dbapi_connection.cursor() as cursor, \
                    cursor.copy(f"COPY {table.name} FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        # no commit per batch: the open transaction writes only the temporary tables, which lock
        # nothing of the store; index() commits once

    def add_orders(self, orders: Sequence[ParsedOrder]) -> None:
        """Rows as parsed: a ``ParsedOrder`` is a tuple in the staging table's column order, with
        money as exact text and times as UTC text; the merge converts them in SQL."""
        self._insert(stage_orders, orders)

    def add_items(self, items: Sequence[tuple[ParsedItem, str]]) -> None:
        self._insert(stage_items, [(*i, key) for i, key in items])

    # ---- checks over the whole file ---------------------------------------------------------------
    def _all(self, sql: str) -> list:
        rows = self.conn.exec_driver_sql(sql).all()
        self.conn.commit()
        return rows

    def index(self) -> None:
        for sql in ("CREATE INDEX IF NOT EXISTS ix_stage_orders_no ON stage_orders (order_no)",
                    "CREATE INDEX IF NOT EXISTS ix_stage_items_no ON stage_items (order_no)",
                    "CREATE INDEX IF NOT EXISTS ix_stage_items_key ON stage_items (dup_key)"):
            self.conn.exec_driver_sql(sql)
        if not self.sqlite:  # autovacuum never analyzes temporary tables: without statistics the
            # planner takes the staged rows for a few and joins them to the store row by row
            self.conn.exec_driver_sql("ANALYZE stage_orders, stage_items")
        self.conn.commit()

    def repeated_orders(self) -> list[tuple[int, str]]:
        """(line, reason) of every order row whose number an earlier row of the file has."""
        rows = self._all("SELECT s.line, s.order_no, f.first FROM stage_orders s JOIN (SELECT order_no, MIN(line) AS first"
                         " FROM stage_orders GROUP BY order_no HAVING COUNT(*) > 1) f ON f.order_no = s.order_no"
                         f" WHERE s.line > f.first ORDER BY s.line LIMIT {REPORT_LIMIT}")
        return [(line, render("import.repeated_order", order_no=no, first=first)) for line, no, first in rows]

    def repeated_items(self) -> list[tuple[int, str]]:
        rows = self._all("SELECT s.line, f.first FROM stage_items s JOIN (SELECT dup_key, MIN(line) AS first"
                         " FROM stage_items GROUP BY dup_key HAVING COUNT(*) > 1) f ON f.dup_key = s.dup_key"
                         f" WHERE s.line > f.first ORDER BY s.line LIMIT {REPORT_LIMIT}")
        return [(line, render("import.repeated_item", first=first)) for line, first in rows]

    def unlinked_items(self) -> list[tuple[int, str]]:
        rows = self._all("SELECT s.line, s.order_no FROM stage_items s WHERE NOT EXISTS (SELECT 1 FROM stage_orders o"
                         " WHERE o.order_no = s.order_no) AND NOT EXISTS (SELECT 1 FROM orders o WHERE"
                         f" o.order_no = s.order_no) ORDER BY s.line LIMIT {REPORT_LIMIT}")
        return [(line, render("import.unlinked_item", order_no=no)) for line, no in rows]

    def counts(self) -> tuple[int, int]:
        (orders,), = self._all("SELECT COUNT(*) FROM stage_orders")
        (items,), = self._all("SELECT COUNT(*) FROM stage_items")
        return orders, items

    def drop_lines(self, table: Table, lines: Sequence[int]) -> None:
        """Leave rows out (``--skip-bad``): the repeats and the unlinked item rows."""
        for i in range(0, len(lines), 500):
            chunk = ", ".join(str(int(n)) for n in lines[i:i + 500])
            self.conn.exec_driver_sql(f"DELETE FROM {table.name} WHERE line IN ({chunk})")
        self.conn.commit()

    # ---- the write transactions -------------------------------------------------------------
    def chunks(self, size: int | None = None) -> list[str]:
        """SQL conditions on ``s.order_no`` splitting the staged orders into ranges of ``size``
        orders; together they cover every order number (items of store-only orders included)."""
        size = size or MERGE_CHUNK
        bounds = [no for (no,) in self.conn.exec_driver_sql(
            "SELECT order_no FROM (SELECT order_no, ROW_NUMBER() OVER (ORDER BY order_no) AS n FROM stage_orders)"
            f" AS numbered WHERE n - (n / {int(size)}) * {int(size)} = 0 ORDER BY order_no").all()]
        self.conn.commit()
        for no in bounds:  # inlined below: validated order numbers only ([0-9A-Za-z_-])
            assert _SAFE_NO.fullmatch(no), no
        edges = [None, *bounds, None]
        return [" AND ".join(x for x in (f"s.order_no > '{lo}'" if lo else "", f"s.order_no <= '{hi}'" if hi else "")
                             if x) or "1 = 1" for lo, hi in zip(edges, edges[1:], strict=False)]

    def merge(self, now: datetime, source: str, progress=lambda done, total: None) -> tuple[int, int, float]:
        """Write the staged rows into the store; returns (imported, updated, longest lock in s).

        Short transactions of whole ranges of orders (each with its item lines and audit rows):
        another range joins the transaction while the ranges so far leave room for it in
        ``LOCK_BUDGET``; a pause between transactions so a waiting writer (a buyer's message)
        gets in. Everything the import can refuse was checked before the first one."""
        conn, imported, updated, longest = self.conn, 0, 0, 0.0
        ranges = self.chunks()
        if self.sqlite:
            conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            k = 0
            while k < len(ranges):
                started = time.perf_counter()  # durations for the lock budget, not business time
                with conn.begin():
                    if not self.sqlite:
                        # the store's statistics lag behind a big import (autovacuum analyzes
                        # later): the planner would hash-join every range against all of orders,
                        # growing with the store; index lookups keep each range's cost its own
                        conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
                        conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
                    slowest = 0.0
                    while k < len(ranges):
                        begun = time.perf_counter()
                        new, known = self._merge(conn, now, source, ranges[k])
                        k += 1
                        imported, updated = imported + new, updated + known
                        progress(k, len(ranges))
                        done = time.perf_counter()
                        slowest = max(slowest, done - begun)
                        if done - started + slowest > LOCK_BUDGET:  # the next range might not fit
                            break
                    if not self.sqlite:
                        conn.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
                longest = max(longest, time.perf_counter() - started)
                if k < len(ranges):
                    time.sleep(PAUSE)
        finally:
            if self.sqlite:
                conn.execution_options(sqlite_begin="DEFERRED")
        return imported, updated, longest

    def _merge(self, conn: Connection, now: datetime, source: str, rng: str) -> tuple[int, int]:
        when = {"now": now}
        now_p = bindparam("now", type_=UTCDateTime)
        conn.execute(text("INSERT INTO buyers (nick, tags, created_at) SELECT DISTINCT s.buyer, '', :now"
                          " FROM stage_orders s WHERE NOT EXISTS (SELECT 1 FROM buyers b WHERE b.nick = s.buyer)"
                          f" AND {rng}")
                     .bindparams(now_p), when)
        (updated,), = conn.exec_driver_sql("SELECT COUNT(*) FROM stage_orders s WHERE EXISTS"
                                           f" (SELECT 1 FROM orders o WHERE o.order_no = s.order_no) AND {rng}").all()
        derived = self._derived()
        if updated:
            self._audit_changes(conn, now, f"import {source}", rng)
            values = {**{c: self._sql("s", c) for c in _COPIED}, **derived, "buyer_id": "b.id"}
            sets = ", ".join(f"{c} = {e}" for c, e in values.items())
            # only the orders the file changes are written: a re-import of the same export
            # rewrites nothing (each written row costs its five index entries and its WAL pages)
            differs = " OR ".join([f"orders.{c} {self._distinct} {e}" for c, e in values.items()]
                                  + ["(orders.locally_edited_at IS NULL AND orders.remark <> s.remark)"])
            conn.execute(text(
                f"UPDATE orders SET {sets}, imported_at = :now, remark = CASE WHEN"
                " orders.locally_edited_at IS NULL THEN s.remark ELSE orders.remark END"
                " FROM stage_orders s JOIN buyers b ON b.nick = s.buyer WHERE orders.order_no = s.order_no"
                f" AND ({differs}) AND {rng}")
                .bindparams(now_p), when)
        extra, params = _defaults(Order.__table__, {*_COPIED, *derived, "order_no", "buyer_id", "flag", "remark",
                                                    "imported_at"})
        cols = ", ".join((*_COPIED, *derived, "order_no", "buyer_id", "flag", "remark", "imported_at", *extra))
        vals = ", ".join((*(self._sql("s", c) for c in _COPIED), *derived.values(), "s.order_no", "b.id", "'grey'",
                          "s.remark", ":now", *(f":{p}" for p in params)))
        inserted = conn.execute(text(
            f"INSERT INTO orders ({cols}) SELECT {vals} FROM stage_orders s JOIN buyers b ON b.nick = s.buyer"
            f" WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_no = s.order_no) AND {rng}")
            .bindparams(now_p, *params.values()), when).rowcount
        self._merge_items(conn, now, f"import {source}", rng)
        return inserted, updated

    def _derived(self) -> dict[str, str]:
        """Order columns computed from the file's values, when the table has them: ``discount``
        (what the backend took off: goods + postage − total) keeps ``amount = items_total +
        postage − discount`` true for every imported row."""
        if "discount" not in Order.__table__.c:
            return {}
        return {"discount": f"({self._sql('s', 'items_total')} + {self._sql('s', 'postage')}"
                            f" - {self._sql('s', 'amount')})"}

    def _audit_changes(self, conn: Connection, now: datetime, reason: str, rng: str) -> None:
        """One audit row per field the file changes (who = 导入), before the update overwrites it:
        one ``INSERT … SELECT`` per audited field, in the merge's transaction."""
        table = AuditEntry.__table__
        extra, params = _defaults(table, {"at", "agent", "entity", "entity_key", "field", "old", "new", "reason"})
        cols = ", ".join(("at", "agent", "entity", "entity_key", "field", "old", "new", "reason", *extra))
        for name, money in _AUDITED:  # the staged money text is already the shown form ("129.00")
            old = _yuan_sql(f"o.{name}") if money else f"o.{name}"
            vals = ", ".join((":now", ":agent", "'order'", "s.order_no", f"'{name}'", old, f"s.{name}", ":reason",
                              *(f":{p}" for p in params)))
            conn.execute(text(
                f"INSERT INTO {table.name} ({cols}) SELECT {vals} FROM stage_orders s JOIN orders o"
                f" ON o.order_no = s.order_no WHERE o.{name} <> {self._sql('s', name)} AND {rng}")
                .bindparams(bindparam("now", type_=UTCDateTime), *params.values()),
                {"now": now, "agent": IMPORT_AGENT, "reason": reason})

    def _merge_items(self, conn: Connection, now: datetime, reason: str, rng: str) -> None:
        """Item lines numbered 1, 2, … per order in file order; a known (order, line) is updated."""
        conn.exec_driver_sql("DROP TABLE IF EXISTS stage_lines")
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE stage_lines AS SELECT o.id AS order_id, o.order_no AS order_no,"
            " ROW_NUMBER() OVER (PARTITION BY s.order_no ORDER BY s.line) AS line_no,"
            f" {', '.join(self._sql('s', c) + ' AS ' + c for c in _ITEM_COPIED)} FROM stage_items s JOIN orders o ON o.order_no = s.order_no"
            f" WHERE {rng}")
        conn.exec_driver_sql("CREATE INDEX ix_stage_lines ON stage_lines (order_id, line_no)")
        changed = conn.exec_driver_sql(
            "SELECT l.order_no, l.line_no, i.unit_price, l.unit_price, i.quantity, l.quantity FROM stage_lines l"
            " JOIN order_items i ON i.order_id = l.order_id AND i.line_no = l.line_no"
            " WHERE i.unit_price <> l.unit_price OR i.quantity <> l.quantity").all()
        entries = []
        for no, line, old_p, new_p, old_q, new_q in changed:
            for name, old, new in (("unit_price", _yuan(old_p), _yuan(new_p)), ("quantity", str(old_q), str(new_q))):
                if old != new:
                    entries.append({"at": now, "agent": IMPORT_AGENT, "entity": "order", "entity_key": no,
                                    "field": f"line {line} {name}", "old": old, "new": new, "reason": reason})
        if entries:
            conn.execute(insert(AuditEntry.__table__), entries)
        sets = ", ".join(f"{c} = l.{c}" for c in _ITEM_COPIED)
        conn.exec_driver_sql(f"UPDATE order_items SET {sets} FROM stage_lines l"
                             " WHERE order_items.order_id = l.order_id AND order_items.line_no = l.line_no")
        extra, params = _defaults(OrderItem.__table__, {*_ITEM_COPIED, "order_id", "line_no", "closed", "close_reason"})
        cols = ", ".join((*_ITEM_COPIED, "order_id", "line_no", "closed", "close_reason", *extra))
        vals = ", ".join((*(f"l.{c}" for c in _ITEM_COPIED), "l.order_id", "l.line_no", ":closed", "''",
                          *(f":{p}" for p in params)))
        conn.execute(text(f"INSERT INTO order_items ({cols}) SELECT {vals} FROM stage_lines l WHERE NOT EXISTS"
                          " (SELECT 1 FROM order_items i WHERE i.order_id = l.order_id AND i.line_no = l.line_no)")
                     .bindparams(bindparam("closed", type_=Boolean), *params.values()), {"closed": False})
        conn.exec_driver_sql("DROP TABLE stage_lines")

    def close(self) -> None:
        """Discard the connection: its temporary database (the staged rows) goes with it, which is
        much cheaper than dropping big tables, and no pooled connection keeps them."""
        try:
            if self.conn.in_transaction():
                self.conn.rollback()
            if self.sqlite:  # the checkpoint the merge's transactions skipped (never blocks a writer)
                try:
                    self.conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").close()
                except SQLAlchemyError:  # the store is busy or gone: a later commit checkpoints
                    pass
            self.conn.invalidate()
        finally:
            self.conn.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _defaults(table: Table, given: set[str]) -> tuple[list[str], dict]:
    """Columns the merge does not fill that have a scalar default (added by another feature):
    their names and bound parameters, so ``INSERT … SELECT`` still satisfies NOT NULL."""
    extra, params = [], {}
    for c in table.columns:
        if c.name in given or c.primary_key or c.default is None or not getattr(c.default, "is_scalar", False):
            continue
        extra.append(c.name)
        params[f"d_{c.name}"] = bindparam(f"d_{c.name}", value=c.default.arg, type_=c.type)
    return extra, params
