"""After-sales register: the case state machine (table-driven) and the case service on a real store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cs_console.domain.aftersales import (
    REASON_LABELS,
    CaseRuleError,
    CaseState,
    Handling,
    Reason,
    check_amount,
    check_transition,
    next_states,
    parse_enum,
)
from cs_console.store.audit import trail
from tests.order_seed import add_order

S = CaseState
H = Handling

TRANSITION_CASES = [
    # current, target, handling, allowed
    (S.OPEN, S.WAITING_RETURN, H.REFUND, True),
    (S.OPEN, S.REFUNDED, H.REFUND, True),  # refund without return (仅退款)
    (S.OPEN, S.REFUNDED, H.PARTIAL_REFUND, True),
    (S.OPEN, S.COMPENSATED, H.COUPON, True),
    (S.OPEN, S.COMPENSATED, H.GIFT, True),
    (S.OPEN, S.COMPENSATED, H.PRIORITY, True),
    (S.OPEN, S.EXCHANGED, H.EXCHANGE, False),  # an exchange needs the parcel back first
    (S.OPEN, S.COMPENSATED, H.REFUND, False),  # resolution must fit the handling
    (S.OPEN, S.REFUNDED, H.EXCHANGE, False),
    (S.OPEN, S.RECEIVED, H.REFUND, False),  # nothing to receive before waiting for it
    (S.OPEN, S.CLOSED, H.REFUND, True),  # withdrawn
    (S.OPEN, S.OPEN, H.REFUND, False),
    (S.WAITING_RETURN, S.RECEIVED, H.EXCHANGE, True),
    (S.WAITING_RETURN, S.REFUNDED, H.REFUND, False),  # wait for the parcel
    (S.WAITING_RETURN, S.CLOSED, H.REFUND, True),
    (S.RECEIVED, S.EXCHANGED, H.EXCHANGE, True),
    (S.RECEIVED, S.REFUNDED, H.REFUND, True),
    (S.RECEIVED, S.CLOSED, H.REFUND, False),  # received parcel must be settled first
    (S.RECEIVED, S.WAITING_RETURN, H.REFUND, False),
    (S.REFUNDED, S.CLOSED, H.REFUND, True),
    (S.EXCHANGED, S.CLOSED, H.EXCHANGE, True),
    (S.COMPENSATED, S.CLOSED, H.GIFT, True),
    (S.REFUNDED, S.OPEN, H.REFUND, False),
    (S.CLOSED, S.OPEN, H.REFUND, False),
    (S.CLOSED, S.REFUNDED, H.REFUND, False),
]


@pytest.fixture
def desk(any_desk):
    """Every store test of this module runs on SQLite and on PostgreSQL."""
    return any_desk


@pytest.mark.parametrize(("current", "target", "handling", "allowed"), TRANSITION_CASES)
def test_transition_rules(current, target, handling, allowed):
    if allowed:
        check_transition(current, target, handling)
        assert target in next_states(current, handling)
    else:
        with pytest.raises(CaseRuleError):
            check_transition(current, target, handling)
        assert target not in next_states(current, handling)


@pytest.mark.parametrize(("handling", "amount", "ok"), [
    (H.REFUND, Decimal("59.90"), True),
    (H.REFUND, None, False),
    (H.REFUND, Decimal("0"), False),
    (H.PARTIAL_REFUND, Decimal("10.00"), True),
    (H.COUPON, Decimal("5.00"), True),
    (H.COUPON, None, False),
    (H.EXCHANGE, None, True),
    (H.EXCHANGE, Decimal("3.00"), False),
    (H.GIFT, None, True),
    (H.PRIORITY, None, True),
])
def test_amount_rules(handling, amount, ok):
    if ok:
        check_amount(handling, amount)
    else:
        with pytest.raises(CaseRuleError):
            check_amount(handling, amount)


@pytest.mark.parametrize(("text", "member"), [("size", Reason.SIZE), ("尺码", Reason.SIZE), ("色差", Reason.COLOUR),
                                              ("错发/漏发", Reason.WRONG_ITEM), (" quality ", Reason.QUALITY)])
def test_parse_reason(text, member):
    assert parse_enum(Reason, REASON_LABELS, text) == member


def test_parse_reason_refuses_unknown():
    with pytest.raises(CaseRuleError, match="可选"):
        parse_enum(Reason, REASON_LABELS, "心情不好")


def test_case_lifecycle_with_follow_ups_and_audit(desk, clock):
    p = desk.chats.inject("小王", "衣服颜色和图片不一样")
    add_order(desk, "T1001", "小王", placed_at=clock(), amount="59.90", paid_at=clock())
    case = desk.cases.add("T1001", "小美", Reason.COLOUR, Handling.REFUND, amount=Decimal("59.90"), note="偏暗")
    assert case.chat_id == p.chat_id and case.buyer == "小王" and case.state == S.OPEN
    assert case.amount == Decimal("59.90")
    clock.advance(60)
    desk.cases.move(case.id, S.WAITING_RETURN, "小美", return_tracking_no="YT123")
    desk.cases.follow(case.id, "小美", "买家已寄回")
    with pytest.raises(CaseRuleError):
        desk.cases.move(case.id, S.REFUNDED, "小美")
    desk.cases.move(case.id, S.RECEIVED, "仓库")
    desk.cases.move(case.id, S.REFUNDED, "小美")
    closed = desk.cases.move(case.id, S.CLOSED, "小美")
    assert closed.closed_at == clock() and closed.return_tracking_no == "YT123"
    view, notes = desk.cases.show(case.id)
    assert [n.text for n in notes] == ["买家已寄回"]
    with desk.store.read() as s:
        rows = [(r.field, r.old, r.new, r.agent) for r in trail(s, "case", str(case.id))]
    assert rows == [
        ("created", "", "T1001 色差 退款 59.90", "小美"),
        ("state", "open", "waiting_return", "小美"),
        ("return_tracking_no", "", "YT123", "小美"),
        ("followup", "", "买家已寄回", "小美"),
        ("state", "waiting_return", "received", "仓库"),
        ("state", "received", "refunded", "小美"),
        ("state", "refunded", "closed", "小美"),
    ]
    assert desk.cases.open_cases() == []


def test_refused_changes_write_nothing(desk, clock):
    add_order(desk, "T1", "a", placed_at=clock())
    with pytest.raises(CaseRuleError):
        desk.cases.add("T1", "小美", Reason.SIZE, Handling.REFUND)  # no amount
    with pytest.raises(LookupError):
        desk.cases.add("NOPE", "小美", Reason.SIZE, Handling.EXCHANGE)
    case = desk.cases.add("T1", "小美", Reason.SIZE, Handling.EXCHANGE)
    with pytest.raises(CaseRuleError):
        desk.cases.move(case.id, S.EXCHANGED, "小美")
    with desk.store.read() as s:
        assert [r.field for r in trail(s, "case", str(case.id))] == ["created"]


def test_open_cases_oldest_first_and_green_flag_shows_with_waiting_case(desk, clock):
    add_order(desk, "A", "a", placed_at=clock(), flag="green")
    add_order(desk, "B", "b", placed_at=clock())
    first = desk.cases.add("A", "小美", Reason.QUALITY, Handling.EXCHANGE)
    clock.advance(100)
    desk.cases.add("B", "小美", Reason.SIZE, Handling.GIFT)
    desk.cases.move(first.id, S.WAITING_RETURN, "小美")
    cases = desk.cases.open_cases()
    assert [c.order_no for c in cases] == ["A", "B"]
    assert cases[0].state == S.WAITING_RETURN and cases[0].return_received_flag
    assert not cases[1].return_received_flag
    assert cases[0].age_seconds(clock()) == 100
