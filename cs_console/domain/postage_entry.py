"""The calculator's one-line entry: ``59 x2 包邮`` adds an item, ``韵达`` picks the courier,
``广东`` the province, ``自提`` toggles self-pickup, ``-`` / ``-2`` / ``--`` remove lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cs_console.domain.postage import ItemLine, parse_item
from cs_console.domain.postage_rates import PostageError, RatesTable, normalize_province

_REMOVE = re.compile(r"-(\d{1,3})")
_ITEM_START = re.compile(r"[\d¥￥.]")
PICKUP_WORDS = ("自提", "pickup")
CLEAR_WORDS = ("--", "清空", "clear")


@dataclass(frozen=True, slots=True)
class Entry:
    """What one submitted entry line means. ``index`` is 1-based; 0 = the last line."""

    kind: str  # item | courier | province | pickup | remove | clear
    item: ItemLine | None = None
    value: str = ""
    index: int = 0


def parse_entry(table: RatesTable, text: str) -> Entry:
    """Classify ``text``; an unreadable line raises PostageError with the item-line hint."""
    t = text.strip()
    if t in CLEAR_WORDS:
        return Entry("clear")
    if t == "-":
        return Entry("remove")
    if m := _REMOVE.fullmatch(t):
        return Entry("remove", index=int(m.group(1)))
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
