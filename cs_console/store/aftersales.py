"""Repository for the after-sales register: cases, their follow-ups, open cases by age."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cs_console.domain.aftersales import CaseState, CaseView, FollowUpView, Handling, Reason
from cs_console.domain.messages import UserError
from cs_console.store.tables import AfterSaleCase, Buyer, CaseFollowUp, Order


class CaseNotFound(UserError, LookupError):
    pass


def get_case(s: Session, case_id: int) -> AfterSaleCase:
    case = s.get(AfterSaleCase, case_id)
    if case is None:
        raise CaseNotFound("case.not_found", case_id=case_id)
    return case


def find_order(s: Session, order_no: str) -> Order:
    order = s.exec(select(Order).where(Order.order_no == order_no.strip())).first()
    if order is None:
        raise CaseNotFound("case.no_order", order_no=order_no)
    return order


def _query():
    return (select(AfterSaleCase, Buyer.nick, Order.flag)
            .join(Buyer, col(Buyer.id) == AfterSaleCase.buyer_id)
            .join(Order, col(Order.id) == AfterSaleCase.order_id))


def _view(row) -> CaseView:
    c, nick, flag = row
    return CaseView(
        id=c.id, created_at=c.created_at, created_by=c.created_by, order_no=c.order_no, buyer=nick,
        chat_id=c.chat_id, reason=Reason(c.reason), note=c.note, handling=Handling(c.handling),
        amount=c.amount, return_tracking_no=c.return_tracking_no, state=CaseState(c.state),
        updated_at=c.updated_at, closed_at=c.closed_at, order_flag=flag or "grey")


def case_view(s: Session, case_id: int) -> CaseView:
    row = s.exec(_query().where(AfterSaleCase.id == case_id)).first()
    if row is None:
        raise CaseNotFound("case.not_found", case_id=case_id)
    return _view(row)


def list_cases(s: Session, *, buyer_id: int | None = None, open_only: bool = False,
               order_no: str | None = None, created_from=None, created_to=None) -> list[CaseView]:
    """Cases oldest first (an open list by age)."""
    q = _query()
    if buyer_id is not None:
        q = q.where(AfterSaleCase.buyer_id == buyer_id)
    if open_only:
        q = q.where(AfterSaleCase.state != CaseState.CLOSED.value)
    if order_no:
        q = q.where(AfterSaleCase.order_no == order_no)
    if created_from is not None:
        q = q.where(AfterSaleCase.created_at >= created_from)
    if created_to is not None:
        q = q.where(AfterSaleCase.created_at < created_to)
    return [_view(r) for r in s.exec(q.order_by(col(AfterSaleCase.created_at), col(AfterSaleCase.id))).all()]


def followups(s: Session, case_id: int) -> list[FollowUpView]:
    rows = s.exec(select(CaseFollowUp).where(CaseFollowUp.case_id == case_id).order_by(col(CaseFollowUp.id))).all()
    return [FollowUpView(r.id, r.case_id, r.at, r.agent, r.text) for r in rows]
