"""The buyer chat page's server side on a real server with real HTTP and WebSocket clients:
signed HttpOnly session, strict CSP, Origin check, a buyer sees only their own chat, idempotent
resend, delivery/read status, the order number reaches the 订单 tab, rate limits answer 429."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from cs_console.domain.gateway import ChannelKind
from tests.gateway_fixtures import running_gateway, wait_until


@pytest.fixture
def gw(store_url):
    with running_gateway(store_url) as g:
        g.desk.gateway.create_channel("myshop", ChannelKind.WEB)
        yield g


def session(gw) -> str:
    r = httpx.get(gw.url + "/chat/myshop")
    assert r.status_code == 200
    return r.cookies["cs_chat"]


def socket(gw, cookie: str | None, origin: str | None = "same"):
    headers = {"Cookie": f"cs_chat={cookie}"} if cookie else {}
    return connect(f"ws://127.0.0.1:{gw.port}/chat/myshop/ws", additional_headers=headers,
                   origin=f"http://127.0.0.1:{gw.port}" if origin == "same" else origin, open_timeout=5)


def frames(ws, want, timeout=5.0):
    """Read frames until ``want(frame)``; returns that frame."""
    while True:
        f = json.loads(ws.recv(timeout=timeout))
        if want(f):
            return f


def send(ws, text, client_id=None, order_no=None):
    client_id = client_id or uuid.uuid4().hex
    ws.send(json.dumps({"type": "send", "client_id": client_id, "text": text, "order_no": order_no}))
    return frames(ws, lambda f: f.get("client_id") == client_id)


def test_page_headers_cookie_and_unknown_shop(gw):
    r = httpx.get(gw.url + "/chat/myshop")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    set_cookie = r.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "Path=/chat/myshop" in set_cookie and "SameSite=strict" in set_cookie
    assert httpx.get(gw.url + "/chat/nosuchshop").status_code == 404
    assert httpx.get(gw.url + "/chat/static/chat.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(gw.url + "/chat/static/..%2fapi.py").status_code == 404


def test_forged_cookies_and_foreign_origins_are_refused(gw):
    cookie = session(gw)
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for bad_cookie, origin in ((None, "same"), (forged, "same"), ("x", "same"),
                               (cookie, "http://evil.example"), (cookie, None)):
        with pytest.raises(InvalidStatus) as exc:
            socket(gw, bad_cookie, origin)
        assert exc.value.response.status_code == 403
    with socket(gw, cookie) as ws:
        assert send(ws, "在吗")["type"] == "sent"
        ws.send(json.dumps(["not", "a", "frame"]))
        ws.send("{broken json")
        assert send(ws, "还在吗")["type"] == "sent"  # junk frames are ignored
        ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1003


def test_buyer_writes_agent_answers_status_follows_and_resend_is_idempotent(gw):
    cookie = session(gw)
    with socket(gw, cookie) as ws:
        client_id = uuid.uuid4().hex
        first = send(ws, "这件有货吗", client_id)
        again = send(ws, "这件有货吗", client_id)  # the page resends after a dropped connection
        assert first["type"] == again["type"] == "sent" and first["id"] == again["id"]
        chat = wait_until(lambda: gw.desk.chats.sessions())[0]
        assert chat.buyer_nick.startswith("访客")
        assert [m.text for m in gw.desk.chats.recent(chat.chat_id)] == ["这件有货吗"]
        posted = gw.desk.chats.send(chat.chat_id, "小美", "有的<b>亲</b>")
        msg = frames(ws, lambda f: f["type"] == "msg")
        assert msg["text"] == "有的<b>亲</b>" and msg["id"] == posted.message_id
        assert gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "sent"
        ws.send(json.dumps({"type": "ack", "ids": [msg["delivery_id"]]}))
        wait_until(lambda: gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "delivered")
        ws.send(json.dumps({"type": "read", "ids": [posted.message_id]}))
        wait_until(lambda: gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "read")
    # a reply written while the page is closed arrives with the history on reconnect
    later = gw.desk.chats.send(chat.chat_id, "小美", "还在吗")
    with socket(gw, cookie) as ws:
        history = frames(ws, lambda f: f["type"] == "history")
        assert [i["text"] for i in history["items"]] == ["这件有货吗", "有的<b>亲</b>", "还在吗"]
        assert history["items"][0]["client_id"] == client_id
        assert history["items"][2]["id"] == later.message_id and history["items"][2]["delivery_id"]


def test_another_buyer_gets_nothing_of_mine(gw):
    mine, theirs = session(gw), session(gw)
    assert mine != theirs
    with socket(gw, mine) as ws:
        send(ws, "我的地址是…")
    chat = wait_until(lambda: gw.desk.chats.sessions())[0]
    posted = gw.desk.chats.send(chat.chat_id, "小美", "收到您的地址")
    delivery_id = gw.desk.gateway.delivery(posted.message_id).delivery_id
    with socket(gw, theirs) as ws:
        send(ws, "你好")  # now a buyer with a chat of their own
        ws.send(json.dumps({"type": "ack", "ids": [delivery_id]}))
        ws.send(json.dumps({"type": "read", "ids": [posted.message_id]}))
        ws.send(json.dumps({"type": "send", "client_id": "probe-00000001", "text": "ping"}))
        seen = []
        while True:
            f = json.loads(ws.recv(timeout=5))
            seen.append(f)
            if f.get("client_id") == "probe-00000001":
                break
        assert all("收到您的地址" not in json.dumps(f, ensure_ascii=False) for f in seen)
    assert gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "sent"
    with socket(gw, theirs) as ws:
        items = frames(ws, lambda f: f["type"] == "history")["items"]
        assert [i["text"] for i in items] == ["你好", "ping"]


def test_order_number_reaches_the_orders_tab(gw):
    from datetime import UTC, datetime
    from decimal import Decimal

    from cs_console.store.chats import ensure_buyer
    from cs_console.store.tables import Order

    now = datetime.now(UTC)
    with gw.desk.store.write() as s:
        b = ensure_buyer(s, "tb_mama", now)
        s.add(Order(order_no="T2026001", buyer_id=b.id, placed_at=now, state="PAID",
                    items_total=Decimal("99.00"), postage=Decimal("0.00"), amount=Decimal("99.00")))
    with socket(gw, session(gw)) as ws:
        assert send(ws, "我的订单没发货", order_no="T2026001")["type"] == "sent"
        assert send(ws, "再问一下", order_no="<b>")["type"] == "error"
    chat = wait_until(lambda: gw.desk.chats.sessions())[0]
    assert [o.order_no for o in gw.desk.orders.for_buyer(chat.buyer_nick)] == ["T2026001"]
    assert gw.desk.orders.for_buyer("tb_mama")[0].order_no == "T2026001"


def test_oversized_frames_and_floods_are_refused(store_url):
    with running_gateway(store_url, session_per_minute=6, burst=3, ip_per_minute=600) as gw:
        gw.desk.gateway.create_channel("myshop", ChannelKind.WEB)
        cookie = session(gw)
        with socket(gw, cookie) as ws:
            answers = [send(ws, f"第{n}条")["type"] for n in range(5)]
            assert answers[:3] == ["sent"] * 3 and "error" in answers[3:]
            ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex, "text": "长" * 20000}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=5)
            assert closed.value.rcvd.code == 1009  # message too big
        chat = gw.desk.chats.sessions()[0]
        assert len(gw.desk.chats.recent(chat.chat_id)) == 3
    with running_gateway(store_url, ip_per_minute=5, burst=5) as gw:
        codes = [httpx.get(gw.url + "/chat/myshop").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
