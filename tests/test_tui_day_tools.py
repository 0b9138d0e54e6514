"""Pilot tests: case from the current order in the 售后 tab, the report screen and its charts,
the memo key, the unpaid follow-up opening the chat with the reminder draft, the morning checklist."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from textual.widgets import DataTable, Input, OptionList

from cs_console.domain.aftersales import CaseState, Handling, Reason
from cs_console.tui.aftersales import CasesTab
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.dialogs import TextPrompt
from cs_console.tui.memos import MemoTab
from cs_console.tui.morning import MorningScreen
from cs_console.tui.report import ReportChart, ReportScreen
from tests.order_seed import add_order
from tests.pilot_wait import wait_for, wait_for_screen
from tests.signin import sign_in


async def test_create_case_from_current_order_follow_and_move(desk, clock):
    desk.chats.inject("小王", "衣服颜色不对")
    add_order(desk, "OLD1", "小王", placed_at=clock() - timedelta(days=3), amount="20.00")
    add_order(desk, "T1001", "小王", placed_at=clock(), amount="59.90", flag="green")
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+a")
        await pilot.press("n")
        await pilot.press("1")  # 色差
        await pilot.press("1")  # 退款
        await pilot.press(*"59.9", "enter")
        await pilot.press(*"偏暗", "enter")
        await pilot.pause()
        [case] = desk.cases.of_buyer("小王")
        assert (case.order_no, case.reason, case.handling, case.amount, case.note, case.created_by) == (
            "T1001", Reason.COLOUR, Handling.REFUND, Decimal("59.90"), "偏暗", "小美")
        assert case.chat_id == desk.chats.chat_of("小王").chat_id
        tab = pilot.app.query_one(CasesTab)
        assert [c.id for c in tab.cases] == [case.id]
        await pilot.press("f", *"已联系", "enter")
        await pilot.press("s", "1")  # first allowed move: 等退货
        await pilot.press(*"YT9", "enter")
        await pilot.pause()
        view, notes = desk.cases.show(case.id)
        assert [n.text for n in notes] == ["已联系"]
        assert view.state == CaseState.WAITING_RETURN and view.return_tracking_no == "YT9"
        line = str(pilot.app.query_one("#cases-list", OptionList).get_option_at_index(0).prompt)
        assert "等退货" in line and "绿旗" in line  # waiting case shows with the warehouse's green flag
        detail = str(pilot.app.query_one("#case-detail").render())
        assert "YT9" in detail and "已联系" in detail and "偏暗" in detail
        await pilot.press("a")  # all open cases by age
        assert tab.all_open and "小王" in str(pilot.app.query_one("#cases-list", OptionList).get_option_at_index(0).prompt)


async def test_report_screen_table_and_chart_numbers(desk, clock, tmp_path, monkeypatch):
    import os

    cwd, exports = tmp_path / "cwd", tmp_path / "exports"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # exports never land in the working directory
    with open(os.environ["CS_CONSOLE_CONFIG"], "w", encoding="utf-8") as fh:
        fh.write(f"export_dir: {exports}\n")  # the agent's chosen folder, from their settings
    p = desk.chats.inject("A", "在吗")
    clock.advance(30)
    desk.chats.send(p.chat_id, sign_in(desk, "小美"), "在的")
    add_order(desk, "O1", "A", placed_at=clock(), paid_at=clock() + timedelta(minutes=5), amount="88.80")
    clock.advance(600)
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+e")
        screen = pilot.app.screen
        assert isinstance(screen, ReportScreen) and screen.report.kind == "day"
        table = screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["", "小美", "合计"]
        assert [str(x) for x in table.get_row("sales")] == ["销售额", "88.80", "88.80"]
        assert [str(x) for x in table.get_row("fr_median")] == ["首响中位(秒)", "30.0", "30.0"]
        assert screen.query_one("#chart-first-response", ReportChart).series == (["10时"], [30.0])
        assert screen.query_one("#chart-sales", ReportChart).series == (["10时"], [88.8])
        assert screen.query_one("#chart-conversion", ReportChart).series == (["小美"], [100.0])
        await pilot.press("e")  # asks for the folder, offering the agent's export folder
        prompt = await wait_for_screen(pilot, TextPrompt)
        assert prompt.query_one(Input).value == str(exports)
        await pilot.press("enter")
        await wait_for(pilot, lambda: (exports / "report-day-2026-11-23.csv").exists())
        lines = (exports / "report-day-2026-11-23.csv").read_text(encoding="utf-8-sig").splitlines()
        assert lines[0].startswith("客服,咨询,接待") and lines[1].startswith("小美,1,1,1,30.0,30.0")
        assert list(cwd.iterdir()) == []
        await pilot.press("w")
        assert screen.report.kind == "week" and screen.report.total.sales == Decimal("88.80")
        await pilot.press("left")
        assert screen.report.total.orders == 0
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, ReportScreen)


async def test_memo_from_anywhere(desk, clock):
    desk.chats.inject("小王", "在吗")
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+m", *"问仓库到货", "tab", "enter")
        await wait_for(pilot, lambda: len(desk.memos.search("小美")) == 1)  # written in a thread
        [memo] = desk.memos.search("小美")
        assert (memo.text, memo.buyer) == ("问仓库到货", "小王")
        await pilot.press("alt+m", *"再问 #T123", "enter")
        await wait_for(pilot, lambda: len(desk.memos.search("小美")) == 2)
        assert [(m.buyer, m.order_no) for m in desk.memos.search("小美")][0] == ("", "T123")
        await wait_for(pilot, lambda: len(pilot.app.query_one(MemoTab).memos) == 2)


async def test_unpaid_follow_up_opens_chat_with_reminder(desk, clock):
    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY", amount="45.00")
    clock.advance(minutes=31)
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+u")
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.desk_screen.current is not None and pilot.app.desk_screen.current.buyer_nick == "小李"
        assert "还没有付款" in pilot.app.query_one(Composer).text
        assert desk.followups.unpaid(include_contacted=False) == []


async def test_morning_checklist_on_first_start_of_day(desk, clock):
    p = desk.chats.inject("昨天的买家", "在吗")
    desk.chats.send(p.chat_id, sign_in(desk, "小美"), "在的")
    clock.advance(days=1)
    async with CsConsoleApp(desk, "小美", morning=True).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, MorningScreen)
        assert pilot.app.screen.c.chats[0].buyer == "昨天的买家"
        await pilot.press("enter")
        assert pilot.app.desk_screen.current.chat_id == p.chat_id
        await wait_for(pilot, lambda: not desk.reports.checklist_due("小美"))  # marked seen in a thread
    async with CsConsoleApp(desk, "小美", morning=True).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, MorningScreen)


async def test_empty_morning_checklist_is_only_a_note(desk, clock):
    async with CsConsoleApp(desk, "小美", morning=True).run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any("早上三件事：昨天没有" in n.message for n in pilot.app._notifications))
        assert not isinstance(pilot.app.screen, MorningScreen)
    assert not desk.reports.checklist_due("小美")  # marked seen before the note was shown


async def test_alt_letter_from_an_esc_prefix_terminal_is_a_key_not_text(desk, clock):
    """Real terminals send Alt+M as ESC m: Textual gives key 'alt+m' *with* character 'm'."""
    from textual import events

    desk.chats.inject("小王", "在吗")
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        composer = pilot.app.query_one(Composer)
        pilot.app.post_message(events.Key("alt+m", "m"))  # as the driver delivers it
        await pilot.pause()
        from cs_console.tui.memos import MemoPrompt

        assert isinstance(pilot.app.screen, MemoPrompt)
        assert composer.text == ""


async def test_review_follow_up_from_the_follow_ups_screen(desk, clock, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("order_no,buyer,rating,text,date\nR1,小赵,差评,物流太慢,2026-11-22\n", encoding="utf-8")
    desk.followups.import_reviews(f)
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("shift+f2", "3", "enter")  # second key of alt+u
        await pilot.pause()
        assert pilot.app.desk_screen.current.buyer_nick == "小赵"
        assert "不太满意" in pilot.app.query_one(Composer).text  # quick reply `cp` (差评回访)
    assert desk.followups.reviews() == []


async def test_case_left_to_the_next_shift_as_a_handover_note(desk, clock):
    desk.chats.inject("小王", "退货寄出了")
    add_order(desk, "T1", "小王", placed_at=clock())
    case = desk.cases.add("T1", "小美", Reason.SIZE, Handling.EXCHANGE)
    async with CsConsoleApp(desk, "小美").run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+a", "h", *"等仓库收货", "enter")
        await pilot.pause()
    [note] = desk.handover.notes()
    assert note.text.startswith(f"售后#{case.id} T1 小王 尺码·换货 [待处理]") and note.text.endswith("等仓库收货")
    assert (note.order_no, note.buyer) == ("T1", "小王")


async def test_morning_checklist_without_yesterdays_chats_shows_none_not_an_empty_list():
    from datetime import date

    from textual.app import App
    from textual.widgets import Label, OptionList

    from cs_console.services.reports import MorningChecklist

    closed: list[int | None] = []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(MorningScreen(MorningChecklist(date(2026, 11, 22), [], [], []), "Asia/Shanghai"),
                             closed.append)

    async with Host().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, MorningScreen)
        assert list(screen.query(OptionList)) == []
        assert str(screen.query_one("#morning-no-chats", Label).render()) == "（无）"
        await pilot.press("escape")
        await pilot.pause()
        assert closed == [None] and not isinstance(pilot.app.screen, MorningScreen)
