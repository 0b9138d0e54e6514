"""Pilot tests of the 订单 side tab: follows the chat, offers only allowed actions, dialogs write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import OptionList

from cs_console.config.locations import data_dir
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.order_dialogs import (
    AmountDialog,
    ConfirmDialog,
    DetailDialog,
    FlagDialog,
    PickDialog,
)
from cs_console.tui.orders_panel import OrdersPanel
from tests.pilot_wait import wait_for, wait_for_screen
from tests.signin import sign_in

WAIT, SUCCESS, PAID = "3712208811420001", "3712208811420002", "3712208811420008"


@pytest.fixture
def shop(desk, clock):
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.chats.inject("小王爱购物", "在吗")  # waits longest → selected first
    clock.advance(5)
    desk.chats.inject("宝妈Lily", "地址要改一下")
    clock.advance(5)
    return desk


def panel_text(app) -> list[str]:
    lst = app.query_one("#orders-list", OptionList)
    return [lst.get_option_at_index(i).prompt.plain for i in range(lst.option_count)]


async def test_follows_chat_newest_first_masked(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(OrdersPanel)
        assert [o.order_no for o in panel.orders] == [WAIT, SUCCESS]
        text = "\n".join(panel_text(app))
        assert "138****5678" in text and "13812345678" not in text
        assert "等待买家付款" in text and "灰旗" in text and "婴儿连体衣纯棉哈衣" in text
        await pilot.press("f4")  # next chat: 宝妈Lily
        await pilot.pause()
        assert [o.order_no for o in panel.orders] == [PAID]
        assert WAIT not in "\n".join(panel_text(app))  # never another buyer's orders
        await pilot.press("f12")
        assert app.focused is app.query_one("#orders-list")
        await pilot.press("enter")  # detail view: the only place the full phone is shown
        assert isinstance(app.screen, DetailDialog)
        assert "13811112222" in app.screen.body.plain
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailDialog)


async def test_only_allowed_actions_offered(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+o")
        panel = app.query_one(OrdersPanel)
        assert app.focused is app.query_one("#orders-list")
        hint = str(app.query_one("#orders-actions").render())
        assert "改价" in hint and "旗帜" in hint and "延长收货" not in hint
        assert panel.check_action("extend_receipt", ()) is False and panel.check_action("set_price", ()) is True
        await pilot.press("e")  # extending the receipt deadline is not allowed before shipping: nothing opens
        assert app.screen is app.screen_stack[0]
        await pilot.press("down")  # the SUCCESS order: view only
        await pilot.press("f")
        assert not isinstance(app.screen, FlagDialog)
        assert not any(panel.check_action(a, ()) for a in ("set_price", "set_postage", "flag", "close_order",
                                                             "extend_receipt", "confirm_address"))
        assert "只可查看" in str(app.query_one("#orders-actions").render())


async def test_change_price_with_reason(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12", "p")
        await wait_for_screen(pilot, PickDialog)  # two lines: choose one
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, AmountDialog)
        assert "原价 ¥19.90" in str(app.screen.query_one("#listing").render())
        await pilot.press(*"9.9")
        preview = str(app.screen.query_one("#preview").render())
        assert "单价 ¥19.90 → ¥9.90" in preview and "合计 ¥137.90 → ¥127.90" in preview
        await pilot.press("enter")  # no reason yet: the cursor moves to the reason
        assert isinstance(app.screen, AmountDialog)
        await pilot.press(*"laoke", "enter")  # a 50 % cut: asks once more, nothing written yet
        await wait_for(pilot, lambda: "降价 50%" in str(app.screen.query_one("#error").render()))
        assert shop.orders.show(WAIT).items[1].unit_price == Decimal("19.90")
        await pilot.press("enter")
        await wait_for(pilot, lambda: shop.orders.show(WAIT).items[1].unit_price == Decimal("9.90"))
        o = shop.orders.show(WAIT)
        assert (o.items[1].unit_price, o.amount) == (Decimal("9.90"), Decimal("127.90"))
        assert shop.orders.audit(WAIT)[0].reason == "laoke"
        assert "¥127.90" in panel_text(app)[0]
        assert "¥9.90×1（原价 ¥19.90）" in panel_text(app)[0]  # the listing price stays in view


async def test_price_increase_asks_small_cut_does_not(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12", "p")
        await wait_for_screen(pilot, PickDialog)
        await pilot.press("enter")  # line 1: 59.00 × 2
        await wait_for_screen(pilot, AmountDialog)
        await pilot.press(*"69", "tab", *"补差价", "enter")
        await wait_for(pilot, lambda: "高于原价 ¥59.00" in str(app.screen.query_one("#error").render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AmountDialog))
        assert shop.orders.show(WAIT).items[0].unit_price == Decimal("59.00")
        await pilot.press("p")
        await wait_for_screen(pilot, PickDialog)
        await pilot.press("enter")
        await wait_for_screen(pilot, AmountDialog)
        await pilot.press(*"55", "tab", *"老客", "enter")  # a 7 % cut: no second question
        await wait_for(pilot, lambda: shop.orders.show(WAIT).items[0].unit_price == Decimal("55.00"))


async def test_flag_with_remark_and_price_refused_when_paid(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4", "f12", "p")  # 宝妈Lily's PAID order: no price change offered
        assert not isinstance(app.screen, AmountDialog)
        await pilot.press("f")
        assert isinstance(app.screen, FlagDialog)
        await pilot.press("enter")  # red (highlighted first) → on to the remark
        await pilot.press(*"SF", "enter")
        await pilot.pause()
        o = shop.orders.show(PAID)
        assert (o.flag, o.remark) == ("red", "SF")
        assert [a.field for a in shop.orders.audit(PAID)] == ["flag", "remark"]
        assert "红旗" in panel_text(app)[0]


async def test_close_one_item_and_confirm_address(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12", "c")
        await pilot.press("down", "down", "enter")  # only line 2
        await pilot.press("down", "down", "enter")  # reason: 买家拍错了
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        o = shop.orders.show(WAIT)
        assert o.items[1].closed and o.items[1].close_reason == "买家拍错了" and o.amount == Decimal("118.00")
        await pilot.pause(0.3)
        listed = "\n".join(str(opt.prompt) for opt in app.query_one("#orders-list").options)
        assert "（已关闭）" in listed  # the panel says which line is closed
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog) and "王小丽" in str(app.screen.body)
        await pilot.press("enter")
        await pilot.pause()
        chat = shop.chats.chat_of("小王爱购物")
        assert "浙江省 杭州市 西湖区 文三路90号" in shop.chats.recent(chat.chat_id)[-1].text


async def test_escape_cancels_and_writes_nothing(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12", "y", *"5", "escape")
        await pilot.pause()
        assert shop.orders.audit(WAIT) == []
        await pilot.press("escape")  # back to the composer
        assert app.focused is app.query_one("#composer")


async def test_follows_changes_made_elsewhere(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shop.orders.set_postage(WAIT, "12", "顺丰补差价", sign_in(shop, "小李"))  # e.g. another agent, or the CLI
        await pilot.pause(0.8)
        assert "¥149.90" in panel_text(app)[0]


async def test_extend_receipt_of_a_shipped_order(desk, clock):
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.chats.inject("妈咪宝贝_2019", "还没到")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12")
        panel = app.query_one(OrdersPanel)
        assert panel.current.order_no == "3712208811420005"
        assert "E 延长收货" in str(app.query_one("#orders-actions").render())
        await pilot.press("e", "down", "enter")  # +5 days
        assert isinstance(app.screen, ConfirmDialog) and "→" in str(app.screen.body)
        await pilot.press("enter")
        await pilot.pause()
        assert [a.field for a in desk.orders.audit("3712208811420005")] == ["receipt_deadline"]


async def test_tmall_shop_hides_price_change(shop):
    from cs_console.domain.shop import ShopKind

    shop.policy = shop.policy.model_copy(update={"shop": shop.policy.shop.model_copy(update={"kind": ShopKind.TMALL})})
    shop.orders.policy = shop.policy
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12")
        panel = app.query_one(OrdersPanel)
        assert panel.check_action("set_price", ()) is False and panel.check_action("set_postage", ()) is True
        await pilot.press("p")
        assert not isinstance(app.screen, AmountDialog)


async def test_a_stale_flag_edit_shows_the_current_remark_and_keeps_it(shop):
    from tests.signin import sign_in

    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4", "f12")
        await wait_for(pilot, lambda: any(PAID in line for line in panel_text(app)))
        await pilot.press("f")  # 宝妈Lily's PAID order: the dialog opens on version 0
        await wait_for_screen(pilot, FlagDialog)
        shop.orders.flag(PAID, "purple", "仓库：到货改发顺丰", sign_in(shop, "阿强"))  # meanwhile, elsewhere
        await pilot.press("enter")
        await pilot.press(*"SF", "enter")
        await wait_for_screen(pilot, ConfirmDialog)
        body = str(app.screen.query_one("#body").render())
        assert "仓库：到货改发顺丰" in body and "阿强" in body and "SF" in body  # current value + my unsaved text
        await pilot.press("escape")
        o = shop.orders.show(PAID)
        assert (o.flag, o.remark, o.flag_version) == ("purple", "仓库：到货改发顺丰", 1)  # never overwritten
        assert [(a.agent, a.field) for a in shop.orders.audit(PAID)] == [("阿强", "flag"), ("阿强", "remark")]
