"""Pilot tests of the team desk: own chats and queue, header, forward, hang-up, supervisor view."""

from __future__ import annotations

from textual.widgets import DataTable, Label

from cs_console.tui.app import CsConsoleApp
from cs_console.tui.supervisor import SupervisorScreen
from cs_console.tui.team import ForwardScreen
from tests.pilot_wait import wait_for, wait_for_screen

SIZE = (120, 40)



def title(app) -> str:
    return str(app.query_one("#sessions-title", Label).render())


async def test_agent_sees_own_chats_queue_and_presence_and_quit_requeues(desk, clock):
    desk.team.add_agent("小美", "agent", capacity=2)
    for nick in ("a", "b", "c"):
        desk.chats.inject(nick, "在吗")
        clock.advance(5)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [c.buyer_nick for c in app.desk_screen.session_chats] == ["a", "b"]  # capacity 2, longest wait first
        assert "排队 1" in title(app)
        assert "小美 · 客服 · 在线" in app.sub_title
        desk.chats.inject("d", "hi")  # another process's buyer: queued, not shown
        await wait_for(pilot, lambda: "排队 2" in title(app))
        assert len(app.desk_screen.session_chats) == 2
    assert desk.team.agent("小美").status == "offline"
    left = desk.chats.sessions()
    assert len(left) == 4 and all(c.agent is None for c in left)  # nobody's buyer is left with a gone agent


async def test_forward_by_keys_hands_chat_to_teammate(desk, clock):
    desk.team.add_agent("小丽", "agent")
    desk.chats.inject("小王", "我要退货")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.desk_screen.current.buyer_nick == "小王"
        await pilot.press("ctrl+f")  # 小丽 is offline: nobody to forward to
        await wait_for(pilot, lambda: any(n.message == "没有在线的同事可以转发" for n in app._notifications))
        assert not isinstance(app.screen, ForwardScreen)
        desk.team.start("小丽")
        await pilot.press("ctrl+f")
        await wait_for_screen(pilot, ForwardScreen)
        await pilot.press(*"退货转售后", "enter")
        await wait_for(pilot, lambda: desk.chats.chat_of("小王").agent == "小丽")
        assert desk.chats.log("小王")[-1].text == "小美 转发给 小丽：退货转售后"
        await wait_for(pilot, lambda: app.desk_screen.session_chats == [] and app.desk_screen.current is None)


async def test_forward_needs_a_reason(desk, clock):
    desk.chats.inject("小王", "在吗")
    desk.team.add_agent("小丽", "agent")
    desk.team.start("小丽")
    desk.team.add_agent("小美", "agent")
    desk.team.assign("小王", "小美")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_for_screen(pilot, ForwardScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, ForwardScreen)  # empty reason: still open
        await pilot.press("escape")
        assert desk.chats.chat_of("小王").agent == "小美"


async def test_hangup_request_approval_and_resume(desk, clock):
    desk.team.add_agent("老板", "supervisor")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o", *"吃饭", "enter")
        await wait_for(pilot, lambda: desk.team.hangups(pending_only=True))
        [req] = desk.team.hangups(pending_only=True)
        assert (req.agent, req.reason) == ("小美", "吃饭")
        await pilot.press("ctrl+s")  # not a supervisor: no supervisor view
        assert not isinstance(app.screen, SupervisorScreen)
        desk.team.decide_hangup(req.id, "老板", True, "半小时")
        await wait_for(pilot, lambda: "挂起" in app.sub_title)
        await wait_for(pilot, lambda: any(n.message.startswith("老板 批准了你的挂起申请") for n in app._notifications))
        desk.chats.inject("新买家", "在吗")
        await wait_for(pilot, lambda: "排队 1" in title(app))
        assert app.desk_screen.session_chats == []
        await pilot.press("alt+h")  # resume
        await wait_for(pilot, lambda: [c.buyer_nick for c in app.desk_screen.session_chats] == ["新买家"])
        assert "在线" in app.sub_title


async def test_supervisor_view_shows_team_and_approves(desk, clock):
    desk.team.add_agent("老板", "supervisor")
    desk.team.add_agent("小美", "agent", capacity=1)
    desk.team.start("小美")
    desk.chats.inject("a", "1")
    desk.chats.inject("b", "2")
    desk.team.distribute()
    rid = desk.team.request_hangup("小美", "开会")
    clock.advance(desk.policy.response.breach + 5)
    desk.team.heartbeat("小美")
    app = CsConsoleApp(desk, "老板")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert {c.buyer_nick for c in app.desk_screen.session_chats} == {"a", "b"}  # a supervisor sees everything
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SupervisorScreen)
        agents = app.screen.query_one("#sv-agents", DataTable)
        await wait_for(pilot, lambda: agents.row_count == 2)
        queue = app.screen.query_one("#sv-queue", DataTable)
        assert queue.row_count == 2  # both waited past the breach threshold
        assert "超时 2" in str(app.screen.query_one("#sv-queue-title", Label).render())
        await pilot.press("a")
        assert desk.team.hangups()[0].state == "approved" and desk.team.hangups()[0].id == rid
        assert desk.team.agent("小美").status == "hung_up"
        await pilot.press("ctrl+s")  # the same key closes it
        assert not isinstance(app.screen, SupervisorScreen)


async def test_teammate_is_told_of_a_forward_and_supervisor_of_a_request(desk, clock):
    desk.team.add_agent("小美", "agent")
    desk.team.start("小美")
    desk.chats.inject("小王", "我要退货")
    desk.team.distribute()
    desk.team.add_agent("老板", "supervisor")
    app = CsConsoleApp(desk, "老板")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        desk.team.forward(desk.chats.chat_of("小王").chat_id, "老板", "投诉升级", "小美")
        desk.team.request_hangup("小美", "开会")
        await wait_for(pilot, lambda: len(app._notifications) >= 2)
        texts = [n.message for n in app._notifications]
        assert "小美 转发了 小王 的会话：投诉升级" in texts
        assert any(t.startswith("小美 申请挂起：开会") for t in texts)


async def test_broadcast_dialog_previews_per_buyer_then_sends(desk, clock):
    from datetime import timedelta
    from decimal import Decimal

    from cs_console.store.chats import ensure_buyer
    from cs_console.store.tables import Order
    from cs_console.tui.broadcast import BroadcastScreen

    with desk.store.write() as s:
        for nick, no in (("小王", "T1"), ("阿依", "T2")):
            b = ensure_buyer(s, nick, clock())
            s.add(Order(order_no=no, buyer_id=b.id, placed_at=clock() - timedelta(hours=1), state="WAIT_BUYER_PAY",
                        amount=Decimal("9.90")))
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"群发", "enter")  # from the command palette
        await wait_for(pilot, lambda: isinstance(app.screen, BroadcastScreen))
        await pilot.press(*"unpaid", "enter", *"{buyer} {order_no}", "enter")
        await pilot.pause()
        previews = [str(w.render()) for w in app.screen.query("#bc-preview Static")]
        assert previews == ["发送 小王：小王 T1", "发送 阿依：阿依 T2"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, BroadcastScreen)
    assert desk.chats.log("阿依")[-1].text == "阿依 T2"
    assert desk.broadcasts.history()[0].count == 2


async def test_forward_notice_shows_buyer_markup_literally(desk, clock):
    desk.team.add_agent("小美", "agent")
    desk.team.start("小美")
    desk.chats.inject("[bold red]坏[/]", "在吗")
    desk.team.distribute()
    desk.team.add_agent("小丽", "agent")
    app = CsConsoleApp(desk, "小丽")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        desk.team.forward(desk.chats.chat_of("[bold red]坏[/]").chat_id, "小丽", "[i]x[/i]", "小美")
        await wait_for(pilot, lambda: app._notifications)
        [n] = list(app._notifications)
        assert n.message == "小美 转发了 [bold red]坏[/] 的会话：[i]x[/i]" and n.markup is False


async def test_supervisor_is_flagged_a_breach_once(desk, clock):
    desk.team.add_agent("老板", "supervisor", capacity=1)
    desk.chats.inject("甲", "在吗")
    desk.chats.inject("乙", "在吗")  # 老板 has room for one: 乙 waits in the queue
    app = CsConsoleApp(desk, "老板")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        clock.advance(desk.policy.response.breach + 1)
        app._heartbeat()
        app._heartbeat()
        await pilot.pause()
        flagged = [n.message for n in app._notifications if n.title == "超时"]
        assert sorted(flagged) == ["乙（排队中）已等待 201 秒未回复", "甲（老板）已等待 201 秒未回复"]


async def test_supervisor_view_follows_another_writer_and_keeps_the_cursor_on_its_chat(desk, clock):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk
    from tests.signin import sign_in

    desk.team.add_agent("老板", "supervisor")
    for nick in ("a", "b", "c"):
        desk.chats.inject(nick, "在吗")
        clock.advance(5)
    clock.advance(desk.policy.response.breach)  # all three wait too long: the supervisor's list
    other = make_desk(desk.store.url, policy=load_policy(), clock=clock)  # another program, same file
    app = CsConsoleApp(desk, "老板")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen))
            screen = app.screen
            queue = screen.query_one("#sv-queue", DataTable)
            await wait_for(pilot, lambda: queue.row_count == 3, timeout=3)
            chat_c = str(desk.chats.chat_of("c").chat_id)
            queue.focus()
            await pilot.press("down", "down")  # the cursor on c's row, the third
            await wait_for(pilot, lambda: screen.selected_key("#sv-queue") == chat_c)
            other.chats.close(desk.chats.chat_of("a").chat_id, sign_in(other, "老板"))  # a leaves the queue
            await wait_for(pilot, lambda: queue.row_count == 2)  # no timer re-reads: the store change did
            assert screen.selected_key("#sv-queue") == chat_c and queue.cursor_row == 1  # moved up with its row
            reads = screen._overview
            other.handover.add("交给夜班", "老板")  # a commit that changes nothing of these rows
            await wait_for(pilot, lambda: screen._overview is not reads)  # read again …
            assert screen.selected_key("#sv-queue") == chat_c and queue.cursor_row == 1  # … cursor stays
    finally:
        other.close()
