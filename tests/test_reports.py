"""Report arithmetic on a seeded store; every expected figure below is computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cs_console.domain.aftersales import CaseState, Handling, Reason
from cs_console.domain.report import last_week, nearest_rank, week_of
from tests.order_seed import add_order
from tests.signin import add_agents

DAY = date(2026, 11, 23)


@pytest.fixture
def desk(any_desk):
    """Every store test of this module runs on SQLite and on PostgreSQL."""
    return add_agents(any_desk)


def at(clock, hh, mm, ss=0, day=0):
    """Set the fake clock to a Shanghai-local time on DAY (+day)."""
    clock.now = datetime(2026, 11, 23, hh - 8, mm, ss, tzinfo=UTC) + timedelta(days=day)
    return clock.now


def chat(desk, clock, buyer, hh, mm, agent=None, wait=0):
    at(clock, hh, mm)
    p = desk.chats.inject(buyer, "在吗")
    if agent:
        clock.advance(wait)
        desk.chats.send(p.chat_id, agent, "在的亲")
    return p.chat_id


@pytest.fixture
def seeded(desk, clock):
    add_order(desk, "O0", "A", placed_at=at(clock, 9, 0, day=-1), paid_at=at(clock, 9, 1, day=-1), amount="11.00")
    chat(desk, clock, "A", 10, 0, "小美", 25)
    chat(desk, clock, "B", 10, 5, "小美", 70)
    chat(desk, clock, "C", 11, 0, "阿杰", 250)
    d = chat(desk, clock, "D", 11, 10)
    clock.advance(600)
    desk.chats.close(d, "阿杰")
    chat(desk, clock, "E", 14, 0, "阿杰", 10)
    add_order(desk, "O1", "A", placed_at=at(clock, 10, 20), paid_at=at(clock, 10, 30), amount="59.90")
    add_order(desk, "O2", "B", placed_at=at(clock, 10, 20), paid_at=at(clock, 9, 0, day=1), amount="100.00")
    add_order(desk, "O3", "C", placed_at=at(clock, 11, 20), paid_at=at(clock, 12, 0, day=2), amount="20.00")
    add_order(desk, "O4", "X", placed_at=at(clock, 15, 0), paid_at=at(clock, 15, 20), amount="30.10")
    add_order(desk, "O5", "E", placed_at=at(clock, 14, 5), state="WAIT_BUYER_PAY", amount="45.00")
    at(clock, 12, 0)
    case = desk.cases.add("O1", "小美", Reason.COLOUR, Handling.GIFT)
    at(clock, 13, 0)
    desk.cases.move(case.id, CaseState.COMPENSATED, "小美")
    at(clock, 16, 0)
    desk.cases.move(case.id, CaseState.CLOSED, "小美")
    at(clock, 17, 0)
    return desk


def test_day_report_totals(seeded):
    r = seeded.reports.day(DAY)
    t = r.total
    assert (t.inquiries, t.served, t.converted, t.orders, t.sales) == (5, 4, 2, 2, Decimal("90.00"))
    fr = t.first_response
    assert (fr.count, fr.median, fr.p90, fr.over_warning, fr.over_breach, fr.unanswered) == (4, 47.5, 250, 2, 1, 1)
    assert fr.bonus_at_risk
    assert t.conversion == Decimal("40.0")
    assert (t.cases_opened, t.cases_closed) == (1, 1)


def test_day_report_per_agent(seeded):
    r = seeded.reports.day(DAY)
    mei, jie = {f.agent: f for f in r.agents}["小美"], {f.agent: f for f in r.agents}["阿杰"]
    assert (mei.inquiries, mei.served, mei.converted, mei.orders, mei.sales) == (2, 2, 2, 2, Decimal("159.90"))
    assert (mei.first_response.median, mei.first_response.p90, mei.first_response.over_warning,
            mei.first_response.over_breach, mei.first_response.bonus_at_risk) == (47.5, 70, 1, 0, False)
    assert mei.conversion == Decimal("100.0") and (mei.cases_opened, mei.cases_closed) == (1, 1)
    assert (jie.inquiries, jie.served, jie.converted, jie.orders, jie.sales) == (2, 2, 0, 0, Decimal("0.00"))
    assert (jie.first_response.median, jie.first_response.p90, jie.first_response.over_breach) == (130, 250, 1)
    assert jie.first_response.bonus_at_risk and jie.conversion == Decimal("0.0")
    assert [f.agent for f in seeded.reports.day(DAY, agent="阿杰").agents] == ["阿杰"]


def test_chart_series(seeded):
    r = seeded.reports.day(DAY)
    assert r.first_response_by_hour == {10: 47.5, 11: 250, 14: 10}
    assert r.sales_by_hour == {10: Decimal("59.90"), 15: Decimal("30.10")}
    assert r.conversion_by_agent == {"小美": Decimal("100.0"), "阿杰": Decimal("0.0")}


def test_conversion_window_is_configurable(seeded):
    seeded.policy.reports.conversion_window_hours = 1
    r = seeded.reports.day(DAY)
    assert r.total.converted == 1  # only A paid within an hour; B paid 23 h later
    assert {f.agent: f.orders for f in r.agents}["小美"] == 1


def test_week_report(seeded):
    r = seeded.reports.week(date(2026, 11, 25))
    assert (r.start, r.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert (r.total.orders, r.total.sales) == (4, Decimal("210.00"))  # O1 59.90 + O2 100 + O3 20 + O4 30.10
    assert r.total.inquiries == 5


def test_other_day_is_empty(seeded):
    r = seeded.reports.day(date(2026, 11, 21))
    assert r.agents == [] and r.total.orders == 0 and r.total.first_response.median is None


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9), ([25, 70, 250, 10], 90, 250), ([5], 90, 5), ([], 90, None),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, 10),
])
def test_nearest_rank(values, p, expected):
    assert nearest_rank(values, p) == expected


def test_weeks():
    assert week_of(date(2026, 11, 29)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert last_week(date(2026, 11, 23)) == (date(2026, 11, 16), date(2026, 11, 22))


def test_morning_checklist(seeded, clock):
    at(clock, 8, 30, day=1)
    assert seeded.reports.checklist_due("小美")
    m = seeded.reports.morning()
    assert m.day == DAY
    assert [c.order_no for c in m.cases] == ["O1"]
    assert [c.buyer for c in m.chats] == ["A", "B", "C", "D", "E"]
    seeded.reports.mark_checklist("小美")
    assert not seeded.reports.checklist_due("小美") and seeded.reports.checklist_due("阿杰")
    at(clock, 8, 30, day=2)
    assert seeded.reports.checklist_due("小美")


def test_chat_closed_without_reply_is_unanswered(desk, clock):
    chat_id = chat(desk, clock, "Q", 10, 0)
    clock.advance(5)
    desk.chats.close(chat_id, "小美")
    r = desk.reports.day(DAY)
    assert (r.total.first_response.unanswered, r.total.first_response.bonus_at_risk) == (1, True)
    assert (r.total.inquiries, r.total.served) == (1, 0)


@pytest.mark.parametrize(("paid_after", "converted"), [
    (timedelta(hours=24), 1),  # paid at the very end of the window: converts
    (timedelta(hours=24, microseconds=1), 0),  # a microsecond later: does not
    (timedelta(0), 1),  # paid the instant the chat started
])
def test_conversion_window_is_exact_to_the_microsecond(desk, clock, paid_after, converted):
    chat(desk, clock, "Q", 10, 0, "小美", 5)
    started = at(clock, 10, 0)
    add_order(desk, "W1", "Q", placed_at=started, paid_at=started + paid_after, amount="12.34")
    at(clock, 17, 0)
    r = desk.reports.day(DAY)
    agent = next(f for f in r.agents if f.agent == "小美")
    assert (r.total.converted, agent.converted, agent.orders) == (converted, converted, converted)
    assert agent.sales == (Decimal("12.34") if converted else Decimal("0.00"))


def test_sales_are_exact_sums_of_many_orders(desk, clock):
    """Money summed by the database stays exact: 300 orders of 0.01 … 3.00 yuan."""
    for i in range(1, 301):
        add_order(desk, f"S{i}", f"b{i % 7}", placed_at=at(clock, 12, 0), paid_at=at(clock, 12, i % 60),
                  amount=str(Decimal(i) / 100))
    at(clock, 17, 0)
    r = desk.reports.day(DAY)
    assert (r.total.orders, r.total.sales) == (300, Decimal("451.50"))
    assert r.sales_by_hour == {12: Decimal("451.50")}


@pytest.mark.parametrize(("waited", "unanswered"), [(200, 0), (201, 1)])
def test_waiting_chat_is_unanswered_once_past_breach_in_the_stored_report(desk, clock, waited, unanswered):
    """A chat still waiting counts as unanswered only once the wait passes `breach`."""
    chat(desk, clock, "Q", 10, 0)
    clock.advance(waited)
    fr = desk.reports.day(DAY).total.first_response
    assert (fr.unanswered, desk.reports.day(DAY).total.inquiries) == (unanswered, 1)


def test_conversions_join_each_order_to_its_buyers_chats_of_the_period_from_an_index(tmp_path):
    """At a year's store the conversion read must not visit every chat a paying buyer ever had:
    SQLite reads the chats of the period by (buyer, first message) from ``ix_chats_buyer_started``."""
    import sqlite3

    from cs_console.store.engine import open_store
    from cs_console.store.report_sql import sql as report_sql

    db = tmp_path / "s.db"
    open_store(str(db)).dispose()
    sql = report_sql("converted", "sqlite")
    params = {"t0": "2026-11-23 00:00:00", "t1": "2026-11-24 00:00:00", "orders_until": "2026-11-27 00:00:00",
              "hours": 72}
    with sqlite3.connect(db) as conn:
        plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert "ix_chats_buyer_started (buyer_id=? AND first_buyer_at>? AND first_buyer_at<?)" in plan, plan
