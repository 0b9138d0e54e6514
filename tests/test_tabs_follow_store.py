"""The side tabs follow what another program writes to the same store (the CLI here), with no
re-read timer: the store loop's change signal makes the open tab read again in a thread; a tab
that is not on screen reads when it is shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import OptionList
from typer.testing import CliRunner

from cs_console.cli import app as cli_app
from cs_console.config.locations import data_dir
from cs_console.domain.aftersales import Handling, Reason
from cs_console.tui.aftersales import CasesTab
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.orders_panel import OrdersPanel
from tests.order_seed import add_order
from tests.pilot_wait import wait_for
from tests.signin import cli_as

PAID = "3712208811420008"  # 宝妈Lily's paid order in the demo data


def run_cli(db, *args) -> None:
    """Run a CLI command as another agent on the same SQLite file."""
    res = CliRunner().invoke(cli_app, [*args, "--db", str(db)], env=cli_as(db, "阿强"))
    assert res.exit_code == 0, res.output


def listed(app, selector: str) -> str:
    lst = app.query_one(selector, OptionList)
    return "\n".join(lst.get_option_at_index(i).prompt.plain for i in range(lst.option_count))


def store_changes_seen(app) -> list[int]:
    seen: list[int] = []
    app.store_changes.subscribe(app, lambda change: seen.append(change.seq))
    return seen


@pytest.fixture
def lily(desk, clock):
    """The demo orders; 宝妈Lily (one paid order) is waiting, so her chat is shown."""
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.chats.inject("宝妈Lily", "地址要改一下")
    return desk


async def test_open_orders_tab_shows_a_flag_set_by_the_cli(lily, db_path):
    desk = lily
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: PAID in listed(app, "#orders-list"))
        assert "仓库：改发顺丰" not in listed(app, "#orders-list")
        run_cli(db_path, "orders", "flag", PAID, "red", "--remark", "仓库：改发顺丰")
        await wait_for(pilot, lambda: "仓库：改发顺丰" in listed(app, "#orders-list"))
        assert "红旗" in listed(app, "#orders-list")


async def test_a_hidden_orders_tab_reads_when_it_is_shown(lily, db_path):
    desk = lily
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(OrdersPanel)
        await wait_for(pilot, lambda: [o.order_no for o in panel.orders] == [PAID])
        await pilot.press("alt+c")  # the calculator in front: the orders tab is hidden
        await wait_for(pilot, lambda: not panel.is_on_screen)
        seen = store_changes_seen(app)
        run_cli(db_path, "orders", "flag", PAID, "red", "--remark", "仓库：改发顺丰")
        await wait_for(pilot, lambda: len(seen) > 0)  # the store loop saw the commit …
        await pilot.pause(0.2)
        assert panel.orders[0].remark != "仓库：改发顺丰"  # … a hidden tab does not read
        await pilot.press("alt+o")
        await wait_for(pilot, lambda: panel.orders[0].remark == "仓库：改发顺丰")  # shown: it reads


async def test_open_cases_tab_shows_a_case_the_cli_moved(desk, clock, db_path):
    desk.chats.inject("小王", "颜色不对")
    add_order(desk, "T1", "小王", placed_at=clock(), paid_at=clock(), amount="59.90")
    case = desk.cases.add("T1", "小美", Reason.COLOUR, Handling.PARTIAL_REFUND, amount=Decimal("10.00"))
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+a")
        tab = app.query_one(CasesTab)
        await wait_for(pilot, lambda: [c.id for c in tab.cases] == [case.id])
        assert "待处理" in listed(app, "#cases-list")
        run_cli(db_path, "cases", "state", str(case.id), "refunded", "--reason", "已打款")
        await wait_for(pilot, lambda: "已退款" in listed(app, "#cases-list"))


async def test_a_failed_read_is_said_in_chinese_the_app_stays_up_and_reads_again(desk, clock, db_path):
    import sqlite3

    desk.chats.inject("小王", "颜色不对")
    add_order(desk, "T1", "小王", placed_at=clock(), paid_at=clock(), amount="59.90")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.desk_screen.current is not None)
        with sqlite3.connect(db_path) as other:  # another program breaks the store under the desk
            other.execute("ALTER TABLE aftersale_cases RENAME TO aftersale_cases_away")
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: any("暂时无法读取售后" in str(n.message) for n in app._notifications))
        assert app.is_running
        with sqlite3.connect(db_path) as other:  # repaired
            other.execute("ALTER TABLE aftersale_cases_away RENAME TO aftersale_cases")
        # the next store change reads again (a case the tab cannot have read before the break)
        case = desk.cases.add("T1", "小美", Reason.COLOUR, Handling.EXCHANGE)
        tab = app.query_one(CasesTab)
        await wait_for(pilot, lambda: [c.id for c in tab.cases] == [case.id])
    assert app.return_code in (0, None)
