"""Broadcast (群发) on a real store: filters, per-buyer previews (privacy), send, record, rate limit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cs_console.domain.broadcast import parse_filter
from cs_console.domain.team import TeamRuleError
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order, OrderItem
from tests.team_backends import desk, team_url  # noqa: F401  (every test on SQLite and PostgreSQL)

TEXT = "亲 {buyer}，您的订单 {order_no}（{items}，{total}）还未付款哦"


def _order(desk, nick, no, state, hours_ago, title, price="59.00", tags=""):
    with desk.store.write() as s:
        now = desk.clock()
        buyer = ensure_buyer(s, nick, now)
        if tags:
            buyer.tags = tags
        o = Order(order_no=no, buyer_id=buyer.id, placed_at=now - timedelta(hours=hours_ago), state=state,
                  items_total=Decimal(price), amount=Decimal(price))
        s.add(o)
        s.flush()
        s.add(OrderItem(order_id=o.id, line_no=1, title=title, unit_price=Decimal(price)))


@pytest.fixture
def shop(desk):
    _order(desk, "小王", "T1001", "WAIT_BUYER_PAY", 2, "连体衣", tags="老客户, VIP")
    _order(desk, "阿依", "T2002", "WAIT_BUYER_PAY", 5, "袜子", "9.90")
    _order(desk, "老张", "T3003", "WAIT_BUYER_PAY", 30, "连体衣")  # older than 24 h
    _order(desk, "Lily", "T4004", "PAID", 1, "外套", tags="老客户")
    return desk


def test_unpaid_filter_previews_each_buyer_with_only_their_own_data(shop):
    plan = shop.broadcasts.preview(parse_filter("unpaid"), TEXT, "小美")
    lines = {ln.buyer: ln.text for ln in plan.lines}
    assert set(lines) == {"小王", "阿依"}
    assert lines["小王"] == "亲 小王，您的订单 T1001（连体衣 ×1，¥59.00）还未付款哦"
    assert lines["阿依"] == "亲 阿依，您的订单 T2002（袜子 ×1，¥9.90）还未付款哦"
    for ln in plan.lines:  # privacy: no other buyer's nick or order in anyone's preview
        others = [x for x in ("小王", "阿依", "老张", "Lily", "T1001", "T2002", "T3003", "T4004")
                  if x not in (ln.buyer, "T1001" if ln.buyer == "小王" else "T2002")]
        assert not any(o in ln.text for o in others)


@pytest.mark.parametrize("spec, buyers", [
    ("unpaid:48", {"小王", "阿依", "老张"}), ("item:连体衣", {"小王", "老张"}),
    ("tag:老客户", {"小王", "Lily"}), ("tag:VI", set()),
])
def test_filters(shop, spec, buyers):
    plan = shop.broadcasts.preview(parse_filter(spec), "亲 {buyer}", "小美")
    assert {ln.buyer for ln in plan.lines} == buyers


def test_send_records_and_uses_normal_outbound_messages(shop, clock):
    shop.chats.inject("小王", "在吗")  # has an open chat: the message goes there
    plan = shop.broadcasts.preview(parse_filter("unpaid"), TEXT, "小美")
    sent = shop.broadcasts.send(plan, TEXT, "小美")
    assert (sent.count, sent.skipped, sent.agent, sent.filter) == (2, 0, "小美", "unpaid:24h")
    wang = shop.chats.log("小王")
    assert wang[-1].sender == "agent" and wang[-1].author == "小美" and "T1001" in wang[-1].text
    assert "T2002" in shop.chats.log("阿依")[-1].text
    open_nicks = [c.buyer_nick for c in shop.chats.sessions()]
    assert open_nicks and "阿依" not in open_nicks  # no clutter in the session list
    assert shop.broadcasts.history()[0].count == 2
    # the same buyers again within the cooldown are skipped, so nothing is sent
    again = shop.broadcasts.preview(parse_filter("unpaid"), TEXT, "小美")
    assert len(again.lines) == 2 and all(ln.skip for ln in again.lines)
    with pytest.raises(TeamRuleError, match="没有"):
        shop.broadcasts.send(again, TEXT, "小美")


def test_missing_placeholder_skips_that_buyer(shop):
    plan = shop.broadcasts.preview(parse_filter("tag:老客户"), "{buyer} 您的快递 {tracking_no}", "小美")
    assert plan.lines and all("缺少" in ln.skip for ln in plan.lines)


def test_rate_limit_refuses_whole_broadcast(shop):
    shop.policy.team.broadcast_per_hour = 1
    plan = shop.broadcasts.preview(parse_filter("unpaid"), TEXT, "小美")
    with pytest.raises(TeamRuleError, match="频率"):
        shop.broadcasts.send(plan, TEXT, "小美")
    assert shop.broadcasts.history() == []
    assert shop.chats.log("阿依") == []


def test_unknown_placeholder_refused(shop):
    with pytest.raises(TeamRuleError, match="未知的占位符"):
        shop.broadcasts.preview(parse_filter("unpaid"), "{coupon}", "小美")


def test_a_broadcast_answers_nobody_waiting_buyers_keep_waiting(shop, clock):
    """A promotion is not a reply: the wait clock, first response and KPIs stay untouched."""
    shop.chats.inject("小王", "这件有M码吗")
    clock.advance(90)
    plan = shop.broadcasts.preview(parse_filter("unpaid"), "亲 {buyer}，新品上架", "阿强")
    shop.broadcasts.send(plan, "亲 {buyer}，新品上架", "阿强")
    chat = shop.chats.chat_of("小王")
    assert chat.status == "waiting" and chat.waiting_seconds(clock()) == 90
    assert chat.first_response_seconds is None and chat.agent is None
    assert shop.chats.log("小王")[-1].text == "亲 小王，新品上架"
