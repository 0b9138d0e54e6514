"""Repository for quick-reply usage counts (per agent; codes are the phrase file's)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cs_console.store.chats import ensure_agent
from cs_console.store.tables import Agent, QuickReplyUsage


def record_use(s: Session, agent_name: str, code: str, now: datetime) -> int:
    """Count one use of ``code`` by the agent; returns the new count."""
    agent = ensure_agent(s, agent_name, now)
    row = s.exec(select(QuickReplyUsage).where(QuickReplyUsage.agent_id == agent.id,
                                               QuickReplyUsage.code == code)).first()
    if row is None:
        row = QuickReplyUsage(agent_id=agent.id, code=code, count=0, last_used_at=now)
    row.count += 1
    row.last_used_at = now
    s.add(row)
    s.flush()
    return row.count


def usage_counts(s: Session, agent_name: str) -> dict[str, int]:
    """``{code: uses}`` for one agent (empty for an unknown agent)."""
    rows = s.exec(select(QuickReplyUsage.code, QuickReplyUsage.count).join(Agent, col(Agent.id) == QuickReplyUsage.agent_id)
                  .where(Agent.name == agent_name.strip())).all()
    return {code: count for code, count in rows}


def usage_report(s: Session) -> list[tuple[str, str, int, datetime]]:
    """``(agent, code, uses, last used)`` for every agent, most used first (supervisor's report)."""
    rows = s.exec(select(Agent.name, QuickReplyUsage.code, QuickReplyUsage.count, QuickReplyUsage.last_used_at)
                  .join(Agent, col(Agent.id) == QuickReplyUsage.agent_id)
                  .order_by(col(QuickReplyUsage.count).desc(), Agent.name, QuickReplyUsage.code)).all()
    return [tuple(r) for r in rows]
