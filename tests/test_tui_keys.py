"""Keys and focus never misdirect: new line vs send, key order under a burst, the caret after
a chat switch, side-panel letters, stable Alt+1..9, Esc after ``/``, Ctrl+Q with buyers waiting.

Keys are pressed with Pilot or delivered as the bytes a terminal sends (tests/terminal_input.py).
"""

from __future__ import annotations

from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from tests.terminal_input import terminal_events, type_bytes, wait_for

SIZE = (120, 40)


def seed_three(desk, clock):
    desk.chats.inject("小王", "在吗")
    clock.advance(10)
    desk.chats.inject("tb_88", "发货了吗")
    clock.advance(10)
    desk.chats.inject("宝妈Lily", "这款纯棉的吗")
    clock.advance(5)


def test_terminal_alt_enter_is_alt_enter():
    """ESC CR (what xterm/tmux send for Alt+Enter) is not a plain Enter."""
    assert [e.key for e in terminal_events("\x1b\r")] == ["alt+enter"]
    assert [e.key for e in terminal_events("\r")] == ["enter"]


async def test_alt_enter_from_a_terminal_is_a_new_line_not_send(desk, clock):
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await type_bytes(pilot, "A\x1b\rB")
        assert app.query_one(Composer).text == "A\nB"
        await pilot.press("alt+enter")
        assert app.query_one(Composer).text == "A\nB\n"
        assert len(desk.chats.log("小王")) == 1  # nothing sent


async def test_esc_then_enter_is_a_new_line_not_send(desk, clock):
    """A slow terminal (or a hand) splits Alt+Enter into Esc, then Enter: still a new line."""
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A", "escape", "enter", "B")
        assert app.query_one(Composer).text == "A\nB"
        assert len(desk.chats.log("小王")) == 1
        await pilot.press("enter")  # a plain Enter still sends
        assert [m.text for m in desk.chats.log("小王")][-1] == "A\nB"


async def test_keys_typed_in_a_burst_apply_in_order(desk, clock):
    """``A`` Ctrl+J ``B`` arriving together (the app is behind the typist) is A, new line, B."""
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        keys = await type_bytes(pilot, "A\nB\nC")
        assert keys == ["A", "ctrl+j", "B", "ctrl+j", "C"]
        assert app.query_one(Composer).text == "A\nB\nC"
        assert len(desk.chats.log("小王")) == 1


async def test_every_chat_switch_puts_the_caret_in_the_draft(desk, clock):
    """From the order list (where single letters are actions), each way of switching chats
    lands in the new chat's draft, so what is typed next goes to the buyer, not to 订单 keys."""
    from cs_console.tui.sessions import SessionList

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        composer = app.query_one(Composer)
        switches = [("alt+down",), ("alt+up",), ("ctrl+g",), ("alt+3",), ("pound_sign",)]
        for keys in switches:
            await pilot.press("alt+o")
            assert app.focused is app.query_one("#orders-list")
            await pilot.press(*keys)
            assert app.focused is composer, keys
        await pilot.press("alt+o")
        await pilot.click(SessionList, offset=(5, 2))  # second row
        await pilot.pause()
        assert app.desk_screen.current.buyer_nick == app.desk_screen.session_chats[1].buyer_nick
        assert app.focused is composer
        await pilot.press("alt+o", "ctrl+p", *"tb_88")
        await pilot.pause(0.3)
        await pilot.press("enter")  # palette: 转到买家 tb_88
        await wait_for(pilot, lambda: app.desk_screen.current.buyer_nick == "tb_88")
        assert app.focused is composer
        await pilot.press(*"lea")  # letters of 物流 / 延长收货 / 核对地址: text of the draft
        assert composer.text == "lea" and len(app.screen_stack) == 1


async def test_alt_digits_keep_addressing_the_same_chats_after_sends(desk, clock):
    """A reply re-sorts the list (served chats drop below waiting ones); Alt+N does not move."""
    from cs_console.tui.sessions import SessionList

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        sessions = app.query_one(SessionList)
        slot_of = {c.buyer_nick: sessions.slots[c.chat_id] for c in app.desk_screen.session_chats}
        assert slot_of == {"小王": 1, "tb_88": 2, "宝妈Lily": 3}
        await pilot.press("alt+1", *"hi", "enter")  # 小王 answered: drops to the bottom
        await pilot.press("alt+2", *"ok", "enter")  # tb_88 answered too
        await pilot.pause()
        assert app.desk_screen.session_chats[0].buyer_nick == "宝妈Lily"  # the order changed…
        for n, nick in ((1, "小王"), (2, "tb_88"), (3, "宝妈Lily"), (1, "小王")):
            await pilot.press(f"alt+{n}")
            assert app.desk_screen.current.buyer_nick == nick  # …the numbers did not
        row = sessions.row_text(app.desk_screen.session_chats[0], 32, sessions.slots[app.desk_screen.session_chats[0].chat_id])[0]
        assert row.plain.startswith("3 ")  # the number is shown next to its chat


async def test_esc_after_slash_leaves_the_draft_as_it_was(desk, clock):
    from cs_console.tui.reply_picker import ReplyPicker

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        composer = app.query_one(Composer)
        await pilot.press("/")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyPicker))
        await pilot.press("escape")
        await pilot.pause()
        assert composer.text == "" and app.focused is composer
        await type_bytes(pilot, "/qsd")  # a burst: what followed the / moves into the picker's query
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyPicker))
        await pilot.press("escape")
        await pilot.pause()
        assert composer.text == ""


async def test_ctrl_q_with_buyers_waiting_asks_first(desk, clock):
    from cs_console.tui.confirm import GuardedConfirm

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, GuardedConfirm) and "3 位买家" in str(app.screen.body)
        await pilot.press("enter")  # 取消 is focused: Enter does not quit
        assert app.is_running and len(app.screen_stack) == 1
        await pilot.press("ctrl+q", "ctrl+q")  # again: quits
        await wait_for(pilot, lambda: not app.is_running)


async def test_ctrl_q_then_left_and_enter_in_one_burst_quits(desk, clock):
    """In a real terminal ← and Enter typed quickly arrive together: Enter acts on 退出, the
    button ← just chose, not on 取消 (the focus must move before the next key is handled)."""
    from cs_console.tui.confirm import GuardedConfirm

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, GuardedConfirm)
        assert await type_bytes(pilot, "\x1b[D\r") == ["left", "enter"]
        await wait_for(pilot, lambda: not app.is_running)


async def test_left_right_then_enter_in_one_burst_cancels(desk, clock):
    from cs_console.tui.confirm import GuardedConfirm

    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, GuardedConfirm)
        await type_bytes(pilot, "\x1b[D\x1b[C\r")  # ← 退出, → back to 取消, Enter
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        assert app.is_running


async def test_ctrl_q_with_nobody_waiting_quits_at_once(desk, clock):
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_an_order_key_the_state_does_not_allow_says_why_in_chinese(desk, clock):
    from cs_console.config.locations import data_dir

    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    desk.chats.inject("宝妈Lily", "地址要改一下")  # her order is paid
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+o", "p")  # 改价 on a paid order
        await pilot.pause()
        assert len(app.screen_stack) == 1
        messages = [n.message for n in app._notifications]
        assert any("不能改价" in m and "已付款" in m for m in messages), messages
        await pilot.press("escape", "enter")  # an empty draft: Enter says why nothing was sent
        assert any("草稿是空的" in n.message for n in app._notifications)


async def test_editing_keys_and_enter_in_a_burst_apply_in_order(desk, clock):
    """Backspace typed quickly deletes what was before it; what follows Enter starts the next message."""
    seed_three(desk, clock)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await type_bytes(pilot, "ab\x7fc")
        assert app.query_one(Composer).text == "ac"
        await type_bytes(pilot, "\rnext")
        await wait_for(pilot, lambda: len(desk.chats.log("小王")) == 2)
        assert desk.chats.log("小王")[-1].text == "ac"
        assert app.query_one(Composer).text == "next"


async def test_calculator_entry_applies_enter_in_order(desk, clock):
    """Item lines typed in one burst (59 x2 Enter 129 Enter) are two lines, not one bad line."""
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+c")
        calc = app.query_one("#calculator")
        await wait_for(pilot, lambda: app.focused is app.query_one("#calc-entry"))
        await type_bytes(pilot, "59 x2\r129\r")
        await wait_for(pilot, lambda: len(calc.items) == 2)
        assert app.query_one("#calc-entry").value == ""
