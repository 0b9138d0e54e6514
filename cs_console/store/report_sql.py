"""The report's period figures as SQL text over the tables' columns, and the rows they return
gathered into ``domain.report.PeriodFacts``: one definition for both ways of reading them,
through SQLAlchemy Core (``store/reports.py``) or through ``sqlite3`` alone on a current SQLite
store (``store/quick_read.py``; ``cs-console report day|week`` then loads no SQLAlchemy).

Every statement returns one row per agent (a NULL agent: the total). The chats of the period
are grouped by (buyer, agent) once; a buyer counts once per agent and once in the total.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from cs_console.domain.money import from_fen
from cs_console.domain.report import ConversionFacts, PeriodFacts, ResponseFact, ServedFacts

if TYPE_CHECKING:
    import sqlite3

_PERIOD = "c.first_buyer_at >= :t0 AND c.first_buyer_at < :t1"
# who answered a chat first (NULL: nobody); a chat counts for its agent once answered
_SERVED_BY = "CASE WHEN c.agent_id IS NOT NULL AND c.first_response_seconds IS NOT NULL THEN c.agent_id END"
_UNANSWERED = ("CASE WHEN c.first_response_seconds IS NULL "
               "AND (c.status = 'closed' OR c.first_buyer_at < :unanswered_before) THEN 1 ELSE 0 END")
STATEMENTS = {
    "agents": "SELECT id, name FROM agents",
    "chats": (f"WITH per AS MATERIALIZED (SELECT c.buyer_id, {_SERVED_BY} AS agent_id, count(*) AS chats, "
              f"sum({_UNANSWERED}) AS unanswered FROM chats c WHERE {_PERIOD} GROUP BY c.buyer_id, 2) "
              "SELECT agent_id, count(*), sum(chats), sum(unanswered) FROM per WHERE agent_id IS NOT NULL "
              "GROUP BY agent_id "
              "UNION ALL SELECT NULL, count(DISTINCT buyer_id), sum(chats), sum(unanswered) FROM per"),
    # a buyer converts when they pay an order within the window after a chat of the period started
    # (the window's end is written per dialect); one row per (agent, order): an order converting
    # two chats of one agent counts once. The orders' paid_at range drives the join (its index).
    "converted": (f"WITH pairs AS MATERIALIZED (SELECT DISTINCT {_SERVED_BY} AS agent_id, c.buyer_id, "
                  "o.id AS order_id, o.amount FROM orders o CROSS JOIN chats c "
                  f"WHERE o.buyer_id = c.buyer_id AND {_PERIOD} AND o.paid_at >= :t0 AND o.paid_at < :orders_until "
                  "AND o.paid_at >= c.first_buyer_at AND o.paid_at <= {window_end}) "
                  "SELECT agent_id, count(DISTINCT buyer_id), count(*), sum(amount) FROM pairs "
                  "WHERE agent_id IS NOT NULL GROUP BY agent_id "
                  "UNION ALL SELECT NULL, count(DISTINCT buyer_id), 0, 0 FROM pairs"),
    "orders": "SELECT {minute}, count(*), sum(amount) FROM orders WHERE paid_at >= :t0 AND paid_at < :t1 GROUP BY 1",
    "responses": ("SELECT agent_id, replied_at, seconds FROM response_records "
                  "WHERE first AND replied_at >= :t0 AND replied_at < :t1"),
    "opened": ("SELECT created_by, count(*) FROM aftersale_cases WHERE created_at >= :t0 AND created_at < :t1 "
               "GROUP BY created_by"),
    "closed": ("SELECT closed_by, count(*) FROM aftersale_cases WHERE closed_at >= :t0 AND closed_at < :t1 "
               "GROUP BY closed_by"),
}
# per dialect: the end of the conversion window after c.first_buyer_at (hours: an integer
# parameter) and the UTC minute a column's instant falls in. SQLite keeps datetimes as text
# ``YYYY-MM-DD HH:MM:SS.ffffff``: the window end is built in the same form (the fraction kept),
# so the comparison is exact.
_DIALECT = {
    "sqlite": {"window_end": "strftime('%Y-%m-%d %H:%M:%S', c.first_buyer_at, '+' || :hours || ' hours') "
                             "|| substr(c.first_buyer_at, 20)",
               "minute": "substr(paid_at, 1, 16)"},
    "postgresql": {"window_end": "c.first_buyer_at + make_interval(hours => :hours)",
                   "minute": "date_trunc('minute', paid_at)"},
}
TIMES = ("t0", "t1", "orders_until", "unanswered_before")


def sql(name: str, dialect: str) -> str:
    """Statement ``name`` written for ``dialect`` (``sqlite`` or ``postgresql``)."""
    return STATEMENTS[name].format(**_DIALECT[dialect])


def parameters(t0: datetime, t1: datetime, window: timedelta, unanswered_before: datetime) -> dict:
    """The statements' parameters (times aware; the caller binds them as its driver needs)."""
    hours = int(window / timedelta(hours=1))
    return {"t0": t0, "t1": t1, "orders_until": t1 + timedelta(hours=hours), "unanswered_before": unanswered_before,
            "hours": hours}


def _minute(value: str | datetime) -> datetime:
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM"
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _fen(value: int | Decimal | None) -> Decimal:
    return from_fen(int(value or 0))


def gather(run: Callable[[str], list], names: dict[int, str]) -> PeriodFacts:
    """The period's facts from ``run(statement name)`` (its rows; ``replied_at`` aware) and the
    agents' names by id."""
    inquiries = unanswered = 0
    served: dict[str, ServedFacts] = {}
    for agent, buyers, chats, late in run("chats"):
        if agent is None:
            inquiries, unanswered = buyers, int(late or 0)
        else:
            served[names[agent]] = ServedFacts(int(chats), buyers)
    converted = 0
    converted_by: dict[str, ConversionFacts] = {}
    for agent, buyers, orders, fen in run("converted"):
        if agent is None:
            converted = buyers
        else:
            converted_by[names[agent]] = ConversionFacts(buyers, orders, _fen(fen))
    sales_by_minute: dict[datetime, Decimal] = {}
    orders, sales = 0, Decimal("0.00")
    for minute, n, fen in run("orders"):
        sales_by_minute[_minute(minute)] = _fen(fen)
        orders, sales = orders + n, sales + _fen(fen)
    responses = [ResponseFact(names.get(a) if a else None, at, sec) for a, at, sec in run("responses")]
    return PeriodFacts(
        inquiries=inquiries, unanswered=unanswered, served_by=served, converted=converted,
        converted_by=converted_by, orders=orders, sales=sales, sales_by_minute=sales_by_minute,
        responses=responses, cases_opened_by=dict(run("opened")), cases_closed_by=dict(run("closed")))


def period_facts_quick(conn: sqlite3.Connection, t0: datetime, t1: datetime, window: timedelta,
                       unanswered_before: datetime) -> PeriodFacts:
    """``store.reports.period_facts`` through ``sqlite3`` (times bound and read back as the
    engine's SQLite dialect writes and reads them)."""
    from cs_console.store.quick_read import instant, utc

    params = parameters(t0, t1, window, unanswered_before)
    for name in TIMES:
        params[name] = instant(params[name])

    def run(name: str) -> list:
        text = sql(name, "sqlite")
        rows = conn.execute(text, {k: v for k, v in params.items() if f":{k}" in text}).fetchall()
        return [(a, utc(at), sec) for a, at, sec in rows] if name == "responses" else rows

    return gather(run, dict(conn.execute(STATEMENTS["agents"]).fetchall()))
