"""Pilot tests: the picker (open, initials, stack phrases at the cursor, send), ``/`` and ``/code``."""

import asyncio
import contextlib
import threading
import traceback
from decimal import Decimal

import pytest
from textual import events

from cs_console.services.replies import ReplyService
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.reply_picker import ReplyPicker
from tests.pilot_wait import wait_for
from tests.terminal_input import terminal_events

QSD = "亲，稍等一下哦，我马上帮您查询～"


async def settle(pilot) -> None:
    """Let the picker's 50 ms search debounce fire, then wait until the app is idle."""
    await pilot.pause(0.1)
    await pilot.pause()


@pytest.fixture
def shop(desk, clock):
    desk.chats.inject("买家A", "在吗？我的快递到哪了")
    with desk.store.write() as s:
        buyer = ensure_buyer(s, "买家A", clock())
        s.add(Order(order_no="T9", buyer_id=buyer.id, placed_at=clock(), state="SHIPPED", courier="申通",
                    tracking_no="ST77", amount=Decimal("10")))
    return desk


async def test_picker_inserts_two_phrases_at_the_cursor_then_sends(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.query_one(Composer)
        await pilot.press(*"AB", "left")
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReplyPicker)
        await pilot.press(*"qsd")
        await settle(pilot)
        assert app.screen.hits[0].phrase.code == "qsd"
        await pilot.press("enter")
        await pilot.pause()
        assert composer.text == f"A{QSD}B" and composer.cursor_offset == 1 + len(QSD)
        await pilot.press("f2", *"wlcx", "enter")  # by title initials 物流查询
        await pilot.pause()
        wl = "亲，您的订单T9已由申通发出，运单号ST77，您可以在订单详情里查看物流进度哦～"
        assert composer.text == f"A{QSD}{wl}B"
        await pilot.press("enter")
        await pilot.pause()
        assert composer.text == ""
        assert shop.chats.log("买家A")[-1].text == f"A{QSD}{wl}B"
        await wait_for(pilot, lambda: shop.replies.usage("小美") == {"qsd": 1, "wl": 1})  # counted in a thread


async def test_picker_send_key_tab_groups_and_missing_placeholder_warning(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", "tab", "tab")
        await settle(pilot)
        picker = app.screen
        assert picker.group == "稍等" and {h.phrase.group for h in picker.hits} == {"稍等"}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shop.chats.log("买家A")[-1].text == QSD
        # {address} has no value for this order: inserted visibly, warned, not sent
        await pilot.press("f2", *"hddz", "ctrl+s")
        await pilot.pause()
        composer = app.query_one(Composer)
        assert "{address}" in composer.text and shop.chats.log("买家A")[-1].text == QSD
        assert any("{address}" in n.message for n in app._notifications)


async def test_slash_opens_picker_and_slash_code_expands_in_place(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.query_one(Composer)
        await pilot.press("/")
        await pilot.pause()
        assert isinstance(app.screen, ReplyPicker) and composer.text == ""
        await pilot.press("escape")
        await pilot.pause()
        assert composer.text == ""  # cancelled: the draft is as it was, no stray "/"
        await pilot.press("/")
        await pilot.pause()
        await pilot.press(*"okk", "space")  # exact code + space in the slash picker
        await pilot.pause()
        assert composer.text == "好的呢亲～" and composer.cursor_offset == 5
        await pilot.press(*" /qsd", "space")  # looked up in a thread
        await wait_for(pilot, lambda: composer.text == f"好的呢亲～ {QSD}")
        await pilot.press(*" /xx", "tab")
        await wait_for(pilot, lambda: composer.text == f"好的呢亲～ {QSD} 感谢您的耐心等待！")
        await pilot.press(*" /zz", "space")  # unknown code: an ordinary space
        await wait_for(pilot, lambda: composer.text.endswith(" /zz "))


@contextlib.contextmanager
def order_reads_of_placeholders_held(store):
    """Every read of the ``orders`` table made to fill a phrase's placeholders (``chat_values``)
    waits until released, on the real store; yields (reading, release, threads): ``reading`` is
    set once one waits, ``threads`` are the threads they ran on."""
    from sqlalchemy import event

    reading, release, threads = threading.Event(), threading.Event(), []

    def before(conn, cursor, statement, *args):
        if "FROM orders" in statement and any(f.name == "chat_values" for f in traceback.extract_stack()):
            threads.append(threading.current_thread())
            reading.set()
            if threading.current_thread() is not threading.main_thread():  # never hang the loop itself
                release.wait(10)

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield reading, release, threads
    finally:
        release.set()
        event.remove(store.engine, "before_cursor_execute", before)


async def loop_runs_until(condition, timeout: float = 10.0) -> None:
    """Let the event loop run (without waiting for the widgets' queues) until ``condition()``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_slash_code_fills_from_the_store_off_the_event_loop_keys_typed_meanwhile_follow(shop):
    """``/wl`` + space reads the buyer's order for its placeholders in a thread: while that read
    waits, the screen keeps running and the keys typed after the space wait for the phrase, then
    land after it in the order typed."""
    wl = "亲，您的订单T9已由申通发出，运单号ST77，您可以在订单详情里查看物流进度哦～"
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.query_one(Composer)
        await wait_for(pilot, lambda: app.desk_screen.current is not None and app.focused is composer)
        with order_reads_of_placeholders_held(shop.store) as (reading, release, threads):
            for key in terminal_events("亲 /wl 谢谢"):  # one burst, as a fast typist sends it
                app._driver.process_message(key)
            # (no pilot.pause here: it waits for every widget's queue, the draft's included)
            await loop_runs_until(reading.is_set)
            ticks = []
            app.set_timer(0.05, lambda: ticks.append(1))
            await loop_runs_until(lambda: ticks == [1])  # the event loop runs while the store is read
            assert composer.text == "亲 /wl"  # not yet expanded; 谢谢 waits behind the space
            release.set()
            await wait_for(pilot, lambda: composer.text == f"亲 {wl}谢谢")
        assert composer.cursor_offset == len(composer.text)
        assert len(threads) >= 1 and threading.main_thread() not in threads
        await wait_for(pilot, lambda: shop.replies.usage("小美") == {"wl": 1})


async def test_keys_typed_in_a_burst_after_slash_land_in_the_picker(shop):
    app = CsConsoleApp(shop, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.query_one(Composer)
        for key in "/qsd":  # no pause between keys: as a fast typist (or a paste) sends them
            composer.post_message(events.Key(key, key))
        await settle(pilot)
        assert isinstance(app.screen, ReplyPicker) and composer.text == ""
        await pilot.press("enter")
        await pilot.pause()
        assert composer.text == QSD


async def test_bad_phrase_file_is_reported_and_the_last_good_set_kept(desk, tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text("phrases:\n  - group: 问候\n    code: hi\n    title: 你好\n    text: 亲，您好\n", "utf-8")
    desk.replies = ReplyService(desk.store, desk.policy, desk.clock, team_file=team)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.desk_screen.replies is not None)  # the desk started its phrase loading
        await app.workers.wait_for_complete()  # the good set is loaded (in a thread) before it goes bad
        assert desk.replies.get("hi").text == "亲，您好"
        team.write_text("phrases:\n  - group: 问候\n    code: hi\n    title: 你好\n    text: 亲{who}\n", "utf-8")
        app.desk_screen.replies.poll()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(f"{team}:5: phrases.0.text: 未知的占位符 {{who}}" in n.message for n in app._notifications)
        assert desk.replies.get("hi").text == "亲，您好"
