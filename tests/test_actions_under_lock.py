"""Side-tab actions while another process holds the store's write lock: the desk stays up, the
agent types on in the draft while the change waits, nothing they entered is lost, and the change
lands (with its audit rows) once the lock is released. A change the store still cannot take after
its retries, or one the rules refuse, is one Chinese 未保存 notice and the dialog opens again with
what the agent entered."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, OptionList

from cs_console.config.policy import load_policy
from cs_console.domain.aftersales import Handling, Reason
from cs_console.domain.handover import NoteState
from cs_console.services.desk import make_desk
from cs_console.tui.aftersales import CasesTab
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.dialogs import TextPrompt
from cs_console.tui.handover_tab import HandoverTab
from cs_console.tui.memos import MemoTab
from cs_console.tui.order_dialogs import AmountDialog, FlagDialog, PickDialog
from tests.pilot_wait import wait_for, wait_for_screen
from tests.test_orders_panel import PAID, WAIT, shop  # noqa: F401  (the seeded shop fixture)
from tests.test_shift_end import order
from tests.test_store_trouble import SIZE, write_lock_held

LOCK_SECONDS = 30  # at most: the lock is let go when the test leaves the block


def fresh(db_path, read):
    """``read(desk)`` on a second desk on the same file: what another agent (or a restart) sees."""
    other = make_desk(str(db_path), policy=load_policy(), init=False)
    try:
        return read(other)
    finally:
        other.close()


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def type_in_draft(pilot, text: str) -> None:
    """Type into the draft, each key echoed at once (the lock or a pending write never delays it)."""
    composer = pilot.app.query_one(Composer)
    assert pilot.app.focused is composer
    for ch in text:
        await pilot.press(ch)
        assert composer.text.endswith(ch)


async def press_in_list_under_lock(pilot, db_path, list_id: str, keys: tuple[str, ...], draft: str,
                                   unchanged) -> None:
    """While another process holds the lock: the agent clicks the list, presses ``keys``, clicks
    the draft and types ``draft`` (each key echoed); ``unchanged()`` holds, the lock still held."""
    with write_lock_held(db_path, LOCK_SECONDS) as holder:
        await pilot.click(list_id)
        await pilot.press(*keys)
        await pilot.click("#composer")
        await type_in_draft(pilot, draft)
        assert holder.poll() is None
        assert unchanged()


async def test_a_flag_remark_waits_for_the_lock_and_lands_while_the_agent_types_on(shop, db_path):  # noqa: F811
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "f12")  # 宝妈Lily's PAID order
        await wait_for(pilot, lambda: any(o.order_no == PAID for o in app.query_one("#orders-panel").orders))
        with write_lock_held(db_path, LOCK_SECONDS) as holder:
            await pilot.press("f")
            await wait_for_screen(pilot, FlagDialog)
            await pilot.press("enter", *"到货改发顺丰", "enter")  # red, then the remark
            await wait_for(pilot, lambda: not isinstance(app.screen, FlagDialog))
            await type_in_draft(pilot, "亲稍等")  # the caret is back in the draft at once
            assert holder.poll() is None  # all of it while the lock was held
            assert fresh(db_path, lambda d: d.orders.show(PAID).remark) == ""  # not through the lock
        await wait_for(pilot, lambda: fresh(db_path, lambda d: d.orders.show(PAID).remark) == "到货改发顺丰", timeout=30)
        assert fresh(db_path, lambda d: d.orders.show(PAID).flag) == "red"
        assert [(a.agent, a.field) for a in fresh(db_path, lambda d: d.orders.audit(PAID))] == [
            ("小美", "flag"), ("小美", "remark")]
        await wait_for(pilot, lambda: "已更新旗帜备注" in notices(app))
        assert app.is_running and app.query_one(Composer).text == "亲稍等"
        assert not any("未保存" in n for n in notices(app))


async def test_a_flag_remark_the_locked_store_does_not_take_opens_again_with_the_remark(shop, db_path):  # noqa: F811
    shop.store.write_retry_for = 0.2  # give up after one busy timeout instead of a minute
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "f12")
        await wait_for(pilot, lambda: any(o.order_no == PAID for o in app.query_one("#orders-panel").orders))
        with write_lock_held(db_path, 10):
            await pilot.press("f")
            await wait_for_screen(pilot, FlagDialog)
            await pilot.press("down", "enter", *"仓库缺货先别发", "enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, FlagDialog))
            await type_in_draft(pilot, "亲")
            await wait_for(pilot, lambda: any(n.startswith("旗帜备注未保存：存储正忙") for n in notices(app)),
                           timeout=20)
            dialog = await wait_for_screen(pilot, FlagDialog)  # back, with what the agent entered
            remark = dialog.query_one("#remark", Input)
            await wait_for(pilot, lambda: remark.has_focus)  # Enter saves it again
            assert remark.value == "仓库缺货先别发"
            assert dialog.query_one("#colours", OptionList).highlighted == 1
            assert app.is_running
        await pilot.press("enter")  # the lock is gone: the same entry, saved
        await wait_for(pilot, lambda: fresh(db_path, lambda d: d.orders.show(PAID).remark) == "仓库缺货先别发", timeout=30)
        assert [a.field for a in fresh(db_path, lambda d: d.orders.audit(PAID))] == ["flag", "remark"]
        assert app.query_one(Composer).text == "亲"  # the draft typed meanwhile is still there


async def test_a_price_change_waits_for_the_lock_and_lands_with_its_reason(shop, db_path):  # noqa: F811
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(o.order_no == WAIT for o in app.query_one("#orders-panel").orders))
        with write_lock_held(db_path, LOCK_SECONDS) as holder:
            await pilot.press("f12", "p")
            await wait_for_screen(pilot, PickDialog)
            await pilot.press("enter")  # line 1: 59.00 × 2
            await wait_for_screen(pilot, AmountDialog)
            await pilot.press(*"55", "tab", *"老客", "enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, AmountDialog))
            await type_in_draft(pilot, "给您改好价")
            assert holder.poll() is None
            assert fresh(db_path, lambda d: d.orders.show(WAIT).items[0].unit_price) == Decimal("59.00")
        await wait_for(pilot, lambda: fresh(db_path, lambda d: d.orders.show(WAIT).items[0].unit_price) == Decimal("55.00"),
                       timeout=30)
        audit = fresh(db_path, lambda d: d.orders.audit(WAIT))
        assert audit and {(a.agent, a.reason) for a in audit} == {("小美", "老客")}
        await wait_for(pilot, lambda: "¥55.00×2" in app.query_one("#orders-list", OptionList)
                       .get_option_at_index(0).prompt.plain)  # the panel re-read the order
        assert app.is_running and app.query_one(Composer).text == "给您改好价"


async def test_a_handover_acknowledgement_waits_for_the_lock(desk, db_path):
    note = desk.handover.add("小李要顺丰", "小美")  # for the next shift: no inbox at start
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        tab = app.query_one(HandoverTab)
        await pilot.click("#--content-tab-tab-handover")
        await wait_for(pilot, lambda: [n.id for n in tab.notes] == [note.id])
        await press_in_list_under_lock(pilot, db_path, "#handover-list", ("a",), "马上",
                                       lambda: fresh(db_path, lambda d: d.handover.get(note.id).state) == NoteState.OPEN)
        await wait_for(pilot, lambda: fresh(db_path, lambda d: d.handover.get(note.id).acked_by) == "小美", timeout=30)
        await wait_for(pilot, lambda: [n.state for n in tab.notes] == [NoteState.ACKNOWLEDGED])
        assert app.is_running and app.query_one(Composer).text == "马上"
        assert not any("未保存" in n for n in notices(app))


def seed_case(desk):
    order(desk, "A1", "小王")
    desk.chats.inject("小王", "颜色不对")
    return desk.cases.add("A1", "小美", Reason.COLOUR, Handling.REFUND, amount=Decimal("59.90"))


async def test_a_case_follow_up_waits_for_the_lock_and_lands(desk, db_path):
    case = seed_case(desk)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: [c.id for c in app.query_one(CasesTab).cases] == [case.id])
        with write_lock_held(db_path, LOCK_SECONDS) as holder:
            await pilot.press("f")
            await wait_for_screen(pilot, TextPrompt)
            await pilot.press(*"已催仓库退款", "enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, TextPrompt))
            await pilot.click("#composer")
            await type_in_draft(pilot, "退款中")
            assert holder.poll() is None
            assert fresh(db_path, lambda d: d.cases.show(case.id)[1]) == []
        await wait_for(pilot, lambda: [n.text for n in fresh(db_path, lambda d: d.cases.show(case.id)[1])] == ["已催仓库退款"],
                       timeout=30)
        await wait_for(pilot, lambda: f"#{case.id} 已记录跟进" in notices(app))
        assert app.is_running and app.query_one(Composer).text == "退款中"


async def test_a_follow_up_the_rules_refuse_says_why_and_keeps_the_prompt_open(desk, db_path):
    case = seed_case(desk)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: [c.id for c in app.query_one(CasesTab).cases] == [case.id])
        await pilot.press("f")
        await wait_for_screen(pilot, TextPrompt)
        await pilot.press("space", "space", "enter")  # only blanks
        await wait_for(pilot, lambda: "售后跟进未保存：跟进内容不能为空" in notices(app))
        prompt = await wait_for_screen(pilot, TextPrompt)  # again, with what was typed
        assert prompt.query_one(Input).value == "  "
        await pilot.press(*"补发", "enter")
        await wait_for(pilot, lambda: [n.text for n in fresh(db_path, lambda d: d.cases.show(case.id)[1])] == ["补发"])
        assert app.is_running


async def test_a_memo_done_toggle_waits_for_the_lock_and_lands(desk, db_path):
    memo = desk.memos.add("小美", "问仓库到货")
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        tab = app.query_one(MemoTab)
        await pilot.click("#--content-tab-tab-memo")
        await wait_for(pilot, lambda: [m.id for m in tab.memos] == [memo.id])
        await press_in_list_under_lock(pilot, db_path, "#memo-list", ("down", "enter"), "在的",  # the memo: done
                                       lambda: [m.done for m in fresh(db_path, lambda d: d.memos.search("小美"))] == [False])
        await wait_for(pilot, lambda: [m.done for m in fresh(db_path, lambda d: d.memos.search("小美"))] == [True], timeout=30)
        await wait_for(pilot, lambda: [m.done for m in tab.memos] == [True])
        assert app.is_running and app.query_one(Composer).text == "在的"


async def test_a_memo_the_locked_store_does_not_take_opens_again_with_its_text_and_is_saved_after(desk, db_path):
    from textual.widgets import Checkbox

    from cs_console.tui.memos import MemoPrompt

    desk.store.write_retry_for = 0.2  # give up after one busy timeout instead of a minute
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.desk_screen.current is not None)
        with write_lock_held(db_path, 10):
            await pilot.press("alt+m")
            await wait_for_screen(pilot, MemoPrompt)
            await pilot.press(*"问仓库到货 #T100", "tab", "enter")  # linked to 小王
            await wait_for(pilot, lambda: not isinstance(app.screen, MemoPrompt))
            await type_in_draft(pilot, "亲")
            await wait_for(pilot, lambda: any(n.startswith("备忘未保存：存储正忙") for n in notices(app)), timeout=20)
            prompt = await wait_for_screen(pilot, MemoPrompt)  # back, with what the agent entered
            memo_input = prompt.query_one("#memo-input", Input)
            await wait_for(pilot, lambda: memo_input.has_focus)
            assert memo_input.value == "问仓库到货 #T100"
            assert prompt.query_one("#memo-link", Checkbox).value is True
            assert fresh(db_path, lambda d: d.memos.search("小美")) == []
        await pilot.press("enter")  # the lock is gone: the same memo, saved
        await wait_for(pilot, lambda: [(m.text, m.buyer, m.order_no) for m in fresh(db_path, lambda d: d.memos.search("小美"))]
                       == [("问仓库到货 #T100", "小王", "T100")], timeout=30)
        await wait_for(pilot, lambda: "已记入备忘录" in notices(app))
        assert app.is_running and app.query_one(Composer).text == "亲"  # the draft typed meanwhile is kept
