"""Chats (会话) and messages as plain view objects, and the rule that orders the session list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Sender(StrEnum):
    """Who wrote a message."""

    BUYER = "buyer"
    AGENT = "agent"
    SYSTEM = "system"


class ChatStatus(StrEnum):
    """waiting: a buyer message is unanswered; serving: answered, still open; closed: ended."""

    WAITING = "waiting"
    SERVING = "serving"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """One row of the session list (会话列表)."""

    chat_id: int
    buyer_nick: str
    status: ChatStatus
    unread: int
    preview: str
    last_message_at: datetime | None
    waiting_since: datetime | None
    first_response_seconds: float | None
    agent: str | None
    opened_at: datetime

    def waiting_seconds(self, now: datetime) -> float:
        """Seconds since the buyer's oldest unanswered message (0 when answered)."""
        if self.waiting_since is None:
            return 0.0
        return max(0.0, (now - self.waiting_since).total_seconds())


@dataclass(frozen=True, slots=True)
class MessageView:
    """One line of a transcript."""

    id: int
    chat_id: int
    sender: Sender
    author: str
    text: str
    created_at: datetime
    status: str = ""  # outbound channel messages: domain.gateway.DeliveryStatus
    error: str = ""  # why delivery failed

def session_order(chats: list[ChatSummary]) -> list[ChatSummary]:
    """Waiting chats first, longest wait first; then served ones, most recent activity first."""
    waiting = sorted(
        (c for c in chats if c.waiting_since is not None),
        key=lambda c: (c.waiting_since, c.chat_id),
    )
    served = sorted(
        (c for c in chats if c.waiting_since is None),
        key=lambda c: (-(c.last_message_at or c.opened_at).timestamp(), c.chat_id),
    )
    return waiting + served
