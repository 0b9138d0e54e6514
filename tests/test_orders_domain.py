"""The order state machine (every state × every action × both shop kinds) and value rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cs_console.domain.flags import FlagColour
from cs_console.domain.orders import (
    Action,
    OrderRefused,
    OrderState,
    Totals,
    allowed_actions,
    check,
    check_close_reason,
    check_postage,
    check_price,
    extend_deadline,
    mask_phone,
    parse_state,
    require_reason,
    retotal,
)
from cs_console.domain.shop import ShopKind

A, S, K = Action, OrderState, ShopKind
WAIT_C = {A.CONFIRM_ADDRESS, A.SET_PRICE, A.SET_POSTAGE, A.CLOSE_ORDER, A.CLOSE_ITEM, A.FLAG}
EXPECTED: dict[tuple[OrderState, ShopKind], set[Action]] = {
    (S.WAIT_BUYER_PAY, K.C_SHOP): WAIT_C,
    (S.WAIT_BUYER_PAY, K.TMALL): WAIT_C - {A.SET_PRICE},  # Tmall: postage only
    (S.PAID, K.C_SHOP): {A.FLAG},
    (S.PAID, K.TMALL): {A.FLAG},
    (S.SHIPPED, K.C_SHOP): {A.VIEW_LOGISTICS, A.EXTEND_RECEIPT, A.FLAG},
    (S.SHIPPED, K.TMALL): {A.VIEW_LOGISTICS, A.EXTEND_RECEIPT, A.FLAG},
    (S.SUCCESS, K.C_SHOP): set(),
    (S.SUCCESS, K.TMALL): set(),
    (S.CLOSED, K.C_SHOP): set(),
    (S.CLOSED, K.TMALL): set(),
}


@pytest.mark.parametrize("kind", list(ShopKind))
@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_action_kind(state, action, kind):
    allowed = action in EXPECTED[(state, kind)]
    assert (action in allowed_actions(state, kind)) is allowed
    if allowed:
        check(action, state, kind)
    else:
        with pytest.raises(OrderRefused) as exc:
            check(action, state, kind)
        assert str(exc.value)


@pytest.mark.parametrize(("action", "state", "kind", "message"), [
    (A.SET_PRICE, S.PAID, K.C_SHOP, "买家已付款的订单不能改价；请写进备注"),
    (A.SET_POSTAGE, S.PAID, K.TMALL, "买家已付款的订单不能改运费；请写进备注"),
    (A.SET_PRICE, S.WAIT_BUYER_PAY, K.TMALL, "商城店（天猫）不能改商品价格，只能改运费"),
    (A.CLOSE_ORDER, S.CLOSED, K.C_SHOP, "已关闭的订单只能查看，不能关闭"),
    (A.FLAG, S.SUCCESS, K.C_SHOP, "交易成功的订单只能查看，不能设旗"),
])
def test_refusal_reasons(action, state, kind, message):
    with pytest.raises(OrderRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        check(action, state, kind)


@pytest.mark.parametrize(("text", "state"), [
    ("PAID", S.PAID), ("paid", S.PAID), ("买家已付款", S.PAID), ("交易关闭", S.CLOSED),
    ("WAIT_BUYER_PAY", S.WAIT_BUYER_PAY),
])
def test_parse_state(text, state):
    assert parse_state(text) == state


def test_parse_state_unknown():
    with pytest.raises(OrderRefused):
        parse_state("SENT")


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("0.01", True), ("59.9", True), ("-0.01", False)])
def test_price_never_below_zero(value, ok):
    if ok:
        assert check_price(Decimal(value)) == Decimal(value).quantize(Decimal("0.01"))
    else:
        with pytest.raises(OrderRefused, match="不能低于 0"):
            check_price(Decimal(value))


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("15", True), ("-1", False)])
def test_postage_zero_allowed_negative_refused(value, ok):
    if ok:
        assert check_postage(Decimal(value)) == Decimal(value)
    else:
        with pytest.raises(OrderRefused):
            check_postage(Decimal(value))


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reason_required(reason):
    with pytest.raises(OrderRefused, match="需要填写原因"):
        require_reason(reason, "a price change")


def test_close_reason_from_list():
    assert check_close_reason("卖家缺货", ["卖家缺货", "其他原因"]) == "卖家缺货"
    with pytest.raises(OrderRefused, match="须是以下之一"):
        check_close_reason("不想卖", ["卖家缺货", "其他原因"])


@pytest.mark.parametrize(("start", "delta", "postage", "expect"), [
    # (items_total, postage, amount), items delta, new postage, expected (items_total, postage, amount)
    (("137.90", "0", "137.90"), "-8.00", None, ("129.90", "0.00", "129.90")),
    (("398.00", "20", "418.00"), "0", "10", ("398.00", "10.00", "408.00")),
    (("0.30", "0.10", "0.40"), "-0.10", "0.20", ("0.20", "0.20", "0.40")),  # exact, no float drift
    (("100.00", "0", "95.00"), "-10.00", None, ("90.00", "0.00", "85.00")),  # an imported discount is kept
])
def test_retotal_exact(start, delta, postage, expect):
    cur = Totals(*(Decimal(x) for x in start))
    new = retotal(cur, items_delta=Decimal(delta), postage=None if postage is None else Decimal(postage))
    assert (new.items_total, new.postage, new.amount) == tuple(Decimal(x) for x in expect)


def test_retotal_never_negative():
    with pytest.raises(OrderRefused):
        retotal(Totals(Decimal("5"), Decimal("0"), Decimal("5")), items_delta=Decimal("-6"))


SHIPPED_AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("current", "days", "so_far", "expect"), [
    (None, 3, 0, SHIPPED_AT + timedelta(days=13)),  # shipping + 10 days + 3
    (SHIPPED_AT + timedelta(days=10), 10, 0, SHIPPED_AT + timedelta(days=20)),
    (None, 4, 0, "3/5/7/10"),
    (None, 3, 1, "已延长"),
])
def test_extend_deadline(current, days, so_far, expect):
    kw = dict(current=current, shipped_at=SHIPPED_AT, now=NOW, days=days, allowed_days=[3, 5, 7, 10],
              extensions_so_far=so_far, max_extensions=1)
    if isinstance(expect, str):
        with pytest.raises(OrderRefused, match=expect):
            extend_deadline(**kw)
    else:
        assert extend_deadline(**kw) == expect


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("", ""), ("0571-88886666", "057******6666"), ("12345", "***45"),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_labels_cover_everything():
    assert all(s.label for s in OrderState) and all(a.label for a in Action) and all(c.label for c in FlagColour)


def test_order_rules_and_store_do_not_import_textual():
    import subprocess
    import sys

    code = ("import sys, cs_console.domain.orders, cs_console.domain.flags, cs_console.domain.order_import, "
            "cs_console.store.orders, cs_console.store.bulk, cs_console.services.orders; "
            "sys.exit('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize(("listing", "new", "warned"), [
    ("59.00", "59.01", "高于原价"),   # every raise asks
    ("59.00", "47.20", None),         # a 20 % cut is within the share
    ("59.00", "47.19", "降价 20%"),   # just beyond it (20.02 %, shown rounded)
    ("59.00", "0.00", "降价 100%"),
    ("0.00", "0.00", None),
])
def test_price_change_warning(listing, new, warned):
    from cs_console.domain.orders import price_change_warning

    got = price_change_warning(Decimal(listing), Decimal(new), Decimal("0.20"))
    assert (got is None) if warned is None else (warned in got)


def test_listing_price_is_the_first_change_of_each_line():
    from cs_console.domain.orders import listing_prices

    trail = [("line 2 unit_price", "19.90"), ("amount", "137.90"), ("line 2 unit_price", "9.90"),
             ("line 1 unit_price", "59.00"), ("postage", "0.00")]
    assert listing_prices(trail) == {2: Decimal("19.90"), 1: Decimal("59.00")}
