"""Repository for reports: the period's figures counted and summed by the database (GROUP BY,
COUNT, SUM: no row per chat or order reaches Python), checklist marks, and a day's chats.

The period reads are SQL text over the tables' columns, so a report needs neither the ORM
tables nor SQLModel loaded (``cs-console report day`` starts without them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from cs_console.domain.money import from_fen
from cs_console.domain.report import ConversionFacts, PeriodFacts, ResponseFact, ServedFacts
from cs_console.store.types import UTCDateTime

if TYPE_CHECKING:
    from sqlmodel import Session

    from cs_console.store.tables import Chat

_PERIOD = "c.first_buyer_at >= :t0 AND c.first_buyer_at < :t1"
# who answered a chat first (NULL: nobody); a chat counts for its agent once answered
_SERVED_BY = "CASE WHEN c.agent_id IS NOT NULL AND c.first_response_seconds IS NOT NULL THEN c.agent_id END"
_UNANSWERED = ("CASE WHEN c.first_response_seconds IS NULL "
               "AND (c.status = 'closed' OR c.first_buyer_at < :unanswered_before) THEN 1 ELSE 0 END")
# Each statement returns one row per agent (a NULL agent: the total). The chats of the period
# are grouped by (buyer, agent) once; a buyer counts once per agent and once in the total.
_STATEMENTS = {
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
_TIMES = ("t0", "t1", "orders_until", "unanswered_before")


@cache
def _statement(name: str, dialect: str):
    sql = _STATEMENTS[name].format(**_DIALECT[dialect])
    stmt = text(sql).bindparams(*(bindparam(t, type_=UTCDateTime()) for t in _TIMES if f":{t}" in sql))
    return stmt.columns(replied_at=UTCDateTime()) if name == "responses" else stmt


def _minute(value: str | datetime) -> datetime:
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM"
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _fen(value: int | Decimal | None) -> Decimal:
    return from_fen(int(value or 0))


def agent_names(s: Session | Connection) -> dict[int, str]:
    conn = s if isinstance(s, Connection) else s.connection()
    return dict(conn.execute(text(_STATEMENTS["agents"])).all())


def period_facts(s: Session | Connection, t0: datetime, t1: datetime, window: timedelta,
                 unanswered_before: datetime) -> PeriodFacts:
    """Chats started and first responses given in [t0, t1), orders paid in [t0, t1) and those
    converting a chat of the period (paid within ``window``, whole hours, of its start), after-sales cases opened /
    closed in [t0, t1): counts and sums from the database, each range read from its index
    (chats.first_buyer_at, orders.paid_at, response_records.replied_at, aftersale_cases.created_at
    / closed_at). Only the first responses come as rows (their median and P90 are ours)."""
    conn = s if isinstance(s, Connection) else s.connection()
    dialect = conn.dialect.name
    hours = int(window / timedelta(hours=1))
    params = {"t0": t0, "t1": t1, "orders_until": t1 + timedelta(hours=hours), "unanswered_before": unanswered_before,
              "hours": hours}
    run: Callable[[str], list] = lambda name: conn.execute(_statement(name, dialect), params).all()  # noqa: E731
    names = agent_names(conn)
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


def checklist_seen(s: Session, agent: str, day: date) -> bool:
    from sqlmodel import select

    from cs_console.store.tables import ChecklistMark

    return s.exec(select(ChecklistMark).where(ChecklistMark.agent == agent, ChecklistMark.day == day)).first() is not None


def mark_checklist(s: Session, agent: str, day: date, at: datetime) -> None:
    from cs_console.store.tables import ChecklistMark

    if not checklist_seen(s, agent, day):
        s.add(ChecklistMark(agent=agent, day=day, at=at))


def chats_opened(s: Session, t0: datetime, t1: datetime) -> list[tuple[Chat, str]]:
    """(chat, buyer nick) of the chats opened in [t0, t1), oldest first."""
    from sqlmodel import col, select

    from cs_console.store.tables import Buyer, Chat

    return list(s.exec(select(Chat, Buyer.nick).join(Buyer, col(Buyer.id) == Chat.buyer_id)
                       .where(Chat.opened_at >= t0, Chat.opened_at < t1).order_by(col(Chat.opened_at))).all())
