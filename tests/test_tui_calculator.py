"""The 计算器 tab: type items, switch courier, insert the summary into the draft, load order items."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select
from textual import events
from textual.widgets import Input, Label, Select

from cs_console.store.audit import trail
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order, OrderItem
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.calculator import Calculator
from cs_console.tui.composer import Composer
from cs_console.tui.postage_dialog import ProposePostage
from tests.pilot_wait import wait_for


def seed_order(desk, clock, buyer: str, province: str = "广东省", courier: str = "申通快递",
               order_no: str = "T1001") -> None:
    with desk.store.write() as s:
        b = ensure_buyer(s, buyer, clock())
        order = Order(order_no=order_no, buyer_id=b.id, placed_at=clock(), state="WAIT_BUYER_PAY",
                      province=province, city="广州市", courier=courier, items_total=Decimal("148.00"),
                      postage=Decimal("10.00"), amount=Decimal("158.00"))
        s.add(order)
        s.flush()
        s.add(OrderItem(order_id=order.id, line_no=1, title="连体衣", colour="粉色", size="73",
                        unit_price=Decimal("59.00"), quantity=2, free_postage=True))
        s.add(OrderItem(order_id=order.id, line_no=2, title="袜子", unit_price=Decimal("30.00"), quantity=1))


async def test_type_items_switch_courier_insert_summary(desk, clock):
    desk.chats.inject("小王", "买三件发广东运费多少？")
    seed_order(desk, clock, "小王")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        calc = app.query_one(Calculator)
        assert app.focused is calc.query_one("#calc-entry")
        # prefilled from the latest order: partner courier, Guangdong
        assert calc.query_one("#calc-courier", Select).value == "sto"
        assert calc.query_one("#calc-province", Input).value == "广东省"
        await pilot.press(*"59x3")
        assert calc.quote is not None and calc.quote.total == Decimal("187.00")  # updates as you type
        await pilot.press("enter")
        assert len(calc.items) == 1 and calc.query_one("#calc-entry", Input).value == ""
        await pilot.press(*"yunda", "enter")
        assert calc.query_one("#calc-courier", Select).value == "yunda"
        assert (calc.quote.items_total, calc.quote.postage, calc.quote.total) == (
            Decimal("177.00"), Decimal("17.00"), Decimal("194.00"))
        await pilot.press(*"12.3.4", "enter")
        assert "价格无效" in calc.error and len(calc.items) == 1
        await pilot.press("ctrl+u")
        app.post_message(events.Key("alt+y", "y"))  # as a real terminal sends it: with a character
        await pilot.pause()
        assert app.clipboard == "亲，您一共 3 件，商品合计 ¥177.00，韵达发广东运费 ¥17.00，共计 ¥194.00"
        assert calc.query_one("#calc-entry", Input).value == ""  # not typed into the entry
        await pilot.press("alt+i")
        await pilot.pause()
        composer = app.query_one(Composer)
        assert composer.text == "亲，您一共 3 件，商品合计 ¥177.00，韵达发广东运费 ¥17.00，共计 ¥194.00"
        assert app.focused is composer
        await pilot.press("left", *"!")  # inserted at the caret, the draft stays editable
        assert composer.text.endswith("¥194.0!0")


async def test_load_order_items_and_drop_lines(desk, clock):
    desk.chats.inject("小王", "在吗")
    seed_order(desk, clock, "小王", province="新疆", courier="")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+c")
        await pilot.pause()
        calc = app.query_one(Calculator)
        await pilot.press("alt+l")
        assert [(i.price, i.quantity, i.free) for i in calc.items] == [
            (Decimal("59.00"), 2, True), (Decimal("30.00"), 1, False)]
        assert calc.quote.postage == Decimal("25.00")  # remote: no free postage with the partner
        await pilot.press("backspace")
        assert len(calc.items) == 1 and calc.quote.postage == Decimal("25.00")
        await pilot.press("-", "-", "enter")
        assert calc.items == [] and calc.quote is None


async def test_follows_the_selected_buyer_and_survives_a_broken_rates_file(desk, clock, tmp_path):
    desk.chats.inject("小王", "在吗")
    clock.advance(5)
    desk.chats.inject("阿依", "发新疆运费多少")
    seed_order(desk, clock, "阿依", province="新疆维吾尔自治区", courier="顺丰速运")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press(*"59", "enter")
        calc = app.query_one(Calculator)
        assert calc.buyer == "小王" and len(calc.items) == 1
        await pilot.press("alt+down")  # next chat: another buyer, the calculator starts over
        assert calc.buyer == "阿依" and calc.items == []
        assert calc.query_one("#calc-courier", Select).value == "sf"
        assert calc.query_one("#calc-province", Input).value == "新疆维吾尔自治区"
        assert app.focused is app.query_one("#composer")  # a chat switch puts the caret in the draft
        await pilot.press("alt+c", "alt+l")
        assert calc.quote.postage == Decimal("38.00")  # SF to a remote region: no free-postage credit
    broken = tmp_path / "postage.yaml"
    broken.write_text("partner: sto\ncouriers: {}\nprovinces: {}\n", encoding="utf-8")
    desk.postage.rates_file = broken
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press(*"59", "enter")
        calc = app.query_one(Calculator)
        assert "运费表有误" in calc.error and str(broken) in calc.error and calc.quote is None


async def test_propose_quoted_postage_on_unpaid_order(desk, clock):
    desk.chats.inject("小王", "发韵达吧")
    seed_order(desk, clock, "小王")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("alt+l", *"yunda", "enter")
        calc = app.query_one(Calculator)
        assert calc.quote.postage == Decimal("7.00")  # 12 + 5 − 10 (free-postage credit)
        await pilot.press("alt+p")
        await pilot.pause()
        assert isinstance(app.screen, ProposePostage)
        assert "¥10.00 → ¥7.00" in str(app.screen.query_one("#change", Label).render())
        reason = app.screen.query_one("#reason", Input).value
        assert reason.startswith("运费计算器：") and "韵达发广东实际运费 ¥12.00" in reason
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ProposePostage)
    with desk.store.read() as s:
        order = s.exec(select(Order).where(Order.order_no == "T1001")).one()
        assert (order.postage, order.amount) == (Decimal("7.00"), Decimal("155.00"))
        rows = [(e.field, e.old, e.new, e.reason, e.agent) for e in trail(s, "order", "T1001")]
    assert ("postage", "10.00", "7.00", reason, "小美") in rows
    # a paid order: refused before any dialog, nothing changes
    with desk.store.write() as s:
        order = s.exec(select(Order).where(Order.order_no == "T1001")).one()
        order.state = "PAID"
        s.add(order)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press(*"59", "enter", "alt+p")
        await pilot.pause()
        assert not isinstance(app.screen, ProposePostage)
    with desk.store.read() as s:
        assert len(trail(s, "order", "T1001")) == len(rows)


async def test_command_keys_in_the_calculator_act_instead_of_typing(desk, clock):
    """Alt+letter as ESC-prefix terminals send it (key alt+j with character "j") is not typed
    into a calculator field; Esc goes back to the draft."""
    from textual import events

    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.composer import Composer
    from cs_console.tui.inputs import CommandAwareInput

    desk.chats.inject("小王", "运费多少")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+c")
        await pilot.pause()
        entry = app.focused
        assert isinstance(entry, CommandAwareInput)
        entry.post_message(events.Key("alt+j", "j"))
        await pilot.pause()
        assert entry.value == ""
        await pilot.press("escape")
        assert isinstance(app.focused, Composer)


async def test_a_side_tab_shown_after_chat_switches_shows_the_new_buyer(desk, clock):
    """Tabs behind the one on top catch up when shown: never the previous buyer's data."""
    desk.chats.inject("小王", "在吗")
    clock.advance(5)
    desk.chats.inject("阿依", "发新疆运费多少")
    seed_order(desk, clock, "小王")
    seed_order(desk, clock, "阿依", province="新疆维吾尔自治区", courier="顺丰速运", order_no="T1002")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        title = app.query_one("#orders-title", Label)
        await wait_for(pilot, lambda: "小王 的订单" in str(title.render()))  # 订单 is on top
        calc = app.query_one(Calculator)
        province = calc.query_one("#calc-province", Input)
        await pilot.press("alt+down")  # 阿依, while the 计算器 is behind the 订单 tab
        await wait_for(pilot, lambda: "阿依 的订单" in str(title.render()))
        await pilot.press("ctrl+l")  # the 计算器 comes on top: 阿依's address, not 小王's
        await wait_for(pilot, lambda: province.value == "新疆维吾尔自治区")
        assert calc.query_one("#calc-courier", Select).value == "sf"
        await pilot.press("alt+up", "alt+up")  # 小王, then 阿依 again, with the 计算器 on top
        await wait_for(pilot, lambda: app.desk_screen.current.buyer_nick == "阿依")
        await pilot.press("alt+up")  # 小王
        await wait_for(pilot, lambda: province.value == "广东省")
        await pilot.press("alt+a")  # 售后: 小王's cases
        cases_title = app.query_one("#cases-title", Label)
        await wait_for(pilot, lambda: "小王 的售后" in str(cases_title.render()))
        await pilot.press("alt+o")  # 订单, last shown for 阿依: now 小王's order
        await wait_for(pilot, lambda: "小王 的订单 · 1" in str(title.render()))
        assert [o.order_no for o in app.query_one("#orders-panel").orders] == ["T1001"]
