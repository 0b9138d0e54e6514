"""Repository for the goods catalogue: upsert from an import, read back as domain records."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, col, or_, select

from cs_console.domain.goods.model import GoodsItem, Sku, SkuProp
from cs_console.store.tables import Goods, GoodsSku

GRAM = Decimal("0.001")
CM3 = Decimal("0.000001")


class GoodsNotFound(LookupError):
    """No goods with that item id or merchant code."""


def _to_int(value: Decimal | None, unit: Decimal) -> int | None:
    return None if value is None else int(value / unit)


def _from_int(value: int | None, unit: Decimal, places: str) -> Decimal | None:
    return None if value is None else (Decimal(value) * unit).quantize(Decimal(places))


def upsert(s: Session, items: Sequence[GoodsItem], now: datetime,
           progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Insert new goods, update known ones (their SKUs replaced); returns (created, updated)."""
    keys = [g.key for g in items]
    known: dict[str, Goods] = {}
    for start in range(0, len(keys), 500):
        for row in s.exec(select(Goods).where(col(Goods.key).in_(keys[start:start + 500]))).all():
            known[row.key] = row
    created = updated = 0
    for n, item in enumerate(items, 1):
        row = known.get(item.key)
        if row is None:
            row = Goods(key=item.key, title=item.title, price=item.price, imported_at=now)
            created += 1
        else:
            updated += 1
            s.exec(delete(GoodsSku).where(col(GoodsSku.goods_id) == row.id))
        row.item_id, row.merchant_code, row.title, row.price = item.item_id, item.merchant_code, item.title, item.price
        row.stock, row.freight_template, row.imported_at = item.stock, item.freight_template, now
        row.weight_g, row.volume_cm3 = _to_int(item.weight_kg, GRAM), _to_int(item.volume_m3, CM3)
        s.add(row)
        s.flush()
        for pos, sku in enumerate(item.skus):
            s.add(GoodsSku(goods_id=row.id, position=pos, prop_key=sku.key,
                           props_json=json.dumps([[p.pid, p.vid, p.name, p.value] for p in sku.props], ensure_ascii=False),
                           colour=sku.colour, size=sku.size, price=sku.price, stock=sku.stock,
                           merchant_code=sku.merchant_code, barcode=sku.barcode))
        if progress and n % 50 == 0:
            progress(n)
    s.flush()
    if progress:
        progress(len(items))
    return created, updated


def _item(row: Goods, skus: list[GoodsSku]) -> GoodsItem:
    return GoodsItem(
        title=row.title, price=row.price, stock=row.stock, item_id=row.item_id, merchant_code=row.merchant_code,
        weight_kg=_from_int(row.weight_g, GRAM, "0.001"), volume_m3=_from_int(row.volume_cm3, CM3, "0.000001"),
        freight_template=row.freight_template,
        skus=tuple(Sku(tuple(SkuProp(*p) for p in json.loads(k.props_json)), k.price, k.stock, k.merchant_code, k.barcode)
                   for k in sorted(skus, key=lambda k: k.position)))


def all_goods(s: Session) -> list[GoodsItem]:
    """Every goods with its SKUs (two queries), in title order."""
    rows = list(s.exec(select(Goods).order_by(col(Goods.title), col(Goods.id))).all())
    by_goods: dict[int, list[GoodsSku]] = {}
    for k in s.exec(select(GoodsSku)).all():
        by_goods.setdefault(k.goods_id, []).append(k)
    return [_item(r, by_goods.get(r.id, [])) for r in rows]


def find(s: Session, ref: str) -> GoodsItem:
    """Goods by item id (num_id), merchant code (outer_id) or a SKU's merchant code."""
    ref = ref.strip()
    row = s.exec(select(Goods).where(or_(Goods.item_id == ref, Goods.merchant_code == ref))).first()
    if row is None and ref:
        sku = s.exec(select(GoodsSku).where(GoodsSku.merchant_code == ref)).first()
        row = s.get(Goods, sku.goods_id) if sku else None
    if row is None:
        raise GoodsNotFound(f"没有这件商品：{ref!r}（数字ID或商家编码）")
    return _item(row, list(s.exec(select(GoodsSku).where(GoodsSku.goods_id == row.id)).all()))


def count(s: Session) -> tuple[int, int]:
    from sqlalchemy import func

    return (s.exec(select(func.count()).select_from(Goods)).one(),
            s.exec(select(func.count()).select_from(GoodsSku)).one())
