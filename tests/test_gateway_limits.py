"""Rate limits hold across gateway processes: two real `cs-console serve` processes on one store
count a buyer's messages and a client's requests together (429 / an error frame), on SQLite and on
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from websockets.sync.client import connect

from cs_console.config.policy import load_policy
from cs_console.domain.gateway import ChannelKind
from cs_console.services.desk import make_desk
from tests.gateway_fixtures import served


def _shop(url: str) -> None:
    desk = make_desk(url, policy=load_policy())
    desk.gateway.create_channel("myshop", ChannelKind.WEB)
    desk.close()


def _send(base: str, cookie: str, text: str) -> dict:
    port = base.rsplit(":", 1)[1]
    with connect(f"ws://127.0.0.1:{port}/chat/myshop/ws", origin=base, open_timeout=10,
                 additional_headers={"Cookie": f"cs_chat={cookie}"}) as ws:
        client_id = uuid.uuid4().hex
        ws.send(json.dumps({"type": "send", "client_id": client_id, "text": text}))
        while True:
            frame = json.loads(ws.recv(timeout=10))
            if frame.get("client_id") == client_id:
                return frame


def test_a_buyer_session_is_limited_across_two_gateways(store_url):
    _shop(store_url)
    limits = ("--session-per-minute", "1", "--burst", "3")
    with served(store_url, *limits) as a, served(store_url, *limits) as b:
        cookie = httpx.get(a + "/chat/myshop").cookies["cs_chat"]
        answers = [_send(a, cookie, "第一条"), _send(a, cookie, "第二条"), _send(b, cookie, "第三条"),
                   _send(b, cookie, "第四条"), _send(a, cookie, "第五条")]
        assert [f["type"] for f in answers] == ["sent", "sent", "sent", "error", "error"]
        assert answers[3]["code"] == 429 and "太频繁" in answers[3]["message"]
        other = httpx.get(b + "/chat/myshop").cookies["cs_chat"]  # another buyer is not held up
        assert _send(b, other, "我也问一下")["type"] == "sent"
    desk = make_desk(store_url, policy=load_policy())
    texts = sorted(m.text for c in desk.chats.sessions() for m in desk.chats.recent(c.chat_id))
    assert texts == sorted(["第一条", "第二条", "第三条", "我也问一下"]), "refused messages are not stored"
    desk.close()


def test_a_client_ip_is_limited_across_two_gateways(store_url):
    _shop(store_url)
    limits = ("--ip-per-minute", "4", "--burst", "4")
    with served(store_url, *limits) as a, served(store_url, *limits) as b:
        codes = [httpx.get(url + "/chat/myshop").status_code for url in (a, b, a, b, a, b)]
        assert codes == [200, 200, 200, 200, 429, 429]
        assert httpx.get(b + "/healthz").status_code == 200


def test_many_requests_at_once_on_two_gateways_get_exactly_the_burst(store_url):
    """Requests arriving together (one writer round on each gateway, both rounds at the same
    time on the one address bucket) are counted one by one: the burst is let in, no more."""
    _shop(store_url)
    limits = ("--ip-per-minute", "1", "--burst", "10")
    with served(store_url, *limits) as a, served(store_url, *limits) as b:

        async def burst() -> list[int]:
            async with httpx.AsyncClient(timeout=20) as client:
                answers = await asyncio.gather(*(client.get(url + "/chat/myshop") for url in (a, b) * 12))
            return [r.status_code for r in answers]

        codes = asyncio.run(burst())
        assert codes.count(200) == 10 and codes.count(429) == 14


def test_a_round_of_requests_takes_tokens_in_order_and_all_or_none(store_url):
    """Several requests of one round: each gets its tokens while the requests before it left
    some; one refused by a single exhausted bucket takes nothing from its other buckets."""
    desk = make_desk(store_url, policy=load_policy())
    svc = desk.gateway
    ip, one, two = ("ip:10.0.0.1", 1, 3), ("session:1:a", 1, 1), ("session:1:b", 1, 1)
    assert svc.allow_each([[one, ip], [one, ip], [two, ip], [two, ip]]) == [True, False, True, False]
    assert svc.allow_each([[ip]]) == [True], "the refused requests left the address its third token"
    assert svc.allow_each([[ip]]) == [False]
    desk.close()
