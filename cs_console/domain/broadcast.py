"""Broadcast (群发) rules: which buyers a filter means, and how many messages the shop may send.

Filters (``--filter``): ``unpaid`` (an order waiting for payment placed in the last 24 h),
``unpaid:HOURS``, ``item:TEXT`` (bought an item whose title contains TEXT), ``tag:TAG``
(the buyer carries TAG in ``buyers.tags``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cs_console.domain.money import shown
from cs_console.domain.orders import OrderState
from cs_console.domain.team import TeamRuleError

UNPAID_STATE = OrderState.WAIT_BUYER_PAY.value
_TAG_SPLIT = re.compile(r"[,，;；\s]+")


@dataclass(frozen=True, slots=True)
class BroadcastFilter:
    kind: str  # unpaid | item | tag
    value: str = ""
    hours: int = 24

    def describe(self) -> str:
        if self.kind == "unpaid":
            return f"unpaid:{self.hours}h"
        return f"{self.kind}:{self.value}"

    def label(self) -> str:
        return {"unpaid": f"{self.hours} 小时内未付款", "item": f"买过「{self.value}」",
                "tag": f"标签「{self.value}」"}[self.kind]


def parse_filter(spec: str) -> BroadcastFilter:
    """``unpaid`` / ``unpaid:48`` / ``item:连体衣`` / ``tag:老客户`` → BroadcastFilter."""
    kind, _, value = (spec or "").strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "unpaid":
        if not value:
            return BroadcastFilter("unpaid")
        hours = value.lower().removesuffix("h")
        if not hours.isascii() or not hours.isdigit() or len(hours) > 4 or not 1 <= int(hours) <= 24 * 30:
            raise TeamRuleError("broadcast.unpaid_hours", value=shown(value))
        return BroadcastFilter("unpaid", hours=int(hours))
    if kind in ("item", "tag"):
        if not value:
            raise TeamRuleError("broadcast.needs_value", kind=kind,
                                example=f"{kind}:{'连体衣' if kind == 'item' else '老客户'}")
        return BroadcastFilter(kind, value)
    raise TeamRuleError("broadcast.unknown_filter", spec=shown(spec))


def buyer_tags(tags: str) -> set[str]:
    """``"老客户, VIP"`` → ``{"老客户", "VIP"}``."""
    return {t for t in _TAG_SPLIT.split(tags or "") if t}


def check_rate(recipients: int, *, sent_last_hour: int, per_hour: int, max_recipients: int) -> None:
    """Refuse a broadcast that is empty, too big, or would exceed the shop's hourly limit."""
    if recipients == 0:
        raise TeamRuleError("broadcast.no_recipients")
    if recipients > max_recipients:
        raise TeamRuleError("broadcast.too_many", limit=max_recipients, count=recipients)
    if sent_last_hour + recipients > per_hour:
        left = max(0, per_hour - sent_last_hour)
        raise TeamRuleError("broadcast.rate", per_hour=per_hour, left=left)
