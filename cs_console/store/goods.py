"""Repository for the goods catalogue: upsert from an import, read back as domain records."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, or_, select

from cs_console.domain.goods.model import GoodsItem, Sku, SkuProp
from cs_console.domain.messages import UserError
from cs_console.store.tables import Goods, GoodsSku

GRAM = Decimal("0.001")
CM3 = Decimal("0.000001")


class GoodsNotFound(UserError, LookupError):
    """No goods with that item id or merchant code."""


def _to_int(value: Decimal | None, unit: Decimal) -> int | None:
    return None if value is None else int(value / unit)


def _from_int(value: int | None, unit: Decimal, places: str) -> Decimal | None:
    return None if value is None else (Decimal(value) * unit).quantize(Decimal(places))


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


def _item(row: Goods, skus: list[GoodsSku]) -> GoodsItem:
    return GoodsItem(
        title=row.title, price=row.price, stock=row.stock, item_id=row.item_id, merchant_code=row.merchant_code,
        weight_kg=_from_int(row.weight_g, GRAM, "0.001"), volume_m3=_from_int(row.volume_cm3, CM3, "0.000001"),
        freight_template=row.freight_template,
        title_keys=(row.title_pinyin, row.title_initials) if row.title_pinyin or row.title_initials else None,
        skus=tuple(Sku(tuple(SkuProp(*p) for p in json.loads(k.props_json)), k.price, k.stock, k.merchant_code, k.barcode)
                   for k in sorted(skus, key=lambda k: k.position)))


def all_goods(s: Session) -> list[GoodsItem]:
    """Every goods with its SKUs, in title order: two column queries (no ORM entities: a
    catalogue of thousands of SKUs reads in tens of milliseconds)."""
    g, k = Goods.__table__, GoodsSku.__table__
    skus: dict[int, list[Sku]] = {}
    conn = s.connection()
    for gid, props, price, stock, code, barcode in conn.execute(
            select(k.c.goods_id, k.c.props_json, k.c.price, k.c.stock, k.c.merchant_code, k.c.barcode)
            .order_by(k.c.goods_id, k.c.position)):
        skus.setdefault(gid, []).append(Sku(tuple(SkuProp(*p) for p in json.loads(props)), price, stock, code, barcode))
    out = []
    for r in conn.execute(select(g.c.id, g.c.title, g.c.price, g.c.stock, g.c.item_id, g.c.merchant_code, g.c.weight_g,
                                 g.c.volume_cm3, g.c.freight_template, g.c.title_pinyin, g.c.title_initials)
                          .order_by(g.c.title, g.c.id)):
        out.append(GoodsItem(
            title=r.title, price=r.price, stock=r.stock, item_id=r.item_id, merchant_code=r.merchant_code,
            weight_kg=_from_int(r.weight_g, GRAM, "0.001"), volume_m3=_from_int(r.volume_cm3, CM3, "0.000001"),
            freight_template=r.freight_template, skus=tuple(skus.get(r.id, ())),
            title_keys=(r.title_pinyin, r.title_initials) if r.title_pinyin or r.title_initials else None))
    return out


def find(s: Session, ref: str) -> GoodsItem:
    """Goods by item id (num_id), merchant code (outer_id) or a SKU's merchant code."""
    ref = ref.strip()
    row = s.exec(select(Goods).where(or_(Goods.item_id == ref, Goods.merchant_code == ref))).first()
    if row is None and ref:
        sku = s.exec(select(GoodsSku).where(GoodsSku.merchant_code == ref)).first()
        row = s.get(Goods, sku.goods_id) if sku else None
    if row is None:
        raise GoodsNotFound("goods.not_found", ref=repr(ref))
    return _item(row, list(s.exec(select(GoodsSku).where(GoodsSku.goods_id == row.id)).all()))


def count(s: Session) -> tuple[int, int]:
    from sqlalchemy import func

    return (s.exec(select(func.count()).select_from(Goods)).one(),
            s.exec(select(func.count()).select_from(GoodsSku)).one())


def stamp(s: Session) -> tuple:
    """A cheap fingerprint of the catalogue (count, last import): changes when goods change."""
    from sqlalchemy import func

    return tuple(s.exec(select(func.count(), func.max(Goods.imported_at), func.max(Goods.id))).one())
