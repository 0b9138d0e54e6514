"""Phrase placeholders (占位符): ``{buyer}``, ``{order_no}``… filled from *this* chat only.

A placeholder with no value is left visibly unfilled (``{order_no}`` stays in the text) and
reported, never silently dropped or filled from another buyer. ``{cursor}`` marks where the
caret lands after insertion and is removed from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS: dict[str, str] = {
    "buyer": "买家昵称",
    "agent": "客服名",
    "order_no": "订单号",
    "items": "商品",
    "total": "合计金额",
    "postage": "运费",
    "courier": "快递公司",
    "tracking_no": "运单号",
    "address": "收货地址",
    "receiver": "收货人",
    "phone": "联系电话",
    "shop": "店铺名",
    "cursor": "光标位置",
}
_FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Filled:
    """A filled phrase: the text, the caret offset, and placeholders left unfilled."""

    text: str
    cursor: int
    missing: tuple[str, ...]


def placeholders_in(text: str) -> list[str]:
    """Names of ``{placeholders}`` in ``text``, in order (unknown ones included)."""
    return _FIELD.findall(text)


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def fill(text: str, values: dict[str, str | None]) -> Filled:
    """Fill ``text`` from ``values`` (this chat's own data). Missing values stay as ``{name}``."""
    missing: list[str] = []
    out: list[str] = []
    cursor: int | None = None
    pos = 0
    for m in _FIELD.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        name = m.group(1)
        if name == "cursor":
            if cursor is None:
                cursor = sum(len(p) for p in out)
            continue
        value = values.get(name)
        if value is None or value == "":
            missing.append(name)
            out.append(m.group(0))
        else:
            out.append(value)
    out.append(text[pos:])
    result = "".join(out)
    return Filled(result, len(result) if cursor is None else cursor, tuple(dict.fromkeys(missing)))


def unfilled_placeholders(text: str) -> list[str]:
    """Known placeholders still in ``text`` (``{cursor}`` excluded): a message with any of
    them must not be sent to a buyer."""
    return list(dict.fromkeys(n for n in placeholders_in(text) if n in PLACEHOLDERS and n != "cursor"))
