"""What blocks a clean handover at the end of a shift (下班交接): the records, no queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cs_console.domain.handover import Priority


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """Whose shift ends and which time counts as "today" (the shop's local day so far)."""

    agent: str
    agent_id: int | None
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Blocker:
    kind: str  # grey_order, unanswered_chat, aftersales, …
    key: str  # order number, chat id, case id
    title: str  # what is wrong, in the agent's words (Chinese)
    buyer: str | None = None
    order_no: str | None = None
    case_id: str | None = None
    priority: Priority = Priority.HIGH
    noted: bool = False  # an open handover note was already made from it

    @property
    def source(self) -> str:
        return f"{self.kind}:{self.key}"
