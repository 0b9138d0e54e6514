"""The audit log (操作记录): append and read; deliberately no update or delete."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cs_console.store.tables import AuditEntry


def record(s: Session, *, at: datetime, agent: str, entity: str, key: str, field: str,
           old: object, new: object, reason: str = "") -> AuditEntry:
    """Append one audit row in the caller's transaction (the change and its trail commit together)."""
    entry = AuditEntry(at=at, agent=agent, entity=entity, entity_key=key, field=field,
                       old="" if old is None else str(old), new="" if new is None else str(new),
                       reason=reason)
    s.add(entry)
    return entry


def trail(s: Session, entity: str, key: str) -> list[AuditEntry]:
    """Every audit row of one entity, oldest first."""
    return list(s.exec(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_key == key)
                       .order_by(col(AuditEntry.id))).all())
