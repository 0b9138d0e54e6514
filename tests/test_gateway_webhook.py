"""Webhook delivery from a real gateway to real local receivers: signed, same delivery id on every
attempt, retries on 5xx, final on 4xx, failed → 重发 delivers; kill -9 mid-delivery loses nothing;
broadcasts go through the outbox spaced out per channel."""

from __future__ import annotations

import signal
import socket

import httpx
import pytest

from cs_console.domain.gateway import ChannelKind
from tests.gateway_fixtures import (
    free_port,
    running_gateway,
    serve_process,
    wait_until,
    webhook_receiver,
)

FAST = {"retry_base_seconds": 0.05, "webhook_timeout": 2.0}


def channel_with(desk, url, attempts=6):
    made = desk.gateway.create_channel("qn", ChannelKind.WEBHOOK, webhook_url=url, max_attempts=attempts)
    return made.token, made.webhook_secret


def say(url, token, pid="p-1", buyer="u1", text="在吗"):
    r = httpx.post(url + "/api/v1/inbound", headers={"authorization": f"Bearer {token}"},
                   json={"buyer_id": buyer, "nick": f"买家{buyer}", "text": text, "platform_message_id": pid})
    assert r.status_code == 200, r.text
    return r.json()["chat_id"]


def status_of(desk, message_id):
    return desk.gateway.statuses([message_id]).get(message_id, ("", ""))


@pytest.fixture
def url(store_url):
    return store_url


def test_fails_twice_then_succeeds_same_delivery_id_signed(url):
    with webhook_receiver(codes=[503, 500, 200]) as rec, running_gateway(url, **FAST) as gw:
        token, rec.secret = channel_with(gw.desk, rec.url)
        chat_id = say(gw.url, token)
        posted = gw.desk.chats.send(chat_id, "小美", "您好，在的")
        wait_until(lambda: status_of(gw.desk, posted.message_id)[0] == "delivered")
        assert len(rec.got) == 3, "one request per attempt"
        assert len({g.delivery_id for g in rec.got}) == 1 and rec.got[0].delivery_id
        assert [g.attempt for g in rec.got] == [1, 2, 3]
        assert all(g.signature_ok for g in rec.got)
        assert rec.got[0].body["message"]["text"] == "您好，在的" and rec.got[0].body["buyer_id"] == "u1"
        assert rec.got[0].body["delivery_id"] == rec.got[0].delivery_id


def test_always_failing_receiver_marks_failed_and_resend_delivers_same_id(url):
    with webhook_receiver(codes=[500]) as rec, running_gateway(url, **FAST) as gw:
        token, rec.secret = channel_with(gw.desk, rec.url, attempts=3)
        posted = gw.desk.chats.send(say(gw.url, token), "小美", "稍等")
        wait_until(lambda: status_of(gw.desk, posted.message_id)[0] == "failed")
        status, error = status_of(gw.desk, posted.message_id)
        assert "3 次尝试均失败" in error and "500" in error
        assert len(rec.got) == 3
        rec.codes = [200]  # the receiver recovers
        assert gw.desk.gateway.resend_failed(gw.desk.chats.summary(posted.chat_id).chat_id) == 1
        wait_until(lambda: status_of(gw.desk, posted.message_id)[0] == "delivered")
        assert len(rec.got) == 4 and len({g.delivery_id for g in rec.got}) == 1
        assert rec.got[-1].signature_ok


def test_other_4xx_is_final_after_one_attempt(url):
    with webhook_receiver(codes=[400]) as rec, running_gateway(url, **FAST) as gw:
        token, rec.secret = channel_with(gw.desk, rec.url)
        posted = gw.desk.chats.send(say(gw.url, token), "小美", "您好")
        wait_until(lambda: status_of(gw.desk, posted.message_id)[0] == "failed")
        assert status_of(gw.desk, posted.message_id)[1] == "接收方返回 HTTP 400"
        assert len(rec.got) == 1


def test_unreachable_receiver_is_retried_then_failed(url):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    s.close()  # nobody listens there
    with running_gateway(url, **FAST) as gw:
        token, _ = channel_with(gw.desk, dead, attempts=2)
        posted = gw.desk.chats.send(say(gw.url, token), "小美", "您好")
        wait_until(lambda: status_of(gw.desk, posted.message_id)[0] == "failed")
        assert "无法连接接收方" in status_of(gw.desk, posted.message_id)[1]
        assert gw.desk.gateway.delivery(posted.message_id).attempts == 2


def _serve(db_url, port):
    return serve_process(db_url, port, "--retry-base", "0.05", "--webhook-timeout", "1", "--lease-margin", "0.5")


def _up(port) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_kill_9_mid_delivery_then_restart_delivers(url):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    desk = make_desk(url, policy=load_policy())
    desk.team.add_agent("小美")
    with webhook_receiver(codes=[200], hang_first=3.0) as rec:
        token, rec.secret = channel_with(desk, rec.url)
        port = free_port()
        first = _serve(url, port)
        try:
            wait_until(lambda: _up(port), 20)
            posted = desk.chats.send(say(f"http://127.0.0.1:{port}", token), "小美", "您好，在的")
            wait_until(lambda: rec.got, 10)  # the gateway is mid-delivery (the receiver holds it)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert status_of(desk, posted.message_id)[0] == "sent"
        finally:
            first.kill()
        second = _serve(url, port)
        try:
            wait_until(lambda: status_of(desk, posted.message_id)[0] == "delivered", 30)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)
        assert len(rec.got) >= 2 and len({g.delivery_id for g in rec.got}) == 1
        assert all(g.signature_ok for g in rec.got)
    desk.close()


def test_broadcast_goes_through_the_outbox_spaced_per_channel(url):
    from sqlmodel import select

    from cs_console.domain.broadcast import parse_filter
    from cs_console.store.tables import Buyer, OutboxEntry

    with webhook_receiver(codes=[200]) as rec, running_gateway(url, **FAST) as gw:
        made = gw.desk.gateway.create_channel("qn", ChannelKind.WEBHOOK, webhook_url=rec.url,
                                              broadcast_per_minute=120)
        rec.secret = made.webhook_secret
        for n in range(3):
            say(gw.url, made.token, pid=f"p-{n}", buyer=f"u{n}")
        with gw.desk.store.write() as s:
            for b in s.exec(select(Buyer)).all():
                b.tags = "vip"
        plan = gw.desk.broadcasts.preview(parse_filter("tag:vip"), "新品上架", "小美")
        assert len(plan.sendable) == 3
        gw.desk.broadcasts.send(plan, "新品上架", "小美")
        wait_until(lambda: len(rec.got) == 3, 15)
        assert {g.body["buyer_id"] for g in rec.got} == {"u0", "u1", "u2"}
        assert all(g.body["broadcast"] and g.signature_ok for g in rec.got)
        with gw.desk.store.read() as s:
            due = sorted(e.next_attempt_at for e in s.exec(select(OutboxEntry)).all())
        gaps = [(b - a).total_seconds() for a, b in zip(due, due[1:], strict=False)]
        assert gaps == [pytest.approx(0.5, abs=0.01)] * 2


@pytest.mark.postgres
def test_two_gateways_on_postgresql_share_the_outbox(pg_url):
    from collections import Counter

    with webhook_receiver(codes=[200]) as rec, running_gateway(pg_url, **FAST) as a, \
            running_gateway(pg_url, **FAST, worker="gateway-b") as b:
        token, rec.secret = channel_with(a.desk, rec.url)
        chats = [say((a, b)[n % 2].url, token, pid=f"p-{n}", buyer=f"u{n}") for n in range(20)]
        posted = [a.desk.chats.send(c, "小美", f"回复{n}") for n, c in enumerate(chats)]
        wait_until(lambda: all(status_of(a.desk, p.message_id)[0] == "delivered" for p in posted), 30)
        per_delivery = Counter(g.delivery_id for g in rec.got)
        assert len(per_delivery) == 20 and set(per_delivery.values()) == {1}, "each reply delivered once"
        with a.desk.store.read() as s:
            from sqlmodel import select

            from cs_console.store.tables import OutboxEntry

            assert {e.attempts for e in s.exec(select(OutboxEntry)).all()} == {1}
