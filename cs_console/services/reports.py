"""Day / week reports (日报 / 周报) and the morning checklist, computed from the store.

Definitions (also in ``docs``/the report screen's help):
- inquiries: distinct buyers whose chat started in the period (per agent: those the agent answered);
- served: chats of the period an agent answered (the chat's first answering agent);
- first response: ``response_records`` marked first whose reply falls in the period, by replier;
  unanswered = chats of the period nobody answered (total only: nobody to charge them to);
- converted: buyers of those chats who paid an order within ``reports.conversion_window_hours``
  of the chat's start; per agent, orders/sales are those converted orders;
- total orders/sales: every order paid in the period;
- cases opened/closed: by the agent who created / closed the case.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from cs_console.domain.aftersales import REASON_LABELS, STATE_LABELS, CaseView
from cs_console.domain.chat import ChatStatus
from cs_console.domain.clock import Clock
from cs_console.domain.followups import ReviewView
from cs_console.domain.report import (
    COLUMNS,
    AgentFigures,
    Report,
    day_window,
    first_response_stats,
    local_date,
    local_hour,
    report_rows,
)
from cs_console.domain.shop import ShopPolicy
from cs_console.store import aftersales as case_repo
from cs_console.store.engine import Store
from cs_console.store.tables import (
    AfterSaleCase,
    Agent,
    Buyer,
    Chat,
    ChecklistMark,
    Order,
    ResponseRecord,
)

TOTAL = "合计"


@dataclass(frozen=True, slots=True)
class ChatLogEntry:
    chat_id: int
    buyer: str
    agent: str
    opened_at: datetime
    messages: int
    first_response_seconds: float | None


@dataclass(frozen=True, slots=True)
class MorningChecklist:
    """早上三件事: yesterday's after-sales cases, reviews to follow up, yesterday's chats to read."""

    day: date  # yesterday
    cases: list[CaseView]
    reviews: list[ReviewView]
    chats: list[ChatLogEntry]


class ReportService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock, followups=None):
        self.store, self.policy, self.clock, self.followups = store, policy, clock, followups

    @property
    def tz(self) -> str:
        return self.policy.shop.timezone

    def today(self) -> date:
        return local_date(self.clock(), self.tz)

    # reports ------------------------------------------------------------------------------------
    def day(self, day: date, agent: str | None = None) -> Report:
        return self.period("day", day, day, agent)

    def week(self, any_day: date, agent: str | None = None) -> Report:
        monday = any_day - timedelta(days=any_day.weekday())
        return self.period("week", monday, monday + timedelta(days=6), agent)

    def period(self, kind: str, first: date, last: date, agent: str | None = None) -> Report:
        t0, _ = day_window(first, self.tz)
        _, t1 = day_window(last, self.tz)
        window = timedelta(hours=self.policy.reports.conversion_window_hours)
        now, breach = self.clock(), self.policy.response.breach
        with self.store.read() as s:
            names = dict(s.exec(select(Agent.id, Agent.name)).all())
            rows: dict[str, AgentFigures] = {}

            def row(name: str) -> AgentFigures:
                return rows.setdefault(name, AgentFigures(name))

            total = AgentFigures(TOTAL)
            # columns, not entities: every datetime costs a conversion (bench/reports.py)
            chats = s.exec(select(Chat.buyer_id, Chat.agent_id, Chat.first_buyer_at, Chat.first_response_seconds,
                                  Chat.status).where(Chat.first_buyer_at >= t0, Chat.first_buyer_at < t1)).all()
            buyers_all: set[int] = set()
            buyers_by_agent: dict[str, set[int]] = defaultdict(set)
            unanswered = 0
            for c in chats:
                buyers_all.add(c.buyer_id)
                if c.first_response_seconds is None and (
                        c.status == ChatStatus.CLOSED or (now - c.first_buyer_at).total_seconds() > breach):
                    unanswered += 1  # a buyer still waiting counts once the wait passes `breach`
                if c.agent_id is not None and c.first_response_seconds is not None:
                    name = names[c.agent_id]
                    row(name).served += 1
                    total.served += 1
                    buyers_by_agent[name].add(c.buyer_id)
            total.inquiries = len(buyers_all)
            for name, ids in buyers_by_agent.items():
                row(name).inquiries = len(ids)

            # conversion: an order paid within the window after a chat of the period started
            orders = self._paid_orders(s, {c.buyer_id for c in chats}, t0, t1 + window)
            converted_all: set[int] = set()
            converted_by_agent: dict[str, set[int]] = defaultdict(set)
            orders_by_agent: dict[str, dict[int, Decimal]] = defaultdict(dict)
            for c in chats:
                start = c.first_buyer_at
                for order_id, paid_at, amount in orders.get(c.buyer_id, []):
                    if start <= paid_at <= start + window:
                        converted_all.add(c.buyer_id)
                        if c.agent_id is not None and c.first_response_seconds is not None:
                            name = names[c.agent_id]
                            converted_by_agent[name].add(c.buyer_id)
                            orders_by_agent[name][order_id] = amount
            total.converted = len(converted_all)
            for name, ids in converted_by_agent.items():
                row(name).converted = len(ids)
                row(name).orders = len(orders_by_agent[name])
                row(name).sales = sum(orders_by_agent[name].values(), Decimal("0.00"))

            # first responses (from response_records)
            seconds_by_agent: dict[str, list[float]] = defaultdict(list)
            seconds_all: list[float] = []
            by_hour: dict[int, list[float]] = defaultdict(list)
            for agent_id, replied_at, seconds in s.exec(
                    select(ResponseRecord.agent_id, ResponseRecord.replied_at, ResponseRecord.seconds)
                    .where(ResponseRecord.first, ResponseRecord.replied_at >= t0, ResponseRecord.replied_at < t1)).all():
                seconds_all.append(seconds)
                by_hour[local_hour(replied_at, self.tz)].append(seconds)
                if agent_id is not None:
                    seconds_by_agent[names[agent_id]].append(seconds)
            t = self.policy.response
            total.first_response = first_response_stats(seconds_all, unanswered, t)
            for name, secs in seconds_by_agent.items():
                row(name).first_response = first_response_stats(secs, 0, t)

            # the day's orders and sales
            sales_by_hour: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
            for paid_at, amount in s.exec(select(Order.paid_at, Order.amount)
                                          .where(Order.paid_at >= t0, Order.paid_at < t1)).all():
                total.orders += 1
                total.sales += amount
                sales_by_hour[local_hour(paid_at, self.tz)] += amount

            # after-sales
            for who in s.exec(select(AfterSaleCase.created_by).where(AfterSaleCase.created_at >= t0,
                                                                     AfterSaleCase.created_at < t1)).all():
                total.cases_opened += 1
                row(who).cases_opened += 1
            for who in s.exec(select(AfterSaleCase.closed_by).where(AfterSaleCase.closed_at >= t0,
                                                                    AfterSaleCase.closed_at < t1)).all():
                total.cases_closed += 1
                row(who).cases_closed += 1

        for f in rows.values():
            if f.first_response is None:
                f.first_response = first_response_stats([], 0, self.policy.response)
        agents = sorted(rows.values(), key=lambda f: f.agent)
        if agent:
            agents = [f for f in agents if f.agent == agent] or [AgentFigures(agent, first_response=first_response_stats([], 0, self.policy.response))]
        return Report(
            kind=kind, start=first, end=last, agents=agents, total=total,
            first_response_by_hour={h: statistics.median(v) for h, v in sorted(by_hour.items())},
            sales_by_hour=dict(sorted(sales_by_hour.items())),
            conversion_by_agent={f.agent: f.conversion for f in agents if f.conversion is not None},
        )

    @staticmethod
    def _paid_orders(s: Session, buyer_ids: set[int], t0: datetime, t1: datetime) -> dict[int, list[tuple]]:
        """buyer id → [(order id, paid at, amount)] paid in [t0, t1)."""
        out: dict[int, list[tuple]] = defaultdict(list)
        if not buyer_ids:
            return out
        for buyer_id, order_id, paid_at, amount in s.exec(
                select(Order.buyer_id, Order.id, Order.paid_at, Order.amount)
                .where(Order.paid_at >= t0, Order.paid_at < t1)).all():
            if buyer_id in buyer_ids:  # filtered here: an IN list of thousands of ids is slower
                out[buyer_id].append((order_id, paid_at, amount))
        return out

    # morning checklist --------------------------------------------------------------------------
    def checklist_due(self, agent: str) -> bool:
        """True on the agent's first start of the (local) day."""
        with self.store.read() as s:
            return s.exec(select(ChecklistMark).where(ChecklistMark.agent == agent,
                                                      ChecklistMark.day == self.today())).first() is None

    def mark_checklist(self, agent: str) -> None:
        with self.store.write() as s:
            if s.exec(select(ChecklistMark).where(ChecklistMark.agent == agent,
                                                  ChecklistMark.day == self.today())).first() is None:
                s.add(ChecklistMark(agent=agent, day=self.today(), at=self.clock()))

    def morning(self) -> MorningChecklist:
        yesterday = self.today() - timedelta(days=1)
        t0, t1 = day_window(yesterday, self.tz)
        with self.store.read() as s:
            cases = case_repo.list_cases(s, created_from=t0, created_to=t1)
            names = dict(s.exec(select(Agent.id, Agent.name)).all())
            rows = s.exec(select(Chat, Buyer.nick).join(Buyer, col(Buyer.id) == Chat.buyer_id)
                          .where(Chat.opened_at >= t0, Chat.opened_at < t1).order_by(col(Chat.opened_at))).all()
            chats = [ChatLogEntry(c.id, nick, names.get(c.agent_id, "") if c.agent_id else "", c.opened_at,
                                  c.message_count, c.first_response_seconds) for c, nick in rows]
        reviews = self.followups.reviews(pending_only=True) if self.followups else []
        return MorningChecklist(yesterday, cases, reviews, chats)


def case_line(c: CaseView) -> str:
    return f"#{c.id} {c.order_no} {c.buyer} {REASON_LABELS[c.reason]} {STATE_LABELS[c.state]}"


def write_csv(path: Path, report: Report) -> None:
    """Export the report's rows (per agent, then the total) as CSV; UTF-8 with BOM so Excel reads it."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([label for _, label in COLUMNS])
        for r in report_rows(report):
            w.writerow(["" if r[k] is None else r[k] for k, _ in COLUMNS])
