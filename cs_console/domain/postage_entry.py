"""The calculator's one-line entry: ``59 x2 包邮`` adds an item (``59x2 0.3kg`` with its weight,
``@商家编码 x2`` from the goods catalogue), ``韵达`` picks the courier,
``广东`` the province, ``自提`` toggles self-pickup, ``-`` / ``-2`` / ``--`` remove lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cs_console.domain.postage import ItemLine, parse_item
from cs_console.domain.postage_rates import PostageError, RatesTable, normalize_province

_REMOVE = re.compile(r"-(\d{1,3})")
_GOODS = re.compile(r"@\s*(\S+?)(?:\s*[x×X*]\s*(\d{1,4}))?(\s+包邮|\s*:\s*free)?")
_ITEM_START = re.compile(r"[\d¥￥.]")
PICKUP_WORDS = ("自提", "pickup")
CLEAR_WORDS = ("--", "清空", "clear")


@dataclass(frozen=True, slots=True)
class Entry:
    """What one submitted entry line means. ``index`` is 1-based; 0 = the last line."""

    kind: str  # item | goods | courier | province | pickup | remove | clear
    item: ItemLine | None = None
    value: str = ""
    index: int = 0  # goods: the quantity
    free: bool = False


def parse_entry(table: RatesTable, text: str) -> Entry:
    """Classify ``text``; an unreadable line raises PostageError with the item-line hint."""
    t = text.strip()
    if t in CLEAR_WORDS:
        return Entry("clear")
    if t == "-":
        return Entry("remove")
    if m := _REMOVE.fullmatch(t):
        return Entry("remove", index=int(m.group(1)))
    if t.startswith("@"):  # @商家编码 x2 包邮: price, weight and template from the goods catalogue
        m = _GOODS.fullmatch(t)
        if m is None:
            raise PostageError("postage.bad_goods_ref")
        return Entry("goods", value=m.group(1), index=int(m.group(2) or 1), free=bool(m.group(3)))
    if t.lower() in PICKUP_WORDS:
        return Entry("pickup")
    if _ITEM_START.match(t):
        return Entry("item", item=parse_item(t))
    try:
        return Entry("courier", value=table.courier_code(t))
    except PostageError:
        pass
    if table.province_key(t) or table.is_remote(t):
        return Entry("province", value=normalize_province(t))
    return Entry("item", item=parse_item(t))
