"""Shared bits of the team CLI modules (agents, hangup, chat assign/forward, broadcast)."""

from __future__ import annotations

from cs_console.cli.common import when


def refused() -> tuple[type[Exception], ...]:
    """The refusals a team command reports as one sentence (imported only when one is raised:
    an ``except refused():`` clause is evaluated only while an exception is matched)."""
    from cs_console.domain.team import TeamRuleError
    from cs_console.store.chats import NotFound

    return (TeamRuleError, NotFound, ValueError)


def agent_row(a) -> dict:
    return {"name": a.name, "role": a.role, "status": a.status, "open_chats": a.open_chats,
            "waiting_chats": a.waiting_chats, "capacity": a.capacity,
            "heartbeat_at": when(a.heartbeat_at),
            "first_responses_today": a.first_responses,
            "first_response_avg": None if a.first_response_avg is None else round(a.first_response_avg, 1)}
