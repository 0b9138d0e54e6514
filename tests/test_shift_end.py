"""End-of-shift blockers: grey orders the agent handled today, unanswered buyers, pluggable."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cs_console.cli import app as cli_app
from cs_console.services.shift_end import Blocker
from cs_console.store.audit import record
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order
from tests.signin import add_agents, cli_as, sign_in


@pytest.fixture
def desk(any_desk):
    """Blocker queries (joins, local-day bounds) run on SQLite and on PostgreSQL."""
    return add_agents(any_desk)


def order(desk, no, buyer, *, flag="grey", state="PAID", days_ago=0):
    with desk.store.write() as s:
        b = ensure_buyer(s, buyer, desk.clock())
        s.add(Order(order_no=no, buyer_id=b.id, placed_at=desk.clock().replace(day=23 - days_ago),
                    state=state, flag=flag))


def test_blockers_grey_orders_and_unanswered_chats(desk, clock):
    order(desk, "A1", "小王")                       # chatted today → handled, grey → blocker
    order(desk, "A2", "小王", flag="red")           # flagged: fine
    order(desk, "A3", "小王", state="SUCCESS", days_ago=5)  # old finished order of the buyer: not handled
    order(desk, "B1", "小李")                       # nobody touched it: not this agent's
    order(desk, "C1", "小赵", state="SUCCESS")      # audited by 小美 today → handled
    order(desk, "D1", "小钱")                       # audited by someone else
    with desk.store.write() as s:
        record(s, at=clock(), agent="小美", entity="order", key="C1", field="remark", old="", new="顺丰")
        record(s, at=clock(), agent="阿强", entity="order", key="D1", field="remark", old="", new="x")
    p = desk.chats.inject("小王", "改地址")
    desk.chats.send(p.chat_id, "小美", "好的亲")
    desk.chats.inject("小孙", "在吗")                # waiting, nobody answered
    q = desk.chats.inject("小周", "在吗")
    desk.chats.send(q.chat_id, "阿强", "在的")
    desk.chats.inject("小周", "还有吗")              # 阿强's chat: not 小美's blocker
    got = desk.shift.blockers("小美")
    assert [(b.kind, b.key) for b in got] == [("grey_order", "A1"), ("grey_order", "C1"),
                                              ("unanswered_chat", str(desk.chats.chat_of("小孙").chat_id))]
    assert got[0].buyer == "小王" and "未插旗" in got[0].title
    # yesterday's work does not count today
    clock.advance(86400)
    assert [b.kind for b in desk.shift.blockers("小美")] == ["unanswered_chat"]


def test_blocker_to_note_in_one_step_then_marked_noted(desk, clock):
    order(desk, "A1", "小王")
    p = desk.chats.inject("小王", "改地址")
    desk.chats.send(p.chat_id, "小美", "好的亲")
    [b] = desk.shift.blockers("小美")
    n = desk.shift.to_note(b, "小美")
    assert (n.order_no, n.buyer, n.source, n.priority) == ("A1", "小王", "grey_order:A1", "high")
    assert [x.noted for x in desk.shift.blockers("小美")] == [True]
    assert desk.shift.all_to_notes("小美") == []  # nothing left to note


def test_blocker_providers_are_pluggable(desk):
    def cases(s, w):
        return [Blocker("aftersales", "7", f"售后 7 没有跟进（{w.agent}）", case_id="7")]

    desk.shift.providers = [*desk.shift.providers, cases]
    [b] = desk.shift.blockers("小美")
    assert b.title == "售后 7 没有跟进（小美）"
    [n] = desk.shift.all_to_notes("小美")
    assert n.case_id == "7"


def test_cli_shift_end(db_path, sqlite_desk):
    desk = sqlite_desk
    order(desk, "A1", "小王")
    p = desk.chats.inject("小王", "在吗")
    desk.chats.send(p.chat_id, sign_in(desk, "小美"), "在的")
    runner = CliRunner()
    env = cli_as(db_path, "小美")
    res = runner.invoke(cli_app, ["shift", "end", "--agent", "小美", "--db", str(db_path), "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert [b["key"] for b in json.loads(res.output)["blockers"]] == ["A1"]
    res = runner.invoke(cli_app, ["shift", "end", "--agent", "小美", "--db", str(db_path), "--notes", "--json"], env=env)
    data = json.loads(res.output)
    assert len(data["notes_written"]) == 1 and data["blockers"][0]["noted"] is True


def test_after_sales_cases_without_follow_up_today_block(desk, clock):
    from cs_console.domain.aftersales import Handling, Reason

    order(desk, "S1", "小孙", flag="red")
    order(desk, "S2", "小周", flag="red")
    order(desk, "S3", "小吴", flag="red")
    mine = desk.cases.add("S1", "小美", Reason.COLOUR, Handling.EXCHANGE)
    followed = desk.cases.add("S2", "小美", Reason.SIZE, Handling.EXCHANGE)
    desk.cases.add("S3", "阿强", Reason.QUALITY, Handling.EXCHANGE)  # someone else's case
    clock.advance(60)
    desk.cases.follow(followed.id, "小美", "已联系买家寄回")
    cases = [b for b in desk.shift.blockers("小美") if b.kind == "aftersales"]
    assert [(b.case_id, b.order_no, b.buyer) for b in cases] == [(str(mine.id), "S1", "小孙")]
    # tomorrow the followed case needs a fresh entry too
    clock.advance(hours=24)
    cases = [b for b in desk.shift.blockers("小美") if b.kind == "aftersales"]
    assert sorted(b.order_no for b in cases) == ["S1", "S2"]
