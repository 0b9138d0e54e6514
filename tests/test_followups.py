"""Follow-up detection (unpaid orders, buyers not served), review import with bad rows, memos."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs_console.domain.followups import FollowupKind, Rating, parse_rating
from cs_console.services.followups import ReviewImportError
from tests.order_seed import add_order
from tests.signin import add_agents


@pytest.fixture
def desk(any_desk):
    """Every store test of this module runs on SQLite and on PostgreSQL."""
    return add_agents(any_desk)


def test_unpaid_listed_after_configured_time_and_reminder_opens_chat(desk, clock):
    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY", amount="45.00")
    add_order(desk, "P1", "小李", placed_at=clock(), state="PAID", amount="10.00")
    clock.advance(minutes=29)
    assert desk.followups.unpaid() == []
    clock.advance(minutes=1)
    [u] = desk.followups.unpaid()
    assert (u.order_no, u.buyer, u.contacted_at) == ("U1", "小李", None)
    opened = desk.followups.remind_unpaid("U1", "小美")
    assert "连体衣 粉色/73 ×1" in opened.draft and "{items}" not in opened.draft
    assert desk.chats.draft(opened.chat_id, "小美")[0] == opened.draft
    assert desk.followups.unpaid(include_contacted=False) == []
    [u] = desk.followups.unpaid()
    assert u.contacted_by == "小美" and u.contacted_at == clock()
    # the agent-started chat is in the session list, nobody is "waiting"
    [s] = desk.chats.sessions()
    assert s.chat_id == opened.chat_id and s.waiting_since is None


def test_reminder_reuses_the_buyers_open_chat(desk, clock):
    p = desk.chats.inject("小李", "在吗")
    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY")
    clock.advance(minutes=31)
    assert desk.followups.remind_unpaid("U1", "小美").chat_id == p.chat_id


def test_unserved_buyers_until_each_has_a_record(desk, clock):
    a = desk.chats.inject("nobody", "在吗")  # ended without any reply
    desk.chats.close(a.chat_id, "小美")
    b = desk.chats.inject("left", "在吗")  # answered once, then left while waiting
    desk.chats.send(b.chat_id, "小美", "在的")
    desk.chats.inject("left", "还有货吗")
    desk.chats.close(b.chat_id, "小美")
    c = desk.chats.inject("served", "在吗")  # served properly
    desk.chats.send(c.chat_id, "小美", "在的")
    desk.chats.close(c.chat_id, "小美")
    desk.chats.inject("still", "在吗")  # open and unanswered, but only just
    pending = desk.followups.unserved()
    assert [(u.buyer, u.reason) for u in pending] == [("nobody", "无人回复"), ("left", "买家等待中离开")]
    clock.advance(minutes=30)
    assert [u.buyer for u in desk.followups.unserved()] == ["nobody", "left", "still"]
    with pytest.raises(ValueError):
        desk.followups.record(FollowupKind.UNSERVED, str(a.chat_id), "小美", " ")
    desk.followups.record(FollowupKind.UNSERVED, str(a.chat_id), "小美", "已留言道歉并发优惠券")
    assert [u.buyer for u in desk.followups.unserved()] == ["left", "still"]
    done = [u for u in desk.followups.unserved(pending_only=False) if u.buyer == "nobody"]
    assert done[0].record == "已留言道歉并发优惠券"


@pytest.mark.parametrize(("text", "rating"), [("差评", Rating.BAD), ("中评", Rating.NEUTRAL), ("好评", Rating.GOOD),
                                              ("bad", Rating.BAD), ("1", Rating.BAD), ("3", Rating.NEUTRAL),
                                              ("5", Rating.GOOD)])
def test_parse_rating(text, rating):
    assert parse_rating(text) == rating


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "reviews.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_review_import_and_follow_up(desk, clock, tmp_path):
    p = write(tmp_path, "订单号,买家,评价,内容,日期\nR1,小王,差评,颜色发暗,2026-11-22\n"
                        "R2,小张,好评,很好,2026-11-22\nR3,小赵,中评,物流慢,2026/11/21\n")
    assert desk.followups.import_reviews(p) == (3, 0)
    assert desk.followups.import_reviews(p) == (0, 3)  # idempotent
    assert [r.order_no for r in desk.followups.reviews()] == ["R3", "R1"]
    opened = desk.followups.follow_review(desk.followups.reviews()[1].id, "小美")
    # the team's quick reply `cp` (差评回访), filled from this buyer's chat
    assert "不太满意" in opened.draft and "小美" in opened.draft and opened.buyer == "小王"
    assert [r.order_no for r in desk.followups.reviews()] == ["R3"]


def test_review_import_bad_rows_refuse_the_file(desk, tmp_path):
    p = write(tmp_path, "order_no,buyer,rating,text,date\nR1,小王,差评,x,2026-11-22\n,小王,差评,x,2026-11-22\n"
                        "R3,小赵,很差,x,2026-11-22\nR4,小赵,差评,x,昨天\nR5,only\n")
    with pytest.raises(ReviewImportError) as err:
        desk.followups.import_reviews(p)
    assert err.value.problems == [
        f"{p}:3: 订单号为空",
        f"{p}:4: 无效的评价等级 '很差'（好评/中评/差评 或 1–5）",
        f"{p}:5: 无效的日期 '昨天'（YYYY-MM-DD）",
        f"{p}:6: 列数不足（2 < 5）",
    ]
    assert desk.followups.reviews(pending_only=False) == []
    with pytest.raises(ReviewImportError, match=":1: 缺少列: rating"):
        desk.followups.import_reviews(write(tmp_path, "order_no,buyer,text,date\n"))


def test_memos_per_agent_and_searchable(desk, clock):
    desk.memos.add("小美", "问仓库: 粉色73码什么时候到货")
    desk.memos.add("小美", "退款流程要改", buyer="小王", order_no="T1")
    desk.memos.add("阿杰", "退款单太多")
    assert [m.text for m in desk.memos.search("小美")] == ["退款流程要改", "问仓库: 粉色73码什么时候到货"]
    assert [m.text for m in desk.memos.search("小美", "退款")] == ["退款流程要改"]
    assert [m.text for m in desk.memos.search("小美", "小王")] == ["退款流程要改"]
    assert [m.text for m in desk.memos.search("小美", "T1")] == ["退款流程要改"]


def test_an_empty_memo_is_refused_with_the_catalogue_sentence(desk, clock):
    """The agent reads why (not an internal error), and the error log gets the code only."""
    from cs_console.domain.memos import MemoRefused
    from cs_console.services.errors import user_message

    with pytest.raises(MemoRefused) as refused:
        desk.memos.add("小美", "  ")
    assert refused.value.code == "memo.empty"
    assert user_message(refused.value) == "备忘内容不能为空"
    assert desk.memos.search("小美") == []


def test_alternative_flag_convention_flags_contacted_unpaid_orders(desk, clock):
    from sqlmodel import select

    from cs_console.store.audit import trail
    from cs_console.store.tables import Order

    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY", flag="purple")
    clock.advance(minutes=31)
    desk.followups.remind_unpaid("U1", "小美")  # default convention: no flag change
    with desk.store.read() as s:
        assert s.exec(select(Order.flag).where(Order.order_no == "U1")).one() == "purple"
    desk.policy.followups.contacted_flag = "blue"
    desk.followups.remind_unpaid("U1", "小美")
    with desk.store.read() as s:
        assert s.exec(select(Order.flag).where(Order.order_no == "U1")).one() == "blue"
        [row] = trail(s, "order", "U1")
    assert (row.field, row.old, row.new, row.agent) == ("flag", "purple", "blue", "小美")
    assert row.reason.startswith("催付已联系")


def test_reminder_names_the_unpaid_orders_items_not_the_latest_orders(desk, clock):
    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY", title="连体衣")
    clock.advance(minutes=40)
    add_order(desk, "P2", "小李", placed_at=clock(), paid_at=clock(), state="PAID", title="袜子")
    draft = desk.followups.remind_unpaid("U1", "小美").draft
    assert "连体衣" in draft and "袜子" not in draft


@pytest.mark.parametrize(("closed", "answered", "waiting", "silent_min", "reason"), [
    (True, False, True, 0, "无人回复"),  # ended without any agent reply
    (True, True, True, 0, "买家等待中离开"),  # answered once, ended while the buyer waited
    (True, True, False, 0, None),  # served and ended
    (False, False, True, 29, None),  # still waiting, not yet "left"
    (False, False, True, 30, "无人回复"),  # silent 30 min while nobody answered
    (False, True, True, 30, "买家等待中离开"),
    (False, True, False, 90, None),  # open, answered, nothing pending
])
def test_unserved_reason(closed, answered, waiting, silent_min, reason):
    from datetime import UTC, datetime, timedelta

    from cs_console.domain.followups import unserved_reason
    from cs_console.domain.shop import FollowupSettings

    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    last = now - timedelta(minutes=silent_min)
    assert unserved_reason(closed=closed, answered=answered, waiting_since=last if waiting else None,
                           last_message_at=last, now=now, s=FollowupSettings()) == reason


def test_follow_up_texts_come_from_quick_replies_else_the_configured_text(desk, clock):
    add_order(desk, "U1", "小李", placed_at=clock(), state="WAIT_BUYER_PAY", title="连体衣")
    clock.advance(minutes=31)
    cf = desk.replies.get("cf", "小美")
    assert cf is not None and "{items}" in cf.text
    draft = desk.followups.remind_unpaid("U1", "小美").draft
    assert draft == cf.text.replace("{items}", "连体衣 粉色/73 ×1")
    desk.policy.followups.unpaid_reply_code = "no-such-code"
    assert desk.followups.remind_unpaid("U1", "小美").draft.startswith("亲，您好！看到您拍下了连体衣 粉色/73 ×1还没有付款哦")


def test_memo_promoted_to_a_handover_note(desk, clock):
    add_order(desk, "T9", "小王", placed_at=clock())
    memo = desk.memos.add("小美", "小王要换尺码，等仓库回复", order_no="T9")
    note = desk.memos.promote(memo.id, "小美")
    assert note.text == "小王要换尺码，等仓库回复" and note.order_no == "T9" and note.buyer == "小王"
    assert [n.text for n in desk.handover.notes()] == ["小王要换尺码，等仓库回复"]
    assert desk.memos.search("小美")[0].promoted_at == clock()
    with pytest.raises(ValueError, match="已转入"):
        desk.memos.promote(memo.id, "小美")
    with pytest.raises(LookupError):
        desk.memos.promote(memo.id, "阿杰")  # another agent's memo


def test_follow_up_refused_while_another_agent_serves_the_buyer(desk, clock, tmp_path):
    p = write(tmp_path, "订单号,买家,评价,内容,日期\nR1,小王,差评,颜色发暗,2026-11-22\n")
    desk.followups.import_reviews(p)
    chat = desk.chats.inject("小王", "在吗").chat_id
    desk.chats.send(chat, "主管A", "在的亲")  # 主管A now serves 小王
    review = desk.followups.reviews()[0]
    with pytest.raises(LookupError, match="正由 主管A 接待"):
        desk.followups.follow_review(review.id, "小美")
    assert [r.order_no for r in desk.followups.reviews()] == ["R1"]  # nothing recorded
    assert desk.chats.draft(chat, "小美") == ("", 0)
