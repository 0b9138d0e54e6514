"""Indexes that serve reads across aggregates (reports, first action of the day), declared
apart from the tables so that the queries they serve are named next to them."""

from __future__ import annotations

from sqlalchemy import Index

from cs_console.store.tables.core import Chat, Message
from cs_console.store.tables.orders import Order

# report: orders paid in a period (store/reports.period_facts)
Index("ix_orders_paid_at", Order.__table__.c.paid_at)
# shift: an agent's first reply since the start of the day (store/handover.first_action)
Index("ix_messages_agent_created", Message.__table__.c.agent_id, Message.__table__.c.created_at)
# report: the chats started in a period, grouped by buyer and by the agent who answered first
# (store/reports "chats" and "converted"): every column those statements read, so the range is
# served from the index alone, without a visit to the table's rows
_chats = Chat.__table__.c
Index("ix_chats_started_cover", _chats.first_buyer_at, _chats.buyer_id, _chats.agent_id,
      _chats.first_response_seconds, _chats.status)
