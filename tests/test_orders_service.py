"""desk.orders: each change is one transaction with its audit rows; refusals write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cs_console.config.locations import data_dir
from cs_console.domain.orders import OrderRefused, OrderState
from cs_console.domain.shop import ShopKind
from cs_console.services.desk import Desk
from cs_console.store.orders import OrderNotFound
from tests.signin import sign_in

WAIT, PAID, SHIPPED, SUCCESS, CLOSED = ("3712208811420001", "3712208811420008", "3712208811420005",
                                        "3712208811420002", "3712208811420010")


@pytest.fixture
def shop(desk: Desk) -> Desk:
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    for name in ("小美", "阿强", "主管", "小李", "小王"):
        sign_in(desk, name)
    return desk


def trail(desk, no):
    return [(a.agent, a.field, a.old, a.new, a.reason) for a in desk.orders.audit(no)]


def test_set_price_recomputes_exactly_with_audit(shop, clock):
    before = shop.orders.show(WAIT)
    assert before.amount == Decimal("137.90")
    after = shop.orders.set_item_price(WAIT, 2, "9.95", "老客优惠", "小美")
    assert after.items[1].unit_price == Decimal("9.95")
    assert (after.items_total, after.amount) == (Decimal("127.95"), Decimal("127.95"))
    assert trail(shop, WAIT) == [
        ("小美", "line 2 unit_price", "19.90", "9.95", "老客优惠"),
        ("小美", "items_total", "137.90", "127.95", "老客优惠"),
        ("小美", "amount", "137.90", "127.95", "老客优惠"),
    ]
    assert shop.orders.audit(WAIT)[0].at == clock()


def test_set_postage(shop):
    o = shop.orders.set_postage("3712208811420004", "0", "买两件包邮", "小美")
    assert (o.postage, o.amount) == (Decimal("0.00"), Decimal("398.00"))
    assert ("小美", "postage", "20.00", "0.00", "买两件包邮") in trail(shop, "3712208811420004")


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: d.orders.set_item_price(PAID, 1, "40", "x", "小美"), "买家已付款的订单不能改价；请写进备注"),
    (lambda d: d.orders.set_postage(SHIPPED, "0", "x", "小美"), "已发货的订单不能改运费"),
    (lambda d: d.orders.set_item_price(WAIT, 1, "-1", "x", "小美"), "不能低于 0"),
    (lambda d: d.orders.set_postage(WAIT, "-1", "x", "小美"), "不能为负"),
    (lambda d: d.orders.set_item_price(WAIT, 1, "50", " ", "小美"), "需要填写原因"),
    (lambda d: d.orders.set_postage(WAIT, "5", "", "小美"), "需要填写原因"),
    (lambda d: d.orders.set_item_price(WAIT, 9, "50", "x", "小美"), "没有第 9 行商品"),
    (lambda d: d.orders.flag(CLOSED, "red", "x", "小美"), "已关闭的订单只能查看，不能设旗"),
    (lambda d: d.orders.flag(PAID, "red", " ", "小美"), "需要写备注"),
    (lambda d: d.orders.flag(PAID, "grey", "x", "小美"), "灰旗表示没有旗帜"),
    (lambda d: d.orders.close(PAID, "卖家缺货", "小美"), "买家已付款的订单不能关闭"),
    (lambda d: d.orders.close(WAIT, "看不顺眼", "小美"), "关闭原因须是以下之一"),
    (lambda d: d.orders.close(CLOSED, "卖家缺货", "小美"), "已关闭的订单只能查看"),
    (lambda d: d.orders.extend_receipt(SUCCESS, 3, "小美"), "交易成功的订单只能查看"),
    (lambda d: d.orders.extend_receipt(SHIPPED, 4, "小美"), "3/5/7/10"),
    (lambda d: d.orders.confirm_address(PAID, "小美"), "买家已付款的订单不能"),
    (lambda d: d.orders.show("nope"), "没有订单"),
])
def test_refusals_change_nothing(shop, call, message):
    before = {o.order_no: o for o in shop.orders.list()}
    with pytest.raises((OrderRefused, OrderNotFound), match=message):
        call(shop)
    assert {o.order_no: o for o in shop.orders.list()} == before
    assert before and all(shop.orders.audit(no) == [] for no in before)


def test_tmall_postage_only(shop):
    shop.policy = shop.policy.model_copy(update={"shop": shop.policy.shop.model_copy(update={"kind": ShopKind.TMALL})})
    shop.orders.policy = shop.policy
    with pytest.raises(OrderRefused, match="商城店"):
        shop.orders.set_item_price(WAIT, 1, "50", "x", "小美")
    assert shop.orders.set_postage(WAIT, "8", "偏远", "小美").postage == Decimal("8.00")


def test_flag_and_remark_audited(shop):
    o = shop.orders.flag(PAID, "RED", "发顺丰，送袜子", "小美")
    assert (o.flag, o.remark) == ("red", "发顺丰，送袜子")
    assert [(f, old, new) for _, f, old, new, _ in trail(shop, PAID)] == [("flag", "grey", "red"),
                                                                         ("remark", "", "发顺丰，送袜子")]
    shop.orders.flag(PAID, "red", "发顺丰，送袜子和帽子", "小李")
    assert trail(shop, PAID)[-1][:4] == ("小李", "remark", "发顺丰，送袜子", "发顺丰，送袜子和帽子")
    with pytest.raises(OrderRefused, match="没有变化"):
        shop.orders.flag(PAID, "red", "发顺丰，送袜子和帽子", "小李")


def test_presale_convention_refuses_green(shop):
    shop.policy = shop.policy.model_copy(update={"orders": shop.policy.orders.model_copy(update={"flag_convention": "presale"})})
    shop.orders.policy = shop.policy
    with pytest.raises(OrderRefused, match="没有含义"):
        shop.orders.flag(PAID, "green", "x", "小美")
    assert shop.orders.flag(PAID, "red", "已付款", "小美").flag == "red"


def test_close_item_then_order(shop):
    o = shop.orders.close(WAIT, "买家拍错了", "小美", line=2)
    assert o.items[1].closed and o.amount == Decimal("118.00")
    with pytest.raises(OrderRefused, match="已关闭"):
        shop.orders.close(WAIT, "买家拍错了", "小美", line=2)
    with pytest.raises(OrderRefused, match="最后一件未关闭的商品"):
        shop.orders.close(WAIT, "买家拍错了", "小美", line=1)
    o = shop.orders.close(WAIT, "卖家缺货", "小美")
    assert (o.state, o.close_reason) == (OrderState.CLOSED, "卖家缺货")
    assert trail(shop, WAIT)[-1] == ("小美", "state", "WAIT_BUYER_PAY", "CLOSED", "卖家缺货")


def test_extend_receipt_once(shop, clock):
    o = shop.orders.extend_receipt(SHIPPED, 7, "小美")
    assert o.receipt_deadline is not None
    assert trail(shop, SHIPPED)[0][1:3] == ("receipt_deadline", "")
    with pytest.raises(OrderRefused, match="已延长"):
        shop.orders.extend_receipt(SHIPPED, 3, "小美")


def test_confirm_address_sends_to_the_buyers_chat(shop):
    with pytest.raises(OrderRefused, match="没有打开的会话"):
        shop.orders.confirm_address(WAIT, "小美")
    posted = shop.chats.inject("小王爱购物", "在吗")
    shop.orders.confirm_address(WAIT, "小美")
    last = shop.chats.recent(posted.chat_id)[-1]
    assert last.author == "小美"
    for part in ("婴儿连体衣纯棉哈衣 粉色/73cm ×2", "王小丽", "13812345678", "浙江省 杭州市 西湖区 文三路90号", "快递"):
        assert part in last.text
    assert trail(shop, WAIT)[0][1] == "address_confirmation"


def test_for_buyer_only_their_orders_newest_first(shop):
    orders = shop.orders.for_buyer("小王爱购物")
    assert [o.order_no for o in orders] == [WAIT, SUCCESS]
    assert shop.orders.for_buyer("nobody") == []


def test_audit_has_no_update_or_delete_path():
    import inspect

    from cs_console.store import audit

    names = {n for n, _ in inspect.getmembers(audit, inspect.isfunction) if n.startswith(("update", "delete", "edit", "remove"))}
    assert names == set()
