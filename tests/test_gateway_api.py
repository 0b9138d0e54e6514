"""The bridge API on a real server (loopback) with a real HTTP client, on SQLite and PostgreSQL:
tokens, idempotent inbound, pull long-poll + ack, status reports, 413, OpenAPI."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from cs_console.domain.gateway import ChannelKind
from tests.gateway_fixtures import running_gateway, wait_until


@pytest.fixture
def gw(store_url):
    with running_gateway(store_url) as g:
        yield g


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def inbound(gw, token, pid, text="在吗", buyer="u1", nick="小李", **extra):
    return httpx.post(gw.url + "/api/v1/inbound", headers=bearer(token), timeout=10,
                      json={"buyer_id": buyer, "nick": nick, "text": text, "platform_message_id": pid, **extra})


def test_inbound_is_idempotent_and_lands_like_any_message(gw):
    token = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    first = inbound(gw, token, "p-1")
    again = inbound(gw, token, "p-1")
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert again.json()["message_id"] == first.json()["message_id"]
    sessions = gw.desk.chats.sessions()
    assert [s.buyer_nick for s in sessions] == ["小李"]
    assert [m.text for m in gw.desk.chats.recent(sessions[0].chat_id)] == ["在吗"]
    assert inbound(gw, token, "p-2", text="还在吗").json()["duplicate"] is False
    assert len(gw.desk.chats.recent(sessions[0].chat_id)) == 2
    (chat,) = gw.desk.chats.sessions()  # the second line of an open chat: still waiting, 2 unread
    assert (chat.status, chat.unread, chat.preview) == ("waiting", 2, "还在吗")
    assert chat.waiting_since == sessions[0].waiting_since


def test_statuses_name_only_replies_to_channel_buyers(gw):
    token = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    asked = inbound(gw, token, "p-1").json()
    posted = gw.desk.chats.send(asked["chat_id"], "小美", "您好")
    many = [asked["message_id"], posted.message_id, *range(10_000, 11_200)]  # a long transcript, unknown ids
    assert gw.desk.gateway.statuses(many) == {posted.message_id: ("sent", "")}
    assert gw.desk.gateway.statuses([]) == {}


def test_forged_unknown_and_revoked_tokens_get_nothing(gw):
    made = gw.desk.gateway.create_channel("qn", ChannelKind.PULL)
    for headers in ({}, bearer("csk_guess"), bearer(made.token + "x"), {"authorization": made.token}):
        r = httpx.post(gw.url + "/api/v1/inbound", headers=headers,
                       json={"buyer_id": "u", "text": "x", "platform_message_id": "1"})
        assert r.status_code == 401
        assert httpx.get(gw.url + "/api/v1/outbound", headers=headers).status_code == 401
    assert inbound(gw, made.token, "p-1").status_code == 200
    gw.desk.gateway.revoke("qn")
    assert inbound(gw, made.token, "p-2").status_code == 401
    assert len(gw.desk.chats.recent(gw.desk.chats.sessions()[0].chat_id)) == 1


def test_bad_bodies_are_refused_and_nothing_is_written(gw):
    token = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    big = httpx.post(gw.url + "/api/v1/inbound", headers=bearer(token),
                     json={"buyer_id": "u", "text": "长" * 20000, "platform_message_id": "1"})
    assert big.status_code == 413
    chunked = httpx.post(gw.url + "/api/v1/inbound", headers={**bearer(token), "content-type": "application/json"},
                         content=iter([b"{" + b" " * 10000, b" " * 10000 + b"}"]))
    assert chunked.status_code == 413
    assert inbound(gw, token, "has space").status_code == 422
    assert inbound(gw, token, "p", text="   ").status_code == 422
    assert inbound(gw, token, "p", order_no="<script>").status_code == 422
    assert gw.desk.chats.sessions() == []


def test_pull_long_poll_ack_and_read_status(gw):
    token = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    chat_id = inbound(gw, token, "p-1").json()["chat_id"]
    result = {}

    def poll():
        t0 = time.monotonic()
        result["r"] = httpx.get(gw.url + "/api/v1/outbound", params={"after": 0, "wait": 10},
                                headers=bearer(token), timeout=15)
        result["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.3)  # the poll is waiting when the agent answers
    posted = gw.desk.chats.send(chat_id, "小美", "您好，在的")
    t.join(15)
    page = result["r"].json()
    assert result["seconds"] < 5, "the long-poll returns when the reply is written, not at its timeout"
    assert len(page["items"]) == 1
    item = page["items"][0]
    assert item["body"]["buyer_id"] == "u1" and item["body"]["message"]["text"] == "您好，在的"
    assert gw.desk.gateway.statuses([posted.message_id]) == {posted.message_id: ("sent", "")}
    # not acked: a bridge restarting from cursor 0 gets it again
    again = httpx.get(gw.url + "/api/v1/outbound", params={"after": 0}, headers=bearer(token)).json()
    assert [i["delivery_id"] for i in again["items"]] == [item["delivery_id"]]
    acked = httpx.post(gw.url + "/api/v1/outbound/ack", headers=bearer(token),
                       json={"delivery_ids": [item["delivery_id"]]}).json()
    assert acked == {"acknowledged": 1}
    assert gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "delivered"
    assert httpx.get(gw.url + "/api/v1/outbound", params={"after": 0}, headers=bearer(token)).json()["items"] == []
    r = httpx.post(gw.url + "/api/v1/status", headers=bearer(token),
                   json={"delivery_id": item["delivery_id"], "status": "read", "platform_message_id": "qn-out-9"})
    assert r.status_code == 200
    assert gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "read"
    with gw.desk.store.read() as s:
        from cs_console.store.tables import ChannelMessage

        assert s.get(ChannelMessage, posted.message_id).platform_message_id == "qn-out-9"
    # a late "delivered" never moves 已读 back
    httpx.post(gw.url + "/api/v1/status", headers=bearer(token),
               json={"delivery_id": item["delivery_id"], "status": "delivered"})
    assert gw.desk.gateway.statuses([posted.message_id])[posted.message_id][0] == "read"


def test_a_bridge_cannot_touch_another_channels_deliveries(gw):
    a = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    b = gw.desk.gateway.create_channel("wx", ChannelKind.PULL).token
    chat_id = inbound(gw, a, "p-1").json()["chat_id"]
    gw.desk.chats.send(chat_id, "小美", "仅给千牛")
    item = wait_until(lambda: httpx.get(gw.url + "/api/v1/outbound", headers=bearer(a)).json()["items"])[0]
    assert httpx.get(gw.url + "/api/v1/outbound", headers=bearer(b)).json()["items"] == []
    assert httpx.post(gw.url + "/api/v1/outbound/ack", headers=bearer(b),
                      json={"delivery_ids": [item["delivery_id"]]}).json() == {"acknowledged": 0}
    assert httpx.post(gw.url + "/api/v1/status", headers=bearer(b),
                      json={"delivery_id": item["delivery_id"], "status": "read"}).status_code == 404


def test_openapi_document_describes_the_bridge_api(gw):
    doc = httpx.get(gw.url + "/api/v1/openapi.json").json()
    assert {"/api/v1/inbound", "/api/v1/outbound", "/api/v1/outbound/ack", "/api/v1/status"} <= set(doc["paths"])
    assert "platform_message_id" in doc["components"]["schemas"]["InboundMessage"]["properties"]
    assert not any(p.startswith("/chat") for p in doc["paths"])


def test_a_bad_write_in_a_round_fails_alone(gw):
    svc = gw.desk.gateway
    channel = svc.create_channel("qn", ChannelKind.PULL).channel.id

    def line(buyer, pid, order_no=None):
        return lambda s: svc.inbound_in(s, channel, external_id=buyer, nick=buyer, text="在吗",
                                        platform_message_id=pid, order_no=order_no)

    results = svc.batch([line("u1", "p-1"), line("u2", "p-2", order_no="<script>"), line("u3", "p-3"),
                         line("u1", "p-1")])
    assert [type(r).__name__ for r in results] == ["Inbound", "ValueRefused", "Inbound", "Inbound"]
    assert results[3].duplicate and results[3].message_id == results[0].message_id
    assert sorted(c.buyer_nick for c in gw.desk.chats.sessions()) == ["u1", "u3"]


def test_a_bridge_buyer_known_at_the_desk_writes_into_their_open_chat(gw):
    token = gw.desk.gateway.create_channel("qn", ChannelKind.PULL).token
    local = gw.desk.chats.inject("小李", "上午问过")  # the same nick, already chatting (e.g. from 千牛)
    asked = inbound(gw, token, "p-1", text="我又来了", nick="小李")
    assert asked.status_code == 200 and asked.json()["chat_id"] == local.chat_id
    (chat,) = gw.desk.chats.sessions()
    lines = gw.desk.chats.recent(chat.chat_id)
    assert [m.text for m in lines] == ["上午问过", "我又来了"]
    assert (chat.unread, chat.preview, chat.last_message_at) == (2, "我又来了", lines[-1].created_at)
    assert lines[-1].created_at.utcoffset() is not None and lines[-1].created_at >= lines[0].created_at
    other = inbound(gw, token, "p-2", text="换个号", buyer="u2", nick="小李").json()  # another buyer, same nick
    assert other["chat_id"] != local.chat_id
    assert {s.buyer_nick for s in gw.desk.chats.sessions()} == {"小李", "小李·qn-u2"}


def test_a_round_of_lines_leaves_what_the_lines_one_by_one_leave(gw):
    """A round's lines written together (on PostgreSQL one statement for the usual ones) leave the
    same chats, lines, order numbers and answers as the same lines each in a transaction of its own
    (a refused line makes its round go one by one: ``test_a_bad_write_in_a_round_fails_alone``)."""
    from sqlmodel import select

    from cs_console.services.gateway import RoundOp
    from cs_console.store.channels import ChannelBuyer

    svc = gw.desk.gateway

    def lines(channel, p):
        def line(buyer, pid, text="在吗", order_no=None):
            return RoundOp(svc.inbound_in, channel, external_id=buyer, nick=p + buyer, text=text,
                           platform_message_id=pid, order_no=order_no)
        first = [line("u1", "p-0"), line("u2", "p-00")]  # known buyers with open chats
        round_ = [line("u1", "p-1", "第一句"), line("u2", "p-2", "要这个", order_no="A100"),
                  line("u1", "p-1", "又一次"),  # the same platform id again in the round
                  line("u1", "p-3", "第二句", order_no="A200"), line("u3", "p-4", "新来的"),
                  line("u2", "p-00", "见过的"), line("u3", "p-6", "新来的又说"),
                  line("u2", "p-7", "还有")]
        return first, round_

    def left(channel, p, results):
        answers = [type(r).__name__ if isinstance(r, BaseException) else (r.buyer[2:], r.duplicate)
                   for r in results]
        chats = {c.buyer_nick[2:]: (c.status, c.unread, c.preview, [m.text for m in gw.desk.chats.recent(c.chat_id)])
                 for c in gw.desk.chats.sessions() if c.buyer_nick.startswith(p)}
        with gw.desk.store.read() as s:
            orders = sorted((x.external_id, x.order_no) for x in s.exec(select(ChannelBuyer).where(ChannelBuyer.channel_id == channel)))
        return answers, results[2].message_id == results[0].message_id, chats, orders

    a = svc.create_channel("qa", ChannelKind.PULL).channel.id
    b = svc.create_channel("qb", ChannelKind.PULL).channel.id
    first, round_ = lines(a, "a-")
    svc.batch(first)
    together = left(a, "a-", svc.batch(round_))
    first, round_ = lines(b, "b-")
    svc.batch(first)
    alone = left(b, "b-", [svc.batch([op])[0] for op in round_])
    assert together == alone
    answers, same_message, chats, orders = together
    assert answers[2] == ("u1", True) and same_message and answers[5] == ("u2", True)
    assert chats["u1"] == ("waiting", 3, "第二句", ["在吗", "第一句", "第二句"])
    assert chats["u2"] == ("waiting", 3, "还有", ["在吗", "要这个", "还有"])
    assert chats["u3"] == ("waiting", 2, "新来的又说", ["新来的", "新来的又说"])
    assert orders == [("u1", "A200"), ("u2", "A100"), ("u3", None)]
