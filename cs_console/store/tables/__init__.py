"""All SQLModel tables. Importing this package registers every table in ``SQLModel.metadata``.

One module per aggregate; add new modules to the import list below.
"""

from cs_console.store.tables import indexes as _indexes  # noqa: F401  (cross-aggregate read indexes)
from cs_console.store.tables.aftersales import AfterSaleCase, CaseFollowUp
from cs_console.store.tables.channel_messages import ChannelMessage
from cs_console.store.tables.channels import Channel, ChannelBuyer, RateBucket
from cs_console.store.tables.core import (
    Agent,
    Buyer,
    Chat,
    Draft,
    Message,
    Meta,
    ResponseRecord,
)
from cs_console.store.tables.followups import ChecklistMark, FollowUpRecord, Memo, Review
from cs_console.store.tables.goods import Goods, GoodsSku
from cs_console.store.tables.handover import HandoverEvent
from cs_console.store.tables.identity import AgentCredential, AgentSession
from cs_console.store.tables.orders import AuditEntry, Order, OrderItem
from cs_console.store.tables.outbox import OutboxEntry
from cs_console.store.tables.replies import QuickReplyUsage
from cs_console.store.tables.team import (
    AgentProfile,
    Assignment,
    Broadcast,
    BroadcastRecipient,
    HangupRequest,
)

__all__ = [
    "Agent", "AgentCredential", "AgentProfile", "AgentSession", "Assignment", "AuditEntry", "Broadcast", "BroadcastRecipient", "Buyer",
    "Chat", "Draft", "HandoverEvent", "HangupRequest", "Message", "Meta", "Order", "OrderItem",
    "QuickReplyUsage", "ResponseRecord",
    "AfterSaleCase", "CaseFollowUp", "Goods", "GoodsSku", "ChecklistMark", "FollowUpRecord", "Memo", "Review",
    "Channel", "ChannelBuyer", "ChannelMessage", "OutboxEntry", "RateBucket",
]
