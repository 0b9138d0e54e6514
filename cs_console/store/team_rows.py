"""Hang-up requests as ``HangupView``, from table rows or plain ``sqlite3`` rows: shared by
``services/team.py`` and the read-only ``cs-console hangup list`` on a current SQLite store
(``store/quick_read.py``), without SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from cs_console.domain.team import HangupState

if TYPE_CHECKING:
    import sqlite3


@dataclass(frozen=True, slots=True)
class HangupView:
    id: int
    agent: str
    reason: str
    state: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str


def _hangup_view(req, agent: str, decider: str | None) -> HangupView:
    return HangupView(req.id, agent, req.reason, req.state, req.requested_at, decider, req.decided_at, req.note)


def hangups_quick(conn: sqlite3.Connection, *, pending_only: bool = False) -> list[HangupView]:
    """``TeamService.hangups`` (oldest first, with the requester's and decider's names)
    through ``sqlite3``."""
    from cs_console.store.quick_read import utc

    where = " WHERE state = ?" if pending_only else ""
    rows = conn.execute("SELECT id, agent_id, reason, state, requested_at, decided_by, decided_at, note "
                        f"FROM hangup_requests{where} ORDER BY id",
                        (str(HangupState.PENDING),) if pending_only else ()).fetchall()
    names = dict(conn.execute("SELECT id, name FROM agents").fetchall())
    return [_hangup_view(SimpleNamespace(id=r[0], reason=r[2], state=r[3], requested_at=utc(r[4]),
                                         decided_at=utc(r[6]), note=r[7]),
                         names.get(r[1], "?"), names.get(r[5]) if r[5] else None) for r in rows]
