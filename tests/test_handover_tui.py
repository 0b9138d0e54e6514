"""Pilot tests of the handover book in the TUI: the day → night scenario and the shift end."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from cs_console.domain.handover import NoteState
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.handover_dialogs import (
    HandoverDialog,
    HandoverInbox,
    ResolutionDialog,
    ShiftEndScreen,
)
from cs_console.tui.handover_tab import HandoverTab
from tests.signin import sign_in
from tests.test_shift_end import order


def dialog_ready(app) -> bool:
    """The note dialog is on screen, composed, its text field focused."""
    return (isinstance(app.screen, HandoverDialog) and bool(app.screen.query("#note-text"))
            and app.screen.query_one("#note-text", Input).has_focus)


async def until(pilot, condition, seconds: float = 5.0) -> bool:
    """Wait (on a loaded CI machine) until ``condition()`` holds; the assert that follows fails if not."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_day_writes_two_notes_night_starts_sees_and_acknowledges_them(desk, clock):
    order(desk, "T1001", "小王")
    desk.chats.inject("小王", "地址改一下")
    # 10:00, day shift: 小美 writes two notes from the chat, one key each
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        app = pilot.app
        assert not isinstance(app.screen, HandoverInbox)   # nothing addressed to the day shift
        await pilot.pause()
        await pilot.press("ctrl+n")
        assert await until(pilot, lambda: dialog_ready(app))
        assert app.screen.query_one("#note-buyer", Input).value == "小王"      # linked by default
        assert app.screen.query_one("#note-order", Input).value == "T1001"
        await pilot.press(*"改地址", "enter")
        await pilot.pause()
        await pilot.press("alt+j")
        assert await until(pilot, lambda: dialog_ready(app))
        await pilot.press(*"催仓库", "enter")
        assert await until(pilot, lambda: len(app.query_one(HandoverTab).notes) == 2)
    notes = desk.handover.notes()
    assert sorted(n.text for n in notes) == ["催仓库", "改地址"]
    assert {(n.author, n.shift, n.for_shift, n.buyer, n.order_no) for n in notes} == {("小美", "day", "night", "小王", "T1001")}
    # 16:30: 阿强 of the night shift starts; the notes come before anything else
    clock.advance(hours=6, minutes=30)
    async with CsConsoleApp(desk, "阿强").run_test(size=(120, 40)) as pilot:
        app = pilot.app

        def inbox_rows() -> int:
            """Rows in the inbox on screen (-1: no inbox, or not composed yet)."""
            if not isinstance(app.screen, HandoverInbox):
                return -1
            lists = app.screen.query(OptionList)
            return lists.first().option_count if lists else -1

        assert await until(pilot, lambda: inbox_rows() == 2)
        await pilot.press("a")           # acknowledge the first
        assert await until(pilot, lambda: inbox_rows() == 1)
        await pilot.press("a")           # the second; the inbox closes by itself
        assert await until(pilot, lambda: not isinstance(app.screen, HandoverInbox))
        tab = app.query_one(HandoverTab)
        assert await until(pilot, lambda: [n.state for n in tab.notes] == [NoteState.ACKNOWLEDGED] * 2)
    assert {n.acked_by for n in desk.handover.notes()} == {"阿强"}
    assert desk.handover.inbox("阿强") == []


async def test_tab_done_with_resolution_and_filter(desk, clock):
    n = desk.handover.add("小李要顺丰", "小美")
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        app = pilot.app
        app.query_one("#side-tabs").active = "tab-handover"
        await pilot.pause()
        tab = app.query_one(HandoverTab)
        tab.query_one(OptionList).focus()
        await pilot.press("d")
        assert await until(pilot, lambda: isinstance(app.screen, ResolutionDialog)
                           and app.screen.query(Input) and app.screen.query_one(Input).has_focus)
        await pilot.press(*"已发顺丰", "enter")
        assert await until(pilot, lambda: desk.handover.get(n.id).resolution == "已发顺丰")
        assert await until(pilot, lambda: tab.notes == [])  # the default filter hides done notes
        await pilot.press("f")                      # 全部
        assert await until(pilot, lambda: [x.id for x in tab.notes] == [n.id])


async def test_shift_end_screen_turns_blocker_into_note(desk, clock):
    order(desk, "A1", "小王")
    p = desk.chats.inject("小王", "改地址")
    desk.chats.send(p.chat_id, sign_in(desk, "小美"), "好的亲")
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await pilot.pause()
        await pilot.press("f11")
        assert await until(pilot, lambda: isinstance(app.screen, ShiftEndScreen)
                           and app.screen.query(OptionList) and app.screen.query_one(OptionList).has_focus)
        assert await until(pilot, lambda: [b.order_no for b in app.screen.blockers] == ["A1"])  # read in a thread
        await pilot.press("enter")
        assert await until(pilot, lambda: [b.noted for b in app.screen.blockers] == [True])
        await pilot.press("escape")
    [note] = desk.handover.notes()
    assert (note.order_no, note.source) == ("A1", "grey_order:A1")


async def test_sales_report_reminder_in_last_half_hour(desk, clock):
    desk.policy.shifts.agents["小美"] = "day"   # the rota (data/shop.yaml shifts.agents)
    clock.advance(hours=7, minutes=10)      # 17:10 Shanghai, day shift ends 17:30
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        tab = pilot.app.query_one(HandoverTab)
        assert await until(pilot, lambda: tab.query_one("#handover-report").has_class("-due"))
        assert any("销售" in str(n.message) for n in pilot.app._notifications)


async def test_tab_follows_other_agents_notes_and_periodic_sync_shows_state(desk, clock, tmp_path):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    peer = make_desk(str(tmp_path / "peer.db"), policy=load_policy(), clock=clock)
    colleague = make_desk(desk.store.url, policy=load_policy(), clock=clock)
    desk.policy.sync.peer, desk.policy.sync.every_seconds = peer.store.url, 3600
    try:
        peer.handover.add("对方电脑上的交接", "小丽")
        async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
            await pilot.app.desk_screen.action_open_side_tab("tab-handover", "#handover-list")
            tab = pilot.app.query_one(HandoverTab)

            def status() -> str:
                return str(tab.query_one("#handover-status").render())

            assert await until(pilot, lambda: "尚未同步" in status())
            colleague.handover.add("同事刚写的", "阿强")      # another connection, same store
            assert await until(pilot, lambda: [n.text for n in tab.notes] == ["同事刚写的"])  # no timer: the change
            tab.start_sync()                                  # what the interval timer does
            assert await until(pilot, lambda: sorted(n.text for n in tab.notes) == ["同事刚写的", "对方电脑上的交接"])
            assert await until(pilot, lambda: "↑1 ↓1" in status() and "待同步 0" in status())
            desk.handover.add("还没同步的", "小美")
            assert await until(pilot, lambda: "待同步 1" in status())
            await pilot.pause(0.3)  # let the app's store poll see that write before teardown
        assert peer.handover.event_count() == 2
    finally:
        peer.close()
        colleague.close()
