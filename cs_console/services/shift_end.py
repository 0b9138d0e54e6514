"""End of shift (下班交接): what blocks a clean handover, and turning each blocker into a note.

Blockers come from a list of providers, each ``(session, ShiftWindow) -> list[Blocker]``:
orders the agent handled today still grey (DOMAIN.md: no order an agent handled may be left
grey), chats with buyers still waiting for an answer, open after-sales cases with no follow-up
today. Other features add theirs with :func:`register_blocker_provider`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlmodel import Session

from cs_console.domain.blockers import Blocker, ShiftWindow
from cs_console.domain.clock import Clock
from cs_console.domain.handover import Note
from cs_console.services.handover import HandoverService
from cs_console.store.blockers import cases_without_follow_up, grey_orders, unanswered_chats
from cs_console.store.chats import find_agent
from cs_console.store.engine import Store

__all__ = ["Blocker", "BlockerProvider", "ShiftService", "ShiftWindow", "register_blocker_provider"]

BlockerProvider = Callable[[Session, ShiftWindow], list[Blocker]]


BLOCKER_PROVIDERS: list[BlockerProvider] = [grey_orders, unanswered_chats, cases_without_follow_up]


def register_blocker_provider(provider: BlockerProvider) -> None:
    """Add a feature's source of blockers (idempotent)."""
    if provider not in BLOCKER_PROVIDERS:
        BLOCKER_PROVIDERS.append(provider)


class ShiftService:
    def __init__(self, store: Store, clock: Clock, handover: HandoverService,
                 providers: list[BlockerProvider] | None = None):
        self.store, self.clock, self.handover = store, clock, handover
        self.providers = BLOCKER_PROVIDERS if providers is None else providers

    def window(self, s: Session, agent: str) -> ShiftWindow:
        now = self.clock()
        start, _end = self.handover.shifts.day_bounds(self.handover.shifts.day_of(now))
        who = find_agent(s, agent)
        return ShiftWindow(agent.strip(), who.id if who else None, start, now)

    def blockers(self, agent: str) -> list[Blocker]:
        """Everything that blocks a clean handover for ``agent`` now; ``noted`` marks those
        already turned into an open handover note."""
        with self.store.read() as s:
            w = self.window(s, agent)
            found = [b for provider in self.providers for b in provider(s, w)]
        noted = {n.source for n in self.handover.notes(open_only=True) if n.source}
        return [replace(b, noted=b.source in noted) for b in found]

    def to_note(self, blocker: Blocker, agent: str, text: str | None = None) -> Note:
        """One step: a handover note linked to the blocker's buyer/order/case."""
        return self.handover.add(text or blocker.title, agent, buyer=blocker.buyer, order_no=blocker.order_no,
                                 case_id=blocker.case_id, priority=blocker.priority, source=blocker.source)

    def all_to_notes(self, agent: str) -> list[Note]:
        """Every blocker not yet noted becomes a note."""
        return [self.to_note(b, agent) for b in self.blockers(agent) if not b.noted]
