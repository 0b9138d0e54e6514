"""Day / week report arithmetic (日报 / 周报): windows, first-response statistics. Pure rules.

Percentiles are nearest-rank (p90 of 10 values is the 9th smallest): every figure can be
checked by hand.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from cs_console.domain.kpi import Thresholds, bonus_at_risk


def day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a local day, in UTC."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def last_week(today: date) -> tuple[date, date]:
    """The Monday report covers the previous Monday..Sunday."""
    return week_of(today - timedelta(days=7))


def local_date(value: datetime, tz: str) -> date:
    return value.astimezone(ZoneInfo(tz)).date()


def local_hour(value: datetime, tz: str) -> int:
    return value.astimezone(ZoneInfo(tz)).hour


def nearest_rank(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the ceil(p/100·n)-th smallest value."""
    if not values:
        return None
    s = sorted(values)
    k = max(1, math.ceil(p / 100 * len(s)))
    return s[k - 1]


@dataclass(frozen=True, slots=True)
class FirstResponseStats:
    count: int
    median: float | None
    p90: float | None
    over_warning: int  # > 60 s (the shop's `warning`)
    over_breach: int  # > 200 s (the shop's `breach`)
    unanswered: int  # chats of the day nobody answered
    bonus_at_risk: bool


def first_response_stats(seconds: list[float], unanswered: int, t: Thresholds) -> FirstResponseStats:
    return FirstResponseStats(
        count=len(seconds),
        median=statistics.median(seconds) if seconds else None,
        p90=nearest_rank(seconds, 90),
        over_warning=sum(1 for x in seconds if x > t.warning),
        over_breach=sum(1 for x in seconds if x > t.breach),
        unanswered=unanswered,
        bonus_at_risk=bonus_at_risk([*seconds, *([None] * unanswered)], t),
    )


@dataclass(frozen=True, slots=True)
class ResponseFact:
    """A first response (``response_records.first``) given in the period."""

    agent: str | None
    replied_at: datetime
    seconds: float


@dataclass(frozen=True, slots=True)
class ServedFacts:
    """Chats of the period one agent answered first: how many, and from how many buyers."""

    chats: int
    buyers: int


@dataclass(frozen=True, slots=True)
class ConversionFacts:
    """Buyers who paid within the window after a chat of the period, and their distinct orders."""

    buyers: int
    orders: int
    sales: Decimal


@dataclass
class PeriodFacts:
    """What the store counts and sums about a period (the database aggregates; see
    ``store/reports.period_facts``). Orders converting a chat are paid within the conversion
    window after it started; the period's own orders are those paid in it."""

    inquiries: int  # distinct buyers who started a chat
    unanswered: int  # chats nobody answered (closed, or waiting past `breach`: ``unanswered_before``)
    served_by: dict[str, ServedFacts]
    converted: int  # distinct buyers converted, whoever served them
    converted_by: dict[str, ConversionFacts]  # only chats the agent answered
    orders: int
    sales: Decimal
    sales_by_minute: dict[datetime, Decimal]  # UTC minute → sales of the orders paid in it
    responses: list[ResponseFact]
    cases_opened_by: dict[str, int]
    cases_closed_by: dict[str, int]


def unanswered_before(now: datetime, t: Thresholds) -> datetime:
    """A chat still waiting counts as unanswered once its wait passes `breach`: when its buyer
    started before this instant."""
    return now - timedelta(seconds=t.breach)


@dataclass
class AgentFigures:
    """One row of the report (an agent, or ``合计`` for the total)."""

    agent: str
    inquiries: int = 0  # buyers who started a chat in the period (total) / were served by the agent
    served: int = 0  # chats the agent answered
    first_response: FirstResponseStats | None = None
    converted: int = 0  # buyers who paid an order within the window after chatting
    orders: int = 0  # paid orders (total: paid in the period; agent: of buyers they converted)
    sales: Decimal = Decimal("0.00")
    cases_opened: int = 0
    cases_closed: int = 0

    @property
    def conversion(self) -> Decimal | None:
        """converted / inquiries as a percentage with one decimal (exact, half-up)."""
        if not self.inquiries:
            return None
        return (Decimal(self.converted) * 100 / Decimal(self.inquiries)).quantize(Decimal("0.1"), "ROUND_HALF_UP")


@dataclass
class Report:
    """A day's or a week's figures, per agent and in total, plus the series behind the charts."""

    kind: str  # "day" | "week"
    start: date
    end: date  # inclusive
    agents: list[AgentFigures]
    total: AgentFigures
    first_response_by_hour: dict[int, float] = field(default_factory=dict)  # hour → median seconds
    sales_by_hour: dict[int, Decimal] = field(default_factory=dict)  # hour → sales
    conversion_by_agent: dict[str, Decimal] = field(default_factory=dict)  # agent → % converted


def compute_report(kind: str, first: date, last: date, facts: PeriodFacts, *, thresholds: Thresholds,
                   tz: str, agent: str | None = None, total_label: str = "合计") -> Report:
    """The report's arithmetic (definitions in ``services/reports.py``)."""
    rows: dict[str, AgentFigures] = {}

    def row(name: str) -> AgentFigures:
        return rows.setdefault(name, AgentFigures(name))

    total = AgentFigures(total_label)
    total.inquiries = facts.inquiries
    for name, served in facts.served_by.items():
        row(name).served, row(name).inquiries = served.chats, served.buyers
        total.served += served.chats
    total.converted = facts.converted
    for name, conv in facts.converted_by.items():
        f = row(name)
        f.converted, f.orders, f.sales = conv.buyers, conv.orders, conv.sales

    # first responses
    seconds_by_agent: dict[str, list[float]] = defaultdict(list)
    by_hour: dict[int, list[float]] = defaultdict(list)
    for r in facts.responses:
        by_hour[local_hour(r.replied_at, tz)].append(r.seconds)
        if r.agent is not None:
            seconds_by_agent[r.agent].append(r.seconds)
    total.first_response = first_response_stats([r.seconds for r in facts.responses], facts.unanswered, thresholds)
    for name, secs in seconds_by_agent.items():
        row(name).first_response = first_response_stats(secs, 0, thresholds)

    # the period's orders and sales (paid in the period)
    total.orders, total.sales = facts.orders, facts.sales
    sales_by_hour: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for minute, sales in facts.sales_by_minute.items():
        sales_by_hour[local_hour(minute, tz)] += sales

    for who, n in facts.cases_opened_by.items():
        total.cases_opened += n
        row(who).cases_opened += n
    for who, n in facts.cases_closed_by.items():
        total.cases_closed += n
        row(who).cases_closed += n

    empty = first_response_stats([], 0, thresholds)
    for f in rows.values():
        if f.first_response is None:
            f.first_response = empty
    agents = sorted(rows.values(), key=lambda f: f.agent)
    if agent:
        agents = [f for f in agents if f.agent == agent] or [AgentFigures(agent, first_response=empty)]
    return Report(
        kind=kind, start=first, end=last, agents=agents, total=total,
        first_response_by_hour={h: statistics.median(v) for h, v in sorted(by_hour.items())},
        sales_by_hour=dict(sorted(sales_by_hour.items())),
        conversion_by_agent={f.agent: f.conversion for f in agents if f.conversion is not None},
    )


COLUMNS: list[tuple[str, str]] = [
    ("agent", "客服"), ("inquiries", "咨询"), ("served", "接待"), ("fr_count", "首响次数"),
    ("fr_median", "首响中位(秒)"), ("fr_p90", "首响P90(秒)"), ("fr_over_60", "超60秒"), ("fr_over_200", "超200秒"),
    ("unanswered", "未回复"), ("bonus_at_risk", "奖金风险"), ("converted", "成交买家"), ("conversion_pct", "转化率%"),
    ("orders", "订单"), ("sales", "销售额"), ("cases_opened", "售后新增"), ("cases_closed", "售后关闭"),
]


def _num(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def figures_row(f: AgentFigures) -> dict[str, object]:
    """One report row as plain values (JSON / CSV / table); money as a 2-place string."""
    fr = f.first_response
    return {
        "agent": f.agent, "inquiries": f.inquiries, "served": f.served,
        "fr_count": fr.count if fr else 0, "fr_median": _num(fr.median) if fr else None,
        "fr_p90": _num(fr.p90) if fr else None, "fr_over_60": fr.over_warning if fr else 0,
        "fr_over_200": fr.over_breach if fr else 0, "unanswered": fr.unanswered if fr else 0,
        "bonus_at_risk": bool(fr and fr.bonus_at_risk), "converted": f.converted,
        "conversion_pct": None if f.conversion is None else str(f.conversion), "orders": f.orders,
        "sales": f"{f.sales:.2f}", "cases_opened": f.cases_opened, "cases_closed": f.cases_closed,
    }


def report_rows(r: Report) -> list[dict[str, object]]:
    """Per-agent rows then the total row."""
    return [figures_row(f) for f in r.agents] + [figures_row(r.total)]
