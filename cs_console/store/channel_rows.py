"""Gateway channels as ``ChannelView``, from table rows or plain ``sqlite3`` rows: shared by
``store/channels.py`` and the read-only ``cs-console channel list`` on a current SQLite store
(``store/quick_read.py``), without SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    from cs_console.store.tables import Channel


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: int
    name: str
    kind: str
    webhook_url: str
    max_attempts: int
    broadcast_per_minute: int
    created_at: datetime
    revoked: bool


def view(c: Channel | SimpleNamespace) -> ChannelView:
    return ChannelView(c.id, c.name, c.kind, c.webhook_url, c.max_attempts, c.broadcast_per_minute,
                       c.created_at, c.revoked_at is not None)


def channels_quick(conn: sqlite3.Connection) -> list[ChannelView]:
    """``store.channels.list_channels`` (every channel, oldest first) through ``sqlite3``."""
    from cs_console.store.quick_read import utc

    return [view(SimpleNamespace(id=r[0], name=r[1], kind=r[2], webhook_url=r[3], max_attempts=r[4],
                                 broadcast_per_minute=r[5], created_at=utc(r[6]), revoked_at=utc(r[7])))
            for r in conn.execute("SELECT id, name, kind, webhook_url, max_attempts, broadcast_per_minute, "
                                  "created_at, revoked_at FROM channels ORDER BY id")]
