"""After-sales use-cases (售后): open a case from an order, follow it up, move its state.

Each method is one transaction and writes its audit rows (entity ``case``) in it.
"""

from __future__ import annotations

from decimal import Decimal

from cs_console.domain.aftersales import (
    HANDLING_LABELS,
    REASON_LABELS,
    CaseRuleError,
    CaseState,
    CaseView,
    FollowUpView,
    Handling,
    Reason,
    check_amount,
    check_transition,
)
from cs_console.domain.clock import Clock
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text, one_line
from cs_console.store import aftersales as repo
from cs_console.store import audit
from cs_console.store.chats import find_buyer, latest_chat_of
from cs_console.store.engine import Store
from cs_console.store.tables import AfterSaleCase, Buyer, CaseFollowUp, Chat

ENTITY = "case"


class CaseService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock

    def add(self, order_no: str, agent: str, reason: Reason, handling: Handling, *,
            amount: Decimal | None = None, note: str = "", return_tracking_no: str = "",
            chat_id: int | None = None) -> CaseView:
        """Register a case for an order; linked to the buyer's chat (given, else their latest)."""
        check_amount(handling, amount)
        with self.store.write() as s:
            now = self.clock()
            order = repo.find_order(s, order_no)
            if chat_id is None:
                chat = latest_chat_of(s, s.get(Buyer, order.buyer_id))
                chat_id = chat.id if chat else None
            elif (c := s.get(Chat, chat_id)) is None or c.buyer_id != order.buyer_id:
                raise CaseRuleError("case.chat_not_buyers", chat_id=chat_id)
            case = AfterSaleCase(
                created_at=now, created_by=agent, order_id=order.id, order_no=order.order_no,
                buyer_id=order.buyer_id, chat_id=chat_id, reason=reason.value, note=one_line(note),
                handling=handling.value, amount=amount, return_tracking_no=one_line(return_tracking_no),
                state=CaseState.OPEN.value, updated_at=now)
            s.add(case)
            s.flush()
            summary = f"{order.order_no} {REASON_LABELS[reason]} {HANDLING_LABELS[handling]}" + (
                f" {amount}" if amount is not None else "")
            audit.record(s, at=now, agent=agent, entity=ENTITY, key=str(case.id), field="created",
                         old="", new=summary, reason=case.note)
            return repo.case_view(s, case.id)

    def follow(self, case_id: int, agent: str, text: str) -> FollowUpView:
        text = clean_text(text).strip()
        if not text:
            raise CaseRuleError("case.empty_follow_up")
        with self.store.write() as s:
            now = self.clock()
            case = repo.get_case(s, case_id)
            entry = CaseFollowUp(case_id=case.id, at=now, agent=agent, text=text)
            s.add(entry)
            case.updated_at = now
            s.flush()
            audit.record(s, at=now, agent=agent, entity=ENTITY, key=str(case.id), field="followup",
                         old="", new=text)
            return FollowUpView(entry.id, case.id, now, agent, text)

    def move(self, case_id: int, target: CaseState, agent: str, *, reason: str = "",
             return_tracking_no: str | None = None, handling: Handling | None = None,
             amount: Decimal | None = None) -> CaseView:
        """Change the state (and optionally the handling/amount/return tracking number)."""
        with self.store.write() as s:
            now = self.clock()
            case = repo.get_case(s, case_id)
            new_handling = handling or Handling(case.handling)
            new_amount = amount if amount is not None else (case.amount if handling is None else None)
            check_amount(new_handling, new_amount)
            check_transition(CaseState(case.state), target, new_handling)
            changes = [("state", case.state, target.value)]
            if new_handling.value != case.handling:
                changes.append(("handling", case.handling, new_handling.value))
            if new_amount != case.amount:
                changes.append(("amount", case.amount, new_amount))
            if return_tracking_no is not None and one_line(return_tracking_no) != case.return_tracking_no:
                changes.append(("return_tracking_no", case.return_tracking_no, one_line(return_tracking_no)))
            for field, old, new in changes:
                audit.record(s, at=now, agent=agent, entity=ENTITY, key=str(case.id), field=field,
                             old=old, new=new, reason=reason)
                setattr(case, field, new)
            case.updated_at = now
            if target == CaseState.CLOSED:
                case.closed_at, case.closed_by = now, agent
            s.flush()
            return repo.case_view(s, case.id)

    # reads -------------------------------------------------------------------------------------
    def show(self, case_id: int) -> tuple[CaseView, list[FollowUpView]]:
        with self.store.read() as s:
            return repo.case_view(s, case_id), repo.followups(s, case_id)

    def of_buyer(self, nick: str) -> list[CaseView]:
        with self.store.read() as s:
            try:
                buyer = find_buyer(s, nick)
            except LookupError:
                return []
            return repo.list_cases(s, buyer_id=buyer.id)

    def latest_order_no(self, nick: str) -> str | None:
        """The buyer's current (latest placed) order, the one a new case is opened from."""
        from cs_console.store.orders import latest_order

        with self.store.read() as s:
            try:
                buyer = find_buyer(s, nick)
            except LookupError:
                return None
            order = latest_order(s, buyer.id)
            return order.order_no if order else None

    def open_cases(self) -> list[CaseView]:
        """Every case not yet closed, oldest first."""
        with self.store.read() as s:
            return repo.list_cases(s, open_only=True)

    def list(self, *, open_only: bool = False, buyer: str | None = None, order_no: str | None = None,
             created_from=None, created_to=None) -> list[CaseView]:
        with self.store.read() as s:
            buyer_id = None
            if buyer:
                buyer_id = find_buyer(s, buyer).id
            return repo.list_cases(s, buyer_id=buyer_id, open_only=open_only, order_no=order_no,
                                   created_from=created_from, created_to=created_to)
