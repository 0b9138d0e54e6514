"""Repository for the goods catalogue: upsert from an import, read back as domain records."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, text
from sqlmodel import Session, select

from cs_console.domain.goods.model import GoodsItem
from cs_console.store import goods_rows
from cs_console.store.goods_rows import CM3, GRAM, GoodsNotFound
from cs_console.store.tables import Goods, GoodsSku

__all__ = ["GoodsNotFound", "all_goods", "count", "find", "stamp", "upsert"]



def _to_int(value: Decimal | None, unit: Decimal) -> int | None:
    return None if value is None else int(value / unit)


GOODS_COLUMNS = ("key", "item_id", "merchant_code", "title", "price", "stock", "weight_g", "volume_cm3",
                 "freight_template", "title_pinyin", "title_initials", "imported_at")
SKU_COLUMNS = ("goods_id", "position", "prop_key", "props_json", "colour", "size", "price", "stock", "merchant_code",
               "barcode")
CHUNK = 900


def upsert(s: Session, items: Sequence[GoodsItem], now: datetime,
           progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Insert new goods, update known ones (their SKUs replaced); returns (created, updated).

    Batched (``store/bulk``): one executemany for new goods, one for updates, one for SKUs."""
    from cs_console.store import bulk

    conn = s.connection()
    enc = bulk.codec(conn)
    goods_t, sku_t = Goods.__table__, GoodsSku.__table__
    keys = [g.key for g in items]
    known: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        for gid, key in conn.execute(select(goods_t.c.id, goods_t.c.key).where(goods_t.c.key.in_(keys[start:start + CHUNK]))):
            known[key] = gid

    def row(g: GoodsItem) -> tuple:
        full, initials = g.title_keys or ("", "")
        return (g.key, g.item_id, g.merchant_code, g.title, enc.money(g.price), g.stock, _to_int(g.weight_kg, GRAM),
                _to_int(g.volume_m3, CM3), g.freight_template, full, initials, enc.time(now))

    new = [row(g) for g in items if g.key not in known]
    old = [(*row(g)[1:], known[g.key]) for g in items if g.key in known]
    bulk.insert_many(conn, goods_t, GOODS_COLUMNS, new)
    bulk.update_many(conn, goods_t, GOODS_COLUMNS[1:], old)
    old_ids = list(known.values())
    for start in range(0, len(old_ids), CHUNK):
        conn.execute(delete(sku_t).where(sku_t.c.goods_id.in_(old_ids[start:start + CHUNK])))
    ids = dict(known)
    fresh = [r[0] for r in new]
    for start in range(0, len(fresh), CHUNK):
        for gid, key in conn.execute(select(goods_t.c.id, goods_t.c.key).where(goods_t.c.key.in_(fresh[start:start + CHUNK]))):
            ids[key] = gid
    if progress:
        progress(len(items) // 2)
    skus = [(ids[g.key], pos, k.key, json.dumps([[p.pid, p.vid, p.name, p.value] for p in k.props], ensure_ascii=False),
             k.colour, k.size, enc.money(k.price), k.stock, k.merchant_code, k.barcode)
            for g in items for pos, k in enumerate(g.skus)]
    bulk.insert_many(conn, sku_t, SKU_COLUMNS, skus)
    if progress:
        progress(len(items))
    return len(new), len(old)


def _rows(s: Session) -> goods_rows.Rows:
    conn = s.connection()
    return lambda sql, params: conn.execute(text(sql), params).all()


def all_goods(s: Session) -> list[GoodsItem]:
    """Every goods with its SKUs, in title order (``store.goods_rows``)."""
    return goods_rows.all_goods(_rows(s))


def find(s: Session, ref: str) -> GoodsItem:
    """Goods by item id (num_id), merchant code (outer_id) or a SKU's merchant code."""
    return goods_rows.find(_rows(s), ref)


def count(s: Session) -> tuple[int, int]:
    from sqlalchemy import func

    return (s.exec(select(func.count()).select_from(Goods)).one(),
            s.exec(select(func.count()).select_from(GoodsSku)).one())


def stamp(s: Session) -> tuple:
    """A cheap fingerprint of the catalogue (count, last import): changes when goods change."""
    from sqlalchemy import func

    return tuple(s.exec(select(func.count(), func.max(Goods.imported_at), func.max(Goods.id))).one())
