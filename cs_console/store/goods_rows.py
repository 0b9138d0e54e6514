"""The goods catalogue read back as domain records from SQL text over the tables' columns,
through any driver: ``store/goods.py`` runs it on the session's connection, the CLI on a
current SQLite store through ``sqlite3`` alone (``store/quick_read.py``: ``goods show``,
``goods stock``, ``goods list`` without a query load no SQLAlchemy). Money is read as the
stored fen, weights as grams, volumes as cubic centimetres, so both drivers give the same
records."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from cs_console.domain.goods.model import GoodsItem, Sku, SkuProp
from cs_console.domain.messages import UserError
from cs_console.domain.money import from_fen

GRAM = Decimal("0.001")
CM3 = Decimal("0.000001")
# (sql with :name parameters, parameters) → the rows as tuples
Rows = Callable[[str, dict], list]

_GOODS = ("SELECT id, title, price, stock, item_id, merchant_code, weight_g, volume_cm3, freight_template, "
          "title_pinyin, title_initials FROM goods")
_SKUS = "SELECT goods_id, props_json, price, stock, merchant_code, barcode FROM goods_skus"


class GoodsNotFound(UserError, LookupError):
    """No goods with that item id or merchant code."""


def from_int(value: int | None, unit: Decimal, places: str) -> Decimal | None:
    return None if value is None else (Decimal(value) * unit).quantize(Decimal(places))


def _sku(props: str, fen: int, stock: int, code: str, barcode: str) -> Sku:
    return Sku(tuple(SkuProp(*p) for p in json.loads(props)), from_fen(int(fen)), stock, code, barcode)


def _goods(r: tuple, skus: list[Sku]) -> GoodsItem:
    _, title, fen, stock, item_id, code, weight_g, volume_cm3, template, pinyin, initials = r
    return GoodsItem(
        title=title, price=from_fen(int(fen)), stock=stock, item_id=item_id, merchant_code=code,
        weight_kg=from_int(weight_g, GRAM, "0.001"), volume_m3=from_int(volume_cm3, CM3, "0.000001"),
        freight_template=template, skus=tuple(skus),
        title_keys=(pinyin, initials) if pinyin or initials else None)


def all_goods(rows: Rows, limit: int | None = None) -> list[GoodsItem]:
    """Every goods (the first ``limit`` of them) with its SKUs, in title order: two column
    queries (no ORM entities: a catalogue of thousands of SKUs reads in tens of milliseconds)."""
    order = " ORDER BY title, id" + ("" if limit is None else " LIMIT :limit")
    params = {} if limit is None else {"limit": limit}
    found = rows(_GOODS + order, params)
    if limit is None:
        sku_rows = rows(_SKUS + " ORDER BY goods_id, position", {})
    else:
        sku_rows = rows(f"{_SKUS} WHERE goods_id IN (SELECT id FROM goods{order}) ORDER BY goods_id, position",
                        params)
    skus: dict[int, list[Sku]] = {}
    for gid, *sku in sku_rows:
        skus.setdefault(gid, []).append(_sku(*sku))
    return [_goods(r, skus.get(r[0], [])) for r in found]


def find(rows: Rows, ref: str) -> GoodsItem:
    """Goods by item id (num_id), merchant code (outer_id) or a SKU's merchant code."""
    ref = ref.strip()
    found = rows(f"{_GOODS} WHERE item_id = :ref OR merchant_code = :ref ORDER BY id LIMIT 1", {"ref": ref})
    if not found and ref:
        found = rows(f"{_GOODS} WHERE id = (SELECT goods_id FROM goods_skus WHERE merchant_code = :ref "
                     "ORDER BY id LIMIT 1)", {"ref": ref})
    if not found:
        raise GoodsNotFound("goods.not_found", ref=repr(ref))
    return _goods(found[0], [_sku(*k[1:]) for k in rows(f"{_SKUS} WHERE goods_id = :id ORDER BY position",
                                                        {"id": found[0][0]})])


def sqlite_rows(conn) -> Rows:
    """:data:`Rows` on a ``sqlite3`` connection."""
    return lambda sql, params: conn.execute(sql, params).fetchall()
