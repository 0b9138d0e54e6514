"""How an audit row reads to an agent: ``line 2 closed: no → yes`` becomes
``第 2 行商品关闭：否 → 是``, ``flag: grey → red`` becomes ``旗帜：灰旗 → 红旗``.

The stored field names and values stay machine-readable (scripts and tests use them); this is
the one place that turns them into Chinese for the CLI and the TUI.
"""

from __future__ import annotations

import re

from cs_console.domain.orders import STATE_LABELS, OrderState

FIELD_LABELS = {
    "flag": "旗帜", "remark": "备注", "state": "状态", "postage": "运费", "items_total": "货款",
    "amount": "订单金额", "receipt_deadline": "自动确认收货时间", "address_confirmation": "核对地址",
    "tracking_no": "运单号", "courier": "快递公司", "created": "创建", "followup": "跟进",
}
_COLOURS = {"grey": "灰旗", "red": "红旗", "yellow": "黄旗", "green": "绿旗", "blue": "蓝旗", "purple": "紫旗"}
_YES_NO = {"yes": "是", "no": "否"}
_LINE = re.compile(r"line (\d+) (unit_price|closed)")


def field_label(field: str) -> str:
    found = _LINE.fullmatch(field)
    if found:
        return f"第 {found.group(1)} 行{'单价' if found.group(2) == 'unit_price' else '商品关闭'}"
    return FIELD_LABELS.get(field, field)


def value_label(field: str, value: str) -> str:
    if value == "":
        return "（空）"
    if field == "flag":
        return _COLOURS.get(value, value)
    if field == "state" and value in OrderState.__members__:
        return STATE_LABELS[OrderState(value)]
    if field.endswith(" closed"):
        return _YES_NO.get(value, value)
    return value


def describe(field: str, old: str, new: str) -> str:
    """``旗帜：灰旗 → 红旗``."""
    return f"{field_label(field)}：{value_label(field, old)} → {value_label(field, new)}"
