"""Placeholder filling: this chat's values only; missing ones stay visible and are reported."""

from decimal import Decimal

import pytest

from cs_console.domain.placeholders import fill, unknown_placeholders
from cs_console.services.context import chat_values
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order


@pytest.mark.parametrize(
    ("text", "values", "expected", "cursor", "missing"),
    [
        ("亲{buyer}，您好", {"buyer": "小王"}, "亲小王，您好", 6, ()),
        ("单号{order_no}{cursor}，请查收", {"order_no": "123"}, "单号123，请查收", 5, ()),
        ("运单{tracking_no}", {"tracking_no": None}, "运单{tracking_no}", 15, ("tracking_no",)),
        ("{a_b}原样", {}, "{a_b}原样", 7, ("a_b",)),
    ],
)
def test_fill(text, values, expected, cursor, missing):
    f = fill(text, values)
    assert (f.text, f.cursor, f.missing) == (expected, cursor, missing)


def test_unknown_placeholders():
    assert unknown_placeholders("{buyer}{oops}{cursor}") == ["oops"]


def test_chat_values_only_from_this_buyers_latest_order(desk, clock):
    with desk.store.write() as s:
        a = ensure_buyer(s, "买家A", clock())
        b = ensure_buyer(s, "买家B", clock())
        s.add(Order(order_no="A1", buyer_id=a.id, placed_at=clock(), state="PAID", province="广东省",
                    city="广州市", address_detail="天河路1号", amount=Decimal("59.00")))
        s.add(Order(order_no="B1", buyer_id=b.id, placed_at=clock.advance(60), state="PAID",
                    province="新疆", address_detail="乌鲁木齐某路"))
    va = chat_values(desk.store, "买家A", "小美")
    assert va["order_no"] == "A1" and va["address"] == "广东省广州市天河路1号" and va["total"] == "¥59.00"
    vc = chat_values(desk.store, "没有订单的买家", "小美")
    assert vc["order_no"] is None and vc["address"] is None and vc["buyer"] == "没有订单的买家"
