"""The sales-property cells of the 淘宝助理 file: ``skuProps``, ``propAlias``, ``input_custom_cpv``,
``sku_barcode``.

``skuProps`` repeats ``<price>:<qty>:<sku_outer_id>:<pid>:<vid>;<pid>:<vid>;…``: a segment
with five colon fields starts a new SKU, a ``pid:vid`` segment adds a property to it. The
merchant code may be empty or contain ``.``. Display values: the shop's alias
(``propAlias`` ``pid:vid:alias;``), else a seller-created value (``input_custom_cpv``
``pid:-1001:name;``, negative vids), else Taobao's standard value name.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from cs_console.domain.goods.model import PROPERTY_NAMES, STANDARD_VALUES, Sku, SkuProp

_ID = re.compile(r"-?\d{1,20}")


class GoodsFormatError(ValueError):
    """A cell of the goods file that cannot be read; the message says which and why."""


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.replace("\r", "").replace("\n", "").split(";") if s.strip()]


def parse_value_names(text: str, column: str) -> dict[tuple[str, str], str]:
    """``pid:vid:name;…`` (propAlias, input_custom_cpv) → {(pid, vid): name}."""
    names: dict[tuple[str, str], str] = {}
    for seg in _segments(text):
        parts = seg.split(":", 2)
        if len(parts) != 3 or not _ID.fullmatch(parts[0]) or not _ID.fullmatch(parts[1]) or not parts[2].strip():
            raise GoodsFormatError(f"{column}: 看不懂 {seg!r}（应为 属性ID:值ID:名称）")
        names[(parts[0], parts[1])] = parts[2].strip()
    return names


def _price(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise GoodsFormatError(f"skuProps: 价格无效 {text!r}") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise GoodsFormatError(f"skuProps: 价格无效 {text!r}")
    return value.quantize(Decimal("0.01"))


def _qty(text: str) -> int:
    t = text.strip()
    if not t.isdigit():
        raise GoodsFormatError(f"skuProps: 数量须为非负整数 {text!r}")
    return int(t)


def parse_skus(sku_props: str, prop_alias: str = "", custom_cpv: str = "", sku_barcode: str = "") -> tuple[Sku, ...]:
    """All SKUs of one goods row, in file order (barcodes are matched by position)."""
    aliases = parse_value_names(prop_alias, "propAlias")
    custom = parse_value_names(custom_cpv, "input_custom_cpv")
    raw: list[tuple[Decimal, int, str, list[tuple[str, str]]]] = []
    for seg in _segments(sku_props):
        parts = seg.split(":")
        if len(parts) == 5:
            price, qty, code, pid, vid = parts
            raw.append((_price(price), _qty(qty), code.strip(), [(pid.strip(), vid.strip())]))
        elif len(parts) == 2:
            if not raw:
                raise GoodsFormatError(f"skuProps: {seg!r} 之前没有 价格:数量:商家编码")
            raw[-1][3].append((parts[0].strip(), parts[1].strip()))
        else:
            raise GoodsFormatError(f"skuProps: 看不懂 {seg!r}（应为 价格:数量:商家编码:属性ID:值ID 或 属性ID:值ID）")
    barcodes = [b.strip() for b in sku_barcode.replace("\r", "").replace("\n", "").split(";")]
    skus: list[Sku] = []
    seen: set[str] = set()
    for n, (price, qty, code, pairs) in enumerate(raw):
        props = []
        for pid, vid in pairs:
            if not _ID.fullmatch(pid) or not _ID.fullmatch(vid):
                raise GoodsFormatError(f"skuProps: 属性 {pid}:{vid} 不是数字ID")
            value = aliases.get((pid, vid)) or custom.get((pid, vid)) or STANDARD_VALUES.get(vid)
            if value is None:
                if vid.startswith("-"):
                    raise GoodsFormatError(f"skuProps: 自定义属性值 {pid}:{vid} 在 input_custom_cpv 里没有名称")
                value = f"值{vid}"
            props.append(SkuProp(pid, vid, PROPERTY_NAMES.get(pid, f"属性{pid}"), value))
        sku = Sku(tuple(props), price, qty, code, barcodes[n] if n < len(barcodes) else "")
        if sku.key in seen:
            raise GoodsFormatError(f"skuProps: SKU {sku.label} 重复")
        seen.add(sku.key)
        skus.append(sku)
    return tuple(skus)
