"""The footer does not rebuild itself on store changes: the DOM stays the same size however
long the desk runs (Textual's footer rebuilt its keys on every binding refresh and the
process grew)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from cs_console.config.locations import data_dir
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.footer import DeskFooter
from cs_console.tui.orders_panel import OrdersPanel
from tests.pilot_wait import wait_for
from tests.signin import sign_in

PAID = "3712208811420008"  # 宝妈Lily's order in the demo data
CHANGES = 20


def nodes(app) -> int:
    return sum(1 for _ in app.screen.walk_children(with_self=True))


async def test_store_changes_do_not_add_widgets_or_rebuild_the_footer(desk, clock):
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.chats.inject("宝妈Lily", "地址要改一下")
    other = make_desk(desk.store.url, policy=load_policy(), clock=clock)  # a second program on the file
    app = CsConsoleApp(desk, "小美")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.query_one(OrdersPanel)
            await wait_for(pilot, lambda: [o.order_no for o in panel.orders] == [PAID])
            await pilot.pause(0.3)
            footer = app.query_one(DeskFooter)
            keys_before = {id(k) for k in footer.query(FooterKey)}
            before = nodes(app)
            assert len(keys_before) > 3
            agent = sign_in(other, "阿强")
            for n in range(CHANGES):  # each one re-reads the open orders tab and refreshes its keys
                other.orders.flag(PAID, "purple", f"仓库第{n}次改备注", agent)
                await wait_for(pilot, lambda n=n: panel.orders[0].remark == f"仓库第{n}次改备注")
            await pilot.pause(0.3)
            assert nodes(app) == before
            assert {id(k) for k in footer.query(FooterKey)} == keys_before  # not rebuilt
            await pilot.press("f12")  # the order list takes the keyboard: its keys appear
            await wait_for(pilot, lambda: any(k.description == "旗帜备注" for k in footer.query(FooterKey)
                                              if k.display))
    finally:
        other.close()
