"""The 计算器 with goods: the order's lines bring their weights and freight template, a goods
code adds an item, a missing weight is asked for and typed."""

from __future__ import annotations

from decimal import Decimal

from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order, OrderItem
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.calculator import Calculator
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file


async def test_order_items_are_weighed_from_the_goods(desk, clock, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT]))
    desk.goods.import_file(path)
    desk.chats.inject("双胞胎妈妈", "两件发四川运费多少？")
    with desk.store.write() as s:
        b = ensure_buyer(s, "双胞胎妈妈", clock())
        order = Order(order_no="T3001", buyer_id=b.id, placed_at=clock(), state="WAIT_BUYER_PAY", province="四川省",
                      city="武汉市", courier="申通快递", items_total=Decimal("158.00"), amount=Decimal("158.00"))
        s.add(order)
        s.flush()
        s.add(OrderItem(order_id=order.id, line_no=1, title="双胞胎款连体衣 纯棉哈衣", colour="蓝色", size="90cm",
                        unit_price=Decimal("79.00"), quantity=2))
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+c")
        await pilot.pause()
        calc = app.query_one(Calculator)
        await pilot.press("alt+l")
        await pilot.pause()
        assert [(i.weight_kg, i.template) for i in calc.items] == [(Decimal("0.300"), "21001")]
        # 0.3 kg × 2 = 0.6 kg, template 童装小件 to 四川 (default row): first kg ¥8
        assert calc.quote is not None and calc.quote.postage == Decimal("8.00")
        assert "template_fee" in [ln.rule for ln in calc.quote.postage_lines]
        await pilot.press(*"@MZ-01", "enter")  # the hat has no weight in the catalogue: asked for
        assert len(calc.items) == 2 and "没有重量" in calc.error
        await pilot.press("backspace")  # drop it, type it with a weight instead
        await pilot.press(*"25 0.05kg", "enter")
        assert calc.error == "" and calc.quote is not None
        # 0.6 + 0.05 = 0.65 kg → still the first kg: ¥8
        assert calc.quote.postage == Decimal("8.00")
        assert any(ln.rule == "parcel_weight" and "0.65 kg" in ln.label for ln in calc.quote.postage_lines)
