"""Repository for quick-reply usage counts (per agent; codes are the phrase file's): counting a
use. The counts are read through Core by ``store/reply_usage.py``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from cs_console.store.chats import ensure_agent
from cs_console.store.tables import QuickReplyUsage


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
