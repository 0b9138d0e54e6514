"""The team's agents as the agents list and the supervisor's screen show them: role, status,
open/waiting chats, capacity and today's first responses.

Read through SQLAlchemy Core (``Store.read_rows`` and SQL text over the tables' columns), or
the same SQL through ``sqlite3`` on a current SQLite store (``store/quick_read.py``), so
``cs-console agents list`` needs neither the ORM tables nor SQLModel loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cs_console.domain.kpi import WaitLevel, classify_wait
from cs_console.domain.team import start_of_day

if TYPE_CHECKING:
    import sqlite3

    from cs_console.domain.clock import Clock
    from cs_console.domain.shop import ShopPolicy
    from cs_console.store.engine import Store


@dataclass(frozen=True, slots=True)
class AgentInfo:
    name: str
    role: str
    status: str
    open_chats: int
    waiting_chats: int
    capacity: int
    heartbeat_at: datetime | None
    first_responses: int = 0
    first_response_avg: float | None = None
    first_response_slow: int = 0  # over the shop's standard
    first_response_breaches: int = 0


_AGENTS = "SELECT id, name, role, status, heartbeat_at FROM agents ORDER BY id"
_CAPACITIES = "SELECT agent_id, capacity FROM agent_profiles"
_OPEN = ("SELECT agent_id, status, count(*) FROM chats WHERE status != 'closed' AND agent_id IS NOT NULL "
         "GROUP BY agent_id, status")
_FIRSTS = ("SELECT agent_id, seconds FROM response_records "
           "WHERE first AND replied_at >= :since AND replied_at < :until")


def agent_overview(store: Store, policy: ShopPolicy, clock: Clock) -> list[AgentInfo]:
    """Every agent, in the order they were added (one read transaction)."""
    from sqlalchemy import bindparam, text

    from cs_console.store.types import UTCDateTime

    since = start_of_day(clock(), policy.shop.timezone)
    firsts_sql = text(_FIRSTS).bindparams(bindparam("since", type_=UTCDateTime()),
                                          bindparam("until", type_=UTCDateTime()))
    with store.read_rows() as conn:
        agents = conn.execute(text(_AGENTS).columns(heartbeat_at=UTCDateTime())).all()
        caps = conn.execute(text(_CAPACITIES)).all()
        counts = conn.execute(text(_OPEN)).all()
        firsts = conn.execute(firsts_sql, {"since": since, "until": since + timedelta(days=1)}).all()
    return _overview(policy, agents, caps, counts, firsts)


def agent_overview_quick(conn: sqlite3.Connection, policy: ShopPolicy, clock: Clock) -> list[AgentInfo]:
    """:func:`agent_overview` through ``store.quick_read`` (the same queries)."""
    from cs_console.store.quick_read import instant, snapshot, utc

    since = start_of_day(clock(), policy.shop.timezone)
    with snapshot(conn):
        agents = [(*r[:4], utc(r[4])) for r in conn.execute(_AGENTS)]
        caps = conn.execute(_CAPACITIES).fetchall()
        counts = conn.execute(_OPEN).fetchall()
        firsts = conn.execute(_FIRSTS, {"since": instant(since), "until": instant(since + timedelta(days=1))}).fetchall()
    return _overview(policy, agents, caps, counts, firsts)


def _overview(policy: ShopPolicy, agents, cap_rows, count_rows, first_rows) -> list[AgentInfo]:
    default = policy.team.capacity
    caps = {agent_id: cap or default for agent_id, cap in cap_rows}
    counts: dict[int, tuple[int, int]] = {}
    for agent_id, status, n in count_rows:
        o, w = counts.get(agent_id, (0, 0))
        counts[agent_id] = (o + n, w + (n if status == "waiting" else 0))
    firsts: dict[int, list[float]] = {}
    for agent_id, seconds in first_rows:
        firsts.setdefault(agent_id, []).append(seconds)
    t = policy.response
    out = []
    for agent_id, name, role, status, heartbeat_at in agents:
        mine = firsts.get(agent_id, [])
        o, w = counts.get(agent_id, (0, 0))
        levels = [classify_wait(x, t) for x in mine]
        out.append(AgentInfo(
            name, role, status, o, w, caps.get(agent_id, default), heartbeat_at,
            len(mine), sum(mine) / len(mine) if mine else None,
            sum(lv in (WaitLevel.SLOW, WaitLevel.WARNING, WaitLevel.BREACH) for lv in levels),
            sum(lv == WaitLevel.BREACH for lv in levels)))
    return out
