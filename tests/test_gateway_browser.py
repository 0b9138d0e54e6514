"""The buyer chat page in a real headless Chromium: the buyer types, a Pilot-driven TUI answers,
the answer appears; agent text with <script> and markup is shown as text and the page stays
intact; a dropped connection is re-established and the unsent line is resent exactly once."""

from __future__ import annotations

import asyncio
import time

import pytest

from cs_console.config.policy import load_policy
from cs_console.domain.gateway import ChannelKind
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp
from tests.browser import require_chromium, start_chromium, stop_chromium
from tests.gateway_fixtures import running_gateway, wait_until

pytestmark = pytest.mark.browser
EVIL = '<script>document.title="pwned"</script><img src=x onerror="document.title=1"><b>粗体</b> 好的'


@pytest.fixture
def browser():
    require_chromium()
    d = start_chromium()
    yield d
    stop_chromium(d)


def texts(d, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in d.find_elements(By.CSS_SELECTOR, selector)]


def type_and_send(d, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = d.find_element(By.ID, "text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def agent_lines(d) -> list[str]:
    return texts(d, "#log .msg.agent .text")


async def wait_async(condition, timeout=15.0):
    end = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_buyer_types_tui_answers_markup_stays_text(db_path, browser):
    url = str(db_path)
    with running_gateway(url) as gw:
        gw.desk.gateway.create_channel("myshop", ChannelKind.WEB)
        await asyncio.to_thread(browser.get, gw.url + "/chat/myshop")
        await wait_async(lambda: browser.find_element("id", "conn").text == "已连接")
        await asyncio.to_thread(type_and_send, browser, "这件连体衣有80码吗")
        wait_until(lambda: gw.desk.chats.sessions())
        desk = make_desk(url, policy=load_policy())
        app = CsConsoleApp(desk, "小美")
        async with app.run_test(size=(120, 40)) as pilot:
            end = time.monotonic() + 10
            while app.desk_screen.current is None and time.monotonic() < end:
                await pilot.pause(0.05)
            assert app.desk_screen.current is not None and app.desk_screen.current.buyer_nick.startswith("访客")
            await pilot.press(*"有的亲", "enter")
            await wait_async(lambda: agent_lines(browser) == ["有的亲"])
            desk.chats.send(app.desk_screen.current.chat_id, "小美", EVIL)  # a pasted text full of markup
            await wait_async(lambda: len(agent_lines(browser)) == 2)
        desk.close()
        assert agent_lines(browser)[1] == EVIL.replace("  ", " ")
        assert browser.title == "在线客服"  # no script ran, no onerror fired
        assert browser.execute_script("return document.querySelectorAll('#log script, #log img, #log b').length") == 0
        assert texts(browser, "#log .msg.buyer .text") == ["这件连体衣有80码吗"]
        # phone width: nothing wider than the screen
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        # the page acknowledged and showed the replies: 已读 for the agent
        replies = [m for m in gw.desk.chats.recent(gw.desk.chats.sessions()[0].chat_id) if m.sender == "agent"]
        assert len(replies) == 2
        wait_until(lambda: all(s == "read" for s, _ in gw.desk.gateway.statuses([m.id for m in replies]).values()))
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
        assert errors == []


def test_dropped_connection_reconnects_and_resends_once(db_path, browser):
    url = str(db_path)
    with running_gateway(url) as gw:
        port = gw.port
        gw.desk.gateway.create_channel("myshop", ChannelKind.WEB)
        browser.get(gw.url + "/chat/myshop")
        wait_until(lambda: browser.find_element("id", "conn").text == "已连接")
        type_and_send(browser, "第一句")
        wait_until(lambda: gw.desk.chats.sessions())
    # the gateway is gone: the page says so, and keeps what the buyer types
    wait_until(lambda: "重连" in browser.find_element("id", "conn").text)
    type_and_send(browser, "断线时写的")
    with running_gateway(url, port=port) as gw:
        wait_until(lambda: browser.find_element("id", "conn").text == "已连接", 30)
        chat = gw.desk.chats.sessions()[0]
        wait_until(lambda: len(gw.desk.chats.recent(chat.chat_id)) == 2)
        gw.desk.chats.send(chat.chat_id, "小美", "收到两句")
        wait_until(lambda: agent_lines(browser) == ["收到两句"])
        wait_until(lambda: browser.execute_script("return document.querySelectorAll('#log .msg.pending').length") == 0)
        assert [m.text for m in gw.desk.chats.recent(chat.chat_id)] == ["第一句", "断线时写的", "收到两句"]
        assert texts(browser, "#log .msg.buyer .text") == ["第一句", "断线时写的"]
