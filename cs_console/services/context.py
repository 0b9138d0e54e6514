"""Placeholder values for one chat: the buyer's own data and their latest order — nobody else's."""

from __future__ import annotations

from cs_console.domain.money import format_money
from cs_console.domain.orders import describe_items
from cs_console.domain.placeholders import PLACEHOLDERS
from cs_console.store.chats import find_buyer
from cs_console.store.engine import Store
from cs_console.store.orders import items_of, latest_order


def chat_values(store: Store, buyer_nick: str, agent: str, shop: str = "") -> dict[str, str | None]:
    """Values for ``domain.placeholders.fill``: only this buyer's own data (privacy rule)."""
    values: dict[str, str | None] = {name: None for name in PLACEHOLDERS if name != "cursor"}
    values.update(buyer=buyer_nick, agent=agent, shop=shop or None)
    with store.read() as s:
        try:
            buyer = find_buyer(s, buyer_nick)
        except LookupError:
            return values
        order = latest_order(s, buyer.id)
        if order is None:
            return values
        items = items_of(s, order.id)
        address = "".join(x for x in (order.province, order.city, order.district, order.address_detail) if x)
        values.update({
            "order_no": order.order_no,
            "items": describe_items(items) or None,
            "total": format_money(order.amount),
            "postage": format_money(order.postage),
            "courier": order.courier or None,
            "tracking_no": order.tracking_no or None,
            "address": address or None,
            "receiver": order.receiver_name or None,
            "phone": order.phone or None,
        })
    return values
