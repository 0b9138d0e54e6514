"""Queries for end-of-shift blockers; each is ``(session, ShiftWindow) -> list[Blocker]``.

DOMAIN.md: no order an agent handled may be left grey at the end of the shift; buyers still
waiting and after-sales cases not followed up today are handed over too.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from cs_console.domain.blockers import Blocker, ShiftWindow
from cs_console.domain.chat import ChatStatus, Sender
from cs_console.domain.handover import Priority
from cs_console.domain.orders import Action, OrderState, allowed_actions
from cs_console.domain.shop import ShopKind
from cs_console.domain.text import truncate_cells
from cs_console.store.tables import (
    AfterSaleCase,
    AuditEntry,
    Buyer,
    CaseFollowUp,
    Chat,
    Message,
    Order,
)

# Orders that can still carry a flag (the orders state machine says which): those must not stay grey.
ACTIVE_STATES = tuple(s.value for s in OrderState if Action.FLAG in allowed_actions(s, ShopKind.C_SHOP))

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
