"""The screen shows everything: the transcript follows the newest message (and says how many
arrived below when scrolled up), no character is lost at a line end, buyer text with bidi
controls or emoji joiners cannot break the columns, 80×24 stays legible."""

from __future__ import annotations

from rich.cells import cell_len

from cs_console.tui.app import CsConsoleApp
from cs_console.tui.sessions import SessionList
from cs_console.tui.transcript import Transcript
from tests.terminal_input import wait_for

LONG = "亲，订单金额已更新，请您刷新一下页面再付款哦，有问题随时联系我们客服小美"


def visible(t: Transcript) -> list[str]:
    return [t.render_line(y).text for y in range(t.scrollable_content_region.height)]


def newest_visible(t: Transcript, text: str) -> bool:
    return any(text in line for line in visible(t))


async def test_no_character_lost_when_the_scrollbar_appears(desk, clock):
    """Few messages (no scrollbar), then many: every character of every line is on screen."""
    desk.chats.inject("小王", LONG * 2)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(80, 24)) as pilot:
        t = app.query_one(Transcript)
        for _ in range(6):
            desk.chats.inject("小王", LONG * 2)
        await wait_for(pilot, lambda: len(t.messages) == 7)
        await pilot.pause()
        assert t.max_scroll_y > 0  # the scrollbar is there
        room = t.scrollable_content_region.width
        bodies = [line for line in t.plain_lines() if line.startswith("  ")]
        assert len(bodies) >= 14
        assert all(cell_len(line.rstrip()) <= room for line in bodies)
        assert "".join(line.strip() for line in bodies[:3]) == LONG * 2  # one message, all of it


async def test_follows_new_messages_at_the_bottom_also_after_resize_and_side_panel(desk, clock):
    for i in range(30):
        desk.chats.inject("话痨", f"第{i}条")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        t = app.query_one(Transcript)
        await pilot.pause()
        assert newest_visible(t, "第29条")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert newest_visible(t, "第29条")
        desk.chats.inject("话痨", LONG)
        await wait_for(pilot, lambda: newest_visible(t, "联系我们客服小美"))
        await pilot.press("f9")  # side panel opens: the chat pane narrows, lines re-wrap
        await pilot.pause()
        assert newest_visible(t, "联系我们客服小美")
        await pilot.press("f9")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert newest_visible(t, "联系我们客服小美")


async def test_scrolled_up_shows_how_many_new_messages_and_end_jumps_down(desk, clock):
    for i in range(40):
        desk.chats.inject("话痨", f"第{i}条")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        t = app.query_one(Transcript)
        await pilot.pause()
        t.focus()
        await pilot.press("pageup")
        await wait_for(pilot, lambda: t.scroll_y == t.scroll_target_y)  # the page scroll has ended
        top = t.scroll_y
        desk.chats.inject("话痨", "新的一条")
        desk.chats.inject("话痨", "又一条")
        await wait_for(pilot, lambda: len(t.messages) == 42)
        await pilot.pause()
        assert t.scroll_y == top  # reading older lines: not pulled down
        assert "2 条新消息 ↓" in visible(t)[-1]
        await pilot.press("end")
        await pilot.pause()
        assert newest_visible(t, "又一条") and not any("条新消息" in line for line in visible(t))
        desk.chats.inject("话痨", "第三条")  # at the bottom again: followed
        await wait_for(pilot, lambda: newest_visible(t, "第三条"))


async def test_bidi_zero_width_and_emoji_joiners_never_break_columns(desk, clock):
    nicks = ["\u202e好评返现\u202c", "👨\u200d👩\u200d👧\u200d👦一家人", "小\u200b王👍🏽", "❤️️1️⃣"]
    for nick in nicks:
        desk.chats.inject(nick, f"{nick}说：\u202e反过来的字\u202c 👩\u200d💻")
        clock.advance(1)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        sessions = app.query_one(SessionList)
        rows = [sessions.render_line(y).text for y in range(sessions.size.height)]
        assert len([r for r in rows if r.strip()]) == 2 * len(nicks)
        assert {cell_len(r) for r in rows} == {sessions.size.width}
        screen_text = "\n".join(rows + transcript_lines(app) + [app.query_one("#chat-title").render().plain])
        for bad in ("\u202e", "\u202c", "\u200b", "\u200d", "\ufe0f", "\u20e3", "\U0001f3fd"):
            assert bad not in screen_text
        assert "👨👩👧👦一家人" in screen_text  # each emoji still shown, side by side


def transcript_lines(app) -> list[str]:
    t = app.query_one(Transcript)
    return visible(t)


async def test_a_long_chinese_toast_loses_no_character(desk, clock):
    from textual.geometry import Region
    from textual.widgets._toast import Toast

    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        message = "不能改价：" + LONG + "，改价请在等待付款时进行"
        app.notify(message, timeout=30)
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        toast = app.screen.query_one(Toast)
        box = toast.outer_size
        lines = [s.text for s in toast.render_lines(Region(0, 0, box.width, box.height))]
        assert "".join(line.strip("▌ ") for line in lines) == message
        assert all(cell_len(line) <= box.width for line in lines)
        assert toast.region.right <= app.size.width  # the whole toast is on screen


async def test_the_store_status_in_the_header_repaints_only_the_header(desk, clock):
    """数据库忙 comes and goes in the header line as shown on screen; the desk is not laid out
    again for it (a layout pass per change stalls the keys typed meanwhile)."""
    from textual.widgets._header import HeaderTitle

    from cs_console.domain.store_health import Health
    from cs_console.tui.store_reads import reads_running
    from cs_console.tui.store_snapshots import StoreStatus

    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.desk_screen
        title = screen.query_one(HeaderTitle)
        await wait_for(pilot, lambda: "小美" in title.render_line(0).text and not reads_running(app))
        await pilot.pause(0.5)  # the start-up's own layout passes are over
        layouts = []
        laid_out = screen._refresh_layout
        screen._refresh_layout = lambda *a, **k: (layouts.append(1), laid_out(*a, **k))[1]
        for health in (Health.BUSY, Health.OK, Health.BUSY):
            screen.store_status = StoreStatus(health)
            await pilot.pause()
            shown = title.render_line(0).text
            assert ("⚠ 数据库忙" in shown) == (health == Health.BUSY), shown
            assert "小美" in shown
        assert layouts == []
