"""Snapshots of every main screen at 120×40 and 80×24 (pytest-textual-snapshot).

Fixed clock (tests/conftest.py FakeClock) and fixed data (the demo orders, chats injected at
known times), cursor blink off: the SVGs under ``__snapshots__`` change only when the screen
does. After an intended change: ``pytest tests/test_snapshots.py --snapshot-update`` and look
at the new SVGs (``snapshot_report.html``) before committing them.
"""

from __future__ import annotations

import pytest

from cs_console.config.locations import data_dir
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.store_reads import reads_running
from tests.terminal_input import wait_for

READS = 15.0  # seconds the side tabs' thread reads may take on a loaded machine
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


@pytest.fixture
def shop(desk, clock):
    """Orders of the demo shop, three waiting buyers (one with bidi/emoji in the nick), a note."""
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.team.add_agent("小美", "supervisor")
    desk.chats.inject("小王爱购物", "在吗？这件连体衣是纯棉的吗")
    clock.advance(40)
    desk.chats.inject("宝妈Lily", "地址要改一下：浙江省杭州市西湖区文三路90号，电话不变")
    clock.advance(25)
    desk.chats.inject("\u202e好评返现\u202c👨\u200d👩\u200d👧", "亲，订单金额已更新了吗？我刷新了还是原价👍🏽")
    clock.advance(15)
    desk.handover.add("宝妈Lily 改地址，发货前确认", "小美", buyer="宝妈Lily")
    return desk


def make_app(desk) -> CsConsoleApp:
    return CsConsoleApp(desk, "小美")


async def settle(pilot) -> None:
    """Wait for the desk to be filled (the side tabs read in threads), then stop the caret blinking."""
    from cs_console.tui.orders_panel import OrdersPanel

    app = pilot.app
    await wait_for(pilot, lambda: bool(app.desk_screen.session_chats) and app.desk_screen.current is not None)
    panel = app.query_one(OrdersPanel)
    await wait_for(pilot, lambda: panel._shown_for == app.desk_screen.current.buyer_nick and not reads_running(app), READS)
    for widget in app.query("TextArea, Input"):
        widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_desk(snap_compare, shop, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"亲，在的", "ctrl+j", *"马上帮您看")

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_quick_reply_picker(snap_compare, shop, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause(0.3)
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_orders_tab(snap_compare, shop, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("alt+o")
        await pilot.pause()

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_calculator(snap_compare, shop, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("alt+c")
        await wait_for(pilot, lambda: pilot.app.focused is pilot.app.query_one("#calc-entry"))
        for line in ("59 x2", "129", "39 x3"):
            await pilot.press(*line, "enter")
        await wait_for(pilot, lambda: len(pilot.app.query_one("#calculator").items) == 3)
        await pilot.pause()

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_handover(snap_compare, shop, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.run_action("open_side_tab('tab-handover', '#handover-list')", pilot.app.desk_screen)
        await pilot.pause()
        await wait_for(pilot, lambda: not reads_running(pilot.app), READS)
        await pilot.pause()

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_supervisor_view(snap_compare, shop, size):
    from cs_console.tui.supervisor import SupervisorScreen

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SupervisorScreen))
        await wait_for(pilot, lambda: pilot.app.screen._overview is not None, READS)  # read in a thread
        await pilot.pause()

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_reports(snap_compare, shop, size):
    from cs_console.tui.report import ReportScreen

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("alt+e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReportScreen))
        await wait_for(pilot, lambda: pilot.app.screen.report is not None, READS)  # computed in a thread
        await wait_for(pilot, lambda: not reads_running(pilot.app), READS)
        await pilot.pause(0.3)

    assert snap_compare(make_app(shop), terminal_size=size, run_before=run_before)
