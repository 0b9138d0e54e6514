"""Indexes that serve reads across aggregates (reports, first action of the day), declared
apart from the tables so that the queries they serve are named next to them."""

from __future__ import annotations

from sqlalchemy import Index

from cs_console.store.tables.core import Message
from cs_console.store.tables.orders import Order

# report: orders paid in a period (store/reports.period_facts)
Index("ix_orders_paid_at", Order.__table__.c.paid_at)
# shift: an agent's first reply since the start of the day (store/handover.first_action)
Index("ix_messages_agent_created", Message.__table__.c.agent_id, Message.__table__.c.created_at)
