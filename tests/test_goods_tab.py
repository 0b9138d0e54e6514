"""The 商品 tab: the buyer asks "蓝色90码还有货吗", the agent finds the goods, the grid shows the
SKU, one key puts the answer into the draft; order lines show the same item's other sizes."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList

from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.goods_tab import GoodsTab
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file
from tests.pilot_wait import wait_for


def _import(desk, tmp_path, rows):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file(rows))
    return desk.goods.import_file(path)


async def test_answers_blue_90_from_the_goods_tab(desk, tmp_path):
    romper = {**ROMPER, "skuProps": ROMPER["skuProps"].replace("79.00:0:LTY-BL-90", "79.00:2:LTY-BL-90"),
              "num": "27"}
    _import(desk, tmp_path, [romper, SOCKS, HAT])
    desk.chats.inject("双胞胎妈妈", "这款蓝色90码还有货吗？要两件")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+g")
        await pilot.pause()
        tab = app.query_one(GoodsTab)
        assert app.focused is tab.query_one("#goods-search")
        await pilot.press(*"lty", "space", *"蓝色90")
        # the rows of this search, not those of "lty" typed a moment earlier (a loaded machine
        # searches between the keys)
        await wait_for(pilot, lambda: tab.shown_query == "lty 蓝色90")
        assert tab.query_one("#goods-list", OptionList).option_count == 1
        assert tab.goods.title == "双胞胎款连体衣 纯棉哈衣"
        sku = tab.chosen_sku()
        assert (sku.colour, sku.size, sku.stock) == ("蓝色", "90cm", 2)
        grid = tab.query_one(DataTable)
        assert grid.row_count == 2 and len(grid.columns) == 4  # 蓝色/奶白 × 80/90/100
        await pilot.press("enter")  # into the grid
        assert app.focused is grid
        await pilot.press("i")
        await pilot.pause()
        composer = app.query_one(Composer)
        assert composer.text == "亲，双胞胎款连体衣 纯棉哈衣 蓝色 90cm ¥79.00，有货（仅剩 2 件）"
        assert app.focused is composer
        # another size from the grid: 100cm costs more
        await pilot.press("alt+g")
        await pilot.pause()
        grid.focus()
        await pilot.press("right")
        assert tab.chosen_sku().size == "100cm"
        await pilot.press("alt+i")
        await pilot.pause()
        assert composer.text.endswith("亲，双胞胎款连体衣 纯棉哈衣 蓝色 100cm ¥85.00，有货（仅剩 3 件）")


async def test_out_of_stock_and_search_by_merchant_code(desk, tmp_path):
    _import(desk, tmp_path, [ROMPER, SOCKS, HAT])
    desk.chats.inject("宝妈", "蓝色90还有吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+g")
        await pilot.pause()
        tab = app.query_one(GoodsTab)
        await pilot.press(*"LTY-BL-90")  # a SKU's merchant code finds its goods
        await wait_for(pilot, lambda: tab.goods is not None and tab.goods.merchant_code == "LTY-2026.1")
        tab.query_one(DataTable).focus()
        await pilot.press("down")  # 奶白 row
        assert tab.chosen_sku().colour == "奶白"
        await pilot.press("up")
        while tab.chosen_sku().size != "90cm":
            await pilot.press("right")
        await pilot.press("i")
        await pilot.pause()
        assert app.query_one(Composer).text == "亲，双胞胎款连体衣 纯棉哈衣 蓝色 90cm ¥79.00，暂时缺货"


async def test_order_line_shows_stock_of_the_other_sizes(desk, clock, tmp_path):
    from decimal import Decimal

    from cs_console.store.chats import ensure_buyer
    from cs_console.store.tables import Order, OrderItem
    from cs_console.tui.orders_panel import OrdersPanel

    _import(desk, tmp_path, [ROMPER, SOCKS, HAT])
    desk.chats.inject("换码的妈妈", "90的太小了，能换100吗")
    with desk.store.write() as s:
        b = ensure_buyer(s, "换码的妈妈", clock())
        order = Order(order_no="T2001", buyer_id=b.id, placed_at=clock(), state="SHIPPED", province="湖北",
                      items_total=Decimal("79.00"), amount=Decimal("79.00"))
        s.add(order)
        s.flush()
        s.add(OrderItem(order_id=order.id, line_no=1, title="双胞胎款连体衣 纯棉哈衣", colour="蓝色", size="90cm",
                        unit_price=Decimal("79.00"), quantity=1))
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+o")
        await pilot.pause()
        panel = app.query_one(OrdersPanel)
        await wait_for(pilot, lambda: len(panel.orders) == 1)
        text = str(panel.query_one("#orders-list", OptionList).get_option_at_index(0).prompt)
        assert "同款蓝色：80cm 10 · 90cm 缺货← · 100cm 3" in text


async def test_grid_follows_a_reimport_and_keeps_the_cursor(desk, tmp_path):
    _import(desk, tmp_path, [ROMPER, SOCKS, HAT])
    desk.chats.inject("双胞胎妈妈", "蓝色100还有吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+g")
        await pilot.pause()
        tab = app.query_one(GoodsTab)
        await pilot.press(*"lty 蓝色100")
        await wait_for(pilot, lambda: tab.chosen_sku() is not None and tab.chosen_sku().size == "100cm")
        assert tab.chosen_sku().stock == 3
        restocked = {**ROMPER, "skuProps": ROMPER["skuProps"].replace("85.00:3:LTY-BL-100", "85.00:30:LTY-BL-100"),
                     "num": "52"}
        _import(desk, tmp_path, [restocked, SOCKS, HAT])  # the warehouse re-imports the catalogue
        await wait_for(pilot, lambda: tab.chosen_sku() is not None and tab.chosen_sku().stock == 30)
        assert (tab.chosen_sku().colour, tab.chosen_sku().size) == ("蓝色", "100cm")


async def test_chosen_sku_goes_to_the_calculator(desk, tmp_path):
    from decimal import Decimal

    from cs_console.tui.calculator import Calculator

    _import(desk, tmp_path, [ROMPER, SOCKS, HAT])
    desk.chats.inject("宁波的买家", "蓝色100发浙江运费多少")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+g")
        await pilot.pause()
        tab = app.query_one(GoodsTab)
        await pilot.press(*"lty 蓝色100", "enter")
        await wait_for(pilot, lambda: tab.chosen_sku() is not None and tab.chosen_sku().size == "100cm")
        tab.query_one(DataTable).focus()
        await pilot.press("c")
        calc = app.query_one(Calculator)
        await wait_for(pilot, lambda: len(calc.items) == 1)
        assert (calc.items[0].price, calc.items[0].weight_kg, calc.items[0].template) == (
            Decimal("85.00"), Decimal("0.300"), "21001")
        await wait_for(pilot, lambda: app.focused is calc.query_one("#calc-entry"))
        await pilot.press(*"浙江", "enter")
        # 0.3 kg, 童装小件 to 浙江 (江浙沪皖 row): first kg ¥6; 85 < 99: no free postage
        await wait_for(pilot, lambda: calc.quote is not None and calc.quote.postage == Decimal("6.00"))


async def test_a_search_read_before_a_reimport_never_replaces_the_rows_read_after_it(desk, tmp_path):
    """The agent's search reads the old catalogue and is slow to finish (a busy machine); the
    warehouse re-imports meanwhile and the tab reads the new stock: the older read, finishing
    last, must not put the old stock back on screen."""
    import threading

    from cs_console.tui.store_reads import reads_running

    _import(desk, tmp_path, [ROMPER, SOCKS, HAT])
    desk.chats.inject("双胞胎妈妈", "蓝色100还有吗")
    query = "lty 蓝色100"
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        service = app.desk.goods
        real_search = service.search
        read_old, finish_old = threading.Event(), threading.Event()

        def search(q: str, limit: int = 20):
            hits = real_search(q, limit)
            if q == query and not read_old.is_set():  # the agent's own search of the old catalogue
                read_old.set()
                finish_old.wait(10)
            return hits

        service.search = search
        await pilot.press("alt+g")
        await pilot.pause()
        tab = app.query_one(GoodsTab)
        await pilot.press(*query)
        await wait_for(pilot, read_old.is_set)
        restocked = {**ROMPER, "skuProps": ROMPER["skuProps"].replace("85.00:3:LTY-BL-100", "85.00:30:LTY-BL-100"),
                     "num": "52"}
        _import(desk, tmp_path, [restocked, SOCKS, HAT])  # the warehouse re-imports the catalogue
        await wait_for(pilot, lambda: tab.chosen_sku() is not None and tab.chosen_sku().stock == 30)
        finish_old.set()  # the old search ends now, after the new stock is on screen
        await wait_for(pilot, lambda: not reads_running(app))
        await pilot.pause()
        assert (tab.chosen_sku().size, tab.chosen_sku().stock) == ("100cm", 30)
