"""Repository for the after-sales register: cases, their follow-ups, open cases by age."""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from cs_console.domain.aftersales import CaseView, FollowUpView
from cs_console.domain.messages import UserError
from cs_console.store.case_rows import case_view as case_view_row
from cs_console.store.case_rows import cases_sql
from cs_console.store.tables import AfterSaleCase, CaseFollowUp, Order
from cs_console.store.types import UTCDateTime


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


def _cases(s: Session, params: dict, **filters: bool) -> list[CaseView]:
    stmt = text(cases_sql(**filters)).bindparams(
        *(bindparam(t, type_=UTCDateTime()) for t in ("created_from", "created_to") if filters.get(t)))
    return [case_view_row(r) for r in s.connection().execute(stmt, params)]


def case_view(s: Session, case_id: int) -> CaseView:
    rows = _cases(s, {"case_id": case_id}, case_id=True)
    if not rows:
        raise CaseNotFound("case.not_found", case_id=case_id)
    return rows[0]


def list_cases(s: Session, *, buyer_id: int | None = None, open_only: bool = False,
               order_no: str | None = None, created_from=None, created_to=None) -> list[CaseView]:
    """Cases oldest first (an open list by age)."""
    params = {"buyer_id": buyer_id, "order_no": order_no, "created_from": created_from, "created_to": created_to}
    return _cases(s, {k: v for k, v in params.items() if v is not None}, buyer_id=buyer_id is not None,
                  open_only=open_only, order_no=bool(order_no), created_from=created_from is not None,
                  created_to=created_to is not None)


def followups(s: Session, case_id: int) -> list[FollowUpView]:
    rows = s.exec(select(CaseFollowUp).where(CaseFollowUp.case_id == case_id).order_by(col(CaseFollowUp.id))).all()
    return [FollowUpView(r.id, r.case_id, r.at, r.agent, r.text) for r in rows]
