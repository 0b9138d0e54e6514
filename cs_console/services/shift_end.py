"""End of shift (下班交接): what blocks a clean handover, and turning each blocker into a note.

Blockers come from a list of providers, each ``(session, ShiftWindow) -> list[Blocker]``:
orders the agent handled today still grey (DOMAIN.md: no order an agent handled may be left
grey), chats with buyers still waiting for an answer, open after-sales cases with no follow-up
today. Other features add theirs with :func:`register_blocker_provider`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus, Sender
from cs_console.domain.clock import Clock
from cs_console.domain.handover import Note, Priority
from cs_console.domain.text import truncate_cells
from cs_console.services.handover import HandoverService
from cs_console.store.chats import find_agent
from cs_console.store.engine import Store
from cs_console.store.tables import (
    AfterSaleCase,
    AuditEntry,
    Buyer,
    CaseFollowUp,
    Chat,
    Message,
    Order,
)

ACTIVE_STATES = ("WAIT_BUYER_PAY", "PAID", "SHIPPED")


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


BlockerProvider = Callable[[Session, ShiftWindow], list[Blocker]]


def grey_orders(s: Session, w: ShiftWindow) -> list[Blocker]:
    """Orders the agent handled today (an audit row by them, or a chat with the order's buyer
    today) that still have no flag. Buyers' orders count while active or placed today."""
    audited = set()
    for key, entity in s.exec(select(AuditEntry.entity_key, AuditEntry.entity).where(
            AuditEntry.agent == w.agent, col(AuditEntry.at) >= w.start, col(AuditEntry.at) <= w.end)).all():
        if entity in ("order", "order_item"):
            audited.add(key.split("#", 1)[0])
    buyers: set[int] = set()
    if w.agent_id is not None:
        buyers = set(s.exec(select(Chat.buyer_id).join(Message, col(Message.chat_id) == Chat.id).where(
            Message.sender == Sender.AGENT, Message.agent_id == w.agent_id,
            col(Message.created_at) >= w.start, col(Message.created_at) <= w.end).distinct()).all())
    found: list[Order] = []
    if audited:
        found += s.exec(select(Order).where(col(Order.order_no).in_(audited), Order.flag == "grey")).all()
    if buyers:
        found += s.exec(select(Order).where(col(Order.buyer_id).in_(buyers), Order.flag == "grey",
                                            (col(Order.state).in_(ACTIVE_STATES)) | (col(Order.placed_at) >= w.start))).all()
    nicks = dict(s.exec(select(Buyer.id, Buyer.nick).where(col(Buyer.id).in_({o.buyer_id for o in found}))).all()) if found else {}
    out, seen = [], set()
    for o in sorted(found, key=lambda o: o.order_no):
        if o.order_no in seen:
            continue
        seen.add(o.order_no)
        out.append(Blocker("grey_order", o.order_no, f"订单 {o.order_no} 未插旗（{nicks.get(o.buyer_id, '')}）",
                           buyer=nicks.get(o.buyer_id), order_no=o.order_no))
    return out


def unanswered_chats(s: Session, w: ShiftWindow) -> list[Blocker]:
    """Open chats (the agent's or nobody's) whose buyer is waiting for an answer."""
    q = (select(Chat, Buyer.nick).join(Buyer, col(Buyer.id) == Chat.buyer_id)
         .where(Chat.status != ChatStatus.CLOSED, col(Chat.waiting_since).is_not(None))
         .order_by(col(Chat.waiting_since)))
    out = []
    for chat, nick in s.exec(q).all():
        if chat.agent_id not in (None, w.agent_id):
            continue
        preview = truncate_cells(chat.last_preview or "", 30)
        out.append(Blocker("unanswered_chat", str(chat.id), f"买家 {nick} 还在等回复：{preview}", buyer=nick))
    return out


def cases_without_follow_up(s: Session, w: ShiftWindow) -> list[Blocker]:
    """Open after-sales cases the agent opened or followed, with no follow-up entry today
    (DOMAIN.md: the register is kept daily and updated at once)."""
    mine = select(CaseFollowUp.case_id).where(CaseFollowUp.agent == w.agent)
    q = (select(AfterSaleCase, Buyer.nick).join(Buyer, col(Buyer.id) == AfterSaleCase.buyer_id)
         .where(col(AfterSaleCase.closed_at).is_(None),
                (AfterSaleCase.created_by == w.agent) | col(AfterSaleCase.id).in_(mine))
         .order_by(col(AfterSaleCase.id)))
    followed_today = set(s.exec(select(CaseFollowUp.case_id).where(
        CaseFollowUp.at >= w.start, CaseFollowUp.at <= w.end)).all())
    return [Blocker("aftersales", str(case.id), f"售后 #{case.id}（{case.order_no}）今天还没有跟进记录",
                    buyer=nick, order_no=case.order_no, case_id=str(case.id), priority=Priority.NORMAL)
            for case, nick in s.exec(q).all() if case.id not in followed_today]


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
