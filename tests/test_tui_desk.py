"""Pilot tests of the desk: type, send, switch chats, drafts survive switches and restarts,
buyer markup shown literally, another process's message shows up live."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.sessions import SessionList
from cs_console.tui.transcript import Transcript
from tests.pilot_wait import wait_for

SIZE = (120, 40)




def seed_three(desk, clock):
    desk.chats.inject("小王", "在吗")
    clock.advance(10)
    desk.chats.inject("tb_88", "发货了吗")
    clock.advance(10)
    desk.chats.inject("宝妈Lily", "这款纯棉的吗")
    clock.advance(5)


async def test_type_and_send_then_chat_is_served(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        assert app.desk_screen.current.buyer_nick == "小王"  # longest wait selected first
        await pilot.press(*"亲在的")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(Composer).text == ""
        log = desk.chats.log("小王")
        assert [m.text for m in log] == ["在吗", "亲在的"]
        assert desk.chats.summary(app.desk_screen.current.chat_id).status == "serving"
        # served chat drops below the waiting ones
        assert [c.buyer_nick for c in app.desk_screen.session_chats] == ["tb_88", "宝妈Lily", "小王"]
        assert "亲在的" in "\n".join(app.query_one(Transcript).plain_lines())


async def test_newline_key_does_not_send(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "ctrl+j", "b")
        assert app.query_one(Composer).text == "a\nb"
        assert len(desk.chats.log("小王")) == 1


async def test_drafts_survive_switching_and_restart(desk, db_path, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"draft1")
        await pilot.press("alt+down")
        assert app.desk_screen.current.buyer_nick == "tb_88"
        assert app.query_one(Composer).text == ""
        await pilot.press(*"second")
        await pilot.press("alt+up")
        assert app.desk_screen.current.buyer_nick == "小王"
        assert app.query_one(Composer).text == "draft1"
        await pilot.press("alt+2")
        assert app.query_one(Composer).text == "second"
        await pilot.press(*"!")
        await pilot.pause(0.6)  # debounce writes the draft to the store
    wang = desk.chats.chat_of("小王").chat_id
    tb = desk.chats.chat_of("tb_88").chat_id
    assert desk.chats.draft(wang, "小美")[0] == "draft1"
    assert desk.chats.draft(tb, "小美")[0] == "second!"
    # a fresh app on the same store (restart) gets them back
    desk2 = make_desk(str(db_path), policy=load_policy(), clock=clock)
    app2 = CsConsoleApp(desk2, "小美")
    async with app2.run_test(size=SIZE) as pilot:
        assert app2.desk_screen.current.buyer_nick == "小王"
        assert app2.query_one(Composer).text == "draft1"
        await pilot.press("alt+2")
        assert app2.query_one(Composer).text == "second!"
    desk2.close()


async def test_buyer_markup_and_escapes_shown_literally(desk, clock):
    desk.chats.inject("[bold red]坏[/]", "看 [bold red]x[/] \x1b[31m红\x1b[0m 字")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = "\n".join(app.query_one(Transcript).plain_lines())
        assert "看 [bold red]x[/] 红 字" in text
        assert "\x1b" not in text
        row = app.query_one(SessionList).row_text(app.desk_screen.session_chats[0], 32, 1)[0].plain
        assert "[bold red]坏[/]" in row


async def test_session_rows_align_by_cell_width(desk, clock):
    desk.chats.inject("宝妈Lily", "你好")
    desk.chats.inject("abc", "hi")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE):
        sessions = app.query_one(SessionList)
        from rich.cells import cell_len

        widths = {cell_len(sessions.row_text(c, 32, i + 1)[0].plain) for i, c in enumerate(app.desk_screen.session_chats)}
        assert widths == {32}


async def test_longest_wait_please_wait_and_close(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+3")
        assert app.desk_screen.current.buyer_nick == "宝妈Lily"
        await pilot.press("ctrl+g")
        assert app.desk_screen.current.buyer_nick == "小王"
        await pilot.press("ctrl+t")  # greets tb_88 (the next waiting buyer), stays on 小王
        await pilot.pause()
        assert app.desk_screen.current.buyer_nick == "小王"
        assert desk.chats.log("tb_88")[-1].text == desk.policy.phrases.please_wait
        assert desk.chats.log("小王")[-1].text == "在吗"
        await pilot.press("alt+x")
        await pilot.pause()
        assert "小王" not in [c.buyer_nick for c in app.desk_screen.session_chats]
        assert desk.chats.chat_of("小王").status == "closed"
        assert desk.chats.log("小王")[0].text == "在吗"  # history kept


async def test_message_injected_by_another_process_appears(desk, db_path, clock):
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cs_console", "chat", "inject", "--buyer", "新买家", "我想问下尺码",
            "--db", str(db_path), stdout=subprocess.DEVNULL)
        assert await proc.wait() == 0
        await wait_for(pilot, lambda: "新买家" in [c.buyer_nick for c in app.desk_screen.session_chats])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cs_console", "chat", "inject", "--buyer", "小王", "还在吗", "--db", str(db_path),
            stdout=subprocess.DEVNULL)
        assert await proc.wait() == 0
        await wait_for(pilot, lambda: "还在吗" in "\n".join(app.query_one(Transcript).plain_lines()))


async def test_scrolling_to_top_loads_older_messages(desk, clock):
    p = desk.chats.inject("小王", "m0")
    for i in range(1, 260):
        desk.chats.inject("小王", f"m{i}")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        t = app.query_one(Transcript)
        assert len(t.messages) == 100 and t.has_older
        laid_at_start = len(t.plain_lines())
        assert laid_at_start < 150  # only a couple of screens are laid out on a switch
        t.focus()
        for _ in range(12):  # Home at the top reveals more, then fetches older from the store
            await pilot.press("home")
            if len(t.messages) == 200:
                break
        assert len(t.messages) == 200
        assert t.messages[0].text == "m60"
        assert "m159" in "\n".join(t.plain_lines())
        assert p.chat_id == app.desk_screen.current.chat_id


async def test_alt_digit_as_terminals_send_it(desk, clock):
    """ESC+3 (Alt+3 in most terminals) reaches Textual as 'pound_sign': it switches, it does not type £."""
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("pound_sign")
        assert app.desk_screen.current.buyer_nick == "宝妈Lily"
        assert app.query_one(Composer).text == ""
        await pilot.press("alt+1")
        assert app.desk_screen.current.buyer_nick == "小王"


async def test_palette_reaches_every_feature_key(desk, clock):
    """Each app key has a second way in: the command palette lists it by its Chinese name."""
    from textual.widgets import TabbedContent

    from cs_console.tui.commands import DeskCommands

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        labels = [label for label, _ in DeskCommands(app.screen)._entries()]
        for name in ("订单", "计算器", "写交接", "备忘", "报表", "转发", "群发"):
            assert any(label.startswith(name) for label in labels), name
        await pilot.press("ctrl+p", *"计算器")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.query_one("#side-tabs", TabbedContent).active == "tab-calc"


async def test_newest_message_stays_in_view_as_many_arrive(desk, clock):
    desk.chats.inject("话痨", "第0条")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(1, 151):
            desk.chats.inject("话痨", f"第{i}条消息")
        t = app.query_one(Transcript)
        await wait_for(pilot, lambda: t.messages and t.messages[-1].text == "第150条消息")
        await pilot.pause(0.2)
        assert t.scroll_y == t.max_scroll_y
        visible = [t.render_line(y).text for y in range(t.size.height)]
        assert any("第150条消息" in line for line in visible)
        await pilot.press("alt+2", "alt+1")  # switch away and back: still the newest at the bottom
        await pilot.pause(0.2)
        visible = [t.render_line(y).text for y in range(t.size.height)]
        assert any("第150条消息" in line for line in visible)


async def test_nick_with_markup_never_crashes_title_palette_or_notices(desk, clock):
    desk.chats.inject("坏[/]人", "你好 [/] 测试")
    desk.chats.inject("[bold red]奇怪[/]", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        title = app.query_one("#chat-title")
        assert "坏[/]人" in str(title.render())
        await pilot.press("alt+2")
        assert "[bold red]奇怪[/]" in str(title.render())
        await pilot.press("ctrl+p", *"坏")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.press("alt+x")  # notice "已结束与 [bold red]奇怪[/] 的会话" shown literally
        await pilot.pause()
        assert app.is_running


async def test_enter_refuses_a_draft_with_unfilled_placeholders(desk, clock):
    desk.chats.inject("小王", "发货了吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"运单号{tracking_no}", "enter")
        assert app.query_one(Composer).text == "运单号{tracking_no}"
        assert [m.text for m in desk.chats.log("小王")] == ["发货了吗"]


async def test_desk_keys_wait_while_a_dialog_is_open(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")  # the quick-reply picker
        await pilot.pause(0.2)
        assert len(app.screen_stack) == 2
        await pilot.press("alt+down", "ctrl+g")
        assert app.desk_screen.current.buyer_nick == "小王"  # the chat behind did not change


async def _over_the_desk(pilot, key: str, screen_type):
    """Open a screen over the desk with ``key``; returns it once it is on top."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    return pilot.app.screen


async def test_chat_and_goods_keys_do_not_reach_the_desk_behind_another_screen(desk, clock):
    """Alt+2 (and its ESC-prefix form) and Alt+G under a dialog, the report or the supervisor
    view: the open chat and the side tab behind stay as they were, the screen on top stays."""
    from textual.widgets import TabbedContent

    from cs_console.tui.reply_picker import ReplyPicker
    from cs_console.tui.report import ReportScreen
    from cs_console.tui.supervisor import SupervisorScreen

    desk.team.add_agent("小美", "supervisor")
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.desk_screen.query_one("#side TabbedContent", TabbedContent)
        side_tab = tabs.active
        for key, screen_type in (("ctrl+r", ReplyPicker), ("alt+e", ReportScreen), ("ctrl+s", SupervisorScreen)):
            on_top = await _over_the_desk(pilot, key, screen_type)
            await pilot.press("alt+2", "trade_mark_sign", "alt+g")
            await pilot.pause(0.2)
            assert app.screen is on_top, key
            assert app.desk_screen.current.buyer_nick == "小王", key
            assert tabs.active == side_tab, key
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.desk_screen)
        assert app.desk_screen.current.buyer_nick == "小王"


async def test_alt_digit_and_alt_g_still_work_on_the_desk(desk, clock):
    from textual.widgets import TabbedContent

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+2")
        assert app.desk_screen.current.buyer_nick == "tb_88"
        assert app.focused is app.query_one(Composer)
        await pilot.press("pound_sign")  # Alt+3 from an ESC-prefix terminal
        assert app.desk_screen.current.buyer_nick == "宝妈Lily"
        await pilot.press("alt+g")
        await wait_for(pilot, lambda: app.query_one("#side TabbedContent", TabbedContent).active == "tab-goods")
        await wait_for(pilot, lambda: app.focused is app.query_one("#goods-search"))


async def test_palette_opens_the_handover_book_with_the_keyboard_in_its_list(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"打开交接本")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.focused is app.query_one("#handover-list")
