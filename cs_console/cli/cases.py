"""``cs-console cases add|list|show|follow|state``: the after-sales register (售后登记表)."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    acting,
    emit,
    fail,
    open_desk,
    quick_store,
    shop_timezone,
    when,
)
from cs_console.domain.aftersales import (
    HANDLING_LABELS,
    REASON_LABELS,
    STATE_LABELS,
    CaseRuleError,
    CaseState,
    CaseView,
    Handling,
    Reason,
    parse_enum,
)
from cs_console.domain.clock import local
from cs_console.domain.money import MoneyError, format_money, parse_money

app = typer.Typer(help="售后登记：添加、列表、查看、跟进、改状态。", no_args_is_help=True)

CaseArg = Annotated[int, typer.Argument(help="售后单号。")]


def case_dict(c: CaseView) -> dict:
    return {
        "id": c.id, "created_at": when(c.created_at), "created_by": c.created_by, "order_no": c.order_no,
        "buyer": c.buyer, "chat_id": c.chat_id, "reason": c.reason.value, "note": c.note,
        "handling": c.handling.value, "amount": None if c.amount is None else str(c.amount),
        "return_tracking_no": c.return_tracking_no, "state": c.state.value, "order_flag": c.order_flag,
        "updated_at": when(c.updated_at), "closed_at": when(c.closed_at),
    }


def case_line(c: CaseView, tz: str) -> str:
    money = f" {format_money(c.amount)}" if c.amount is not None else ""
    green = " 🟢仓库已收到退货" if c.return_received_flag and c.state == CaseState.WAITING_RETURN else ""
    return (f"#{c.id:<4} {local(c.created_at, tz):%Y-%m-%d %H:%M}  {c.order_no:<14} {c.buyer:<12} {REASON_LABELS[c.reason]:<6} "
            f"{HANDLING_LABELS[c.handling]}{money}  [{STATE_LABELS[c.state]}]{green}")


def _money(text: str | None):
    if text is None:
        return None
    try:
        return parse_money(text)
    except MoneyError as exc:
        fail(f"error: {exc}")


@app.command()
def add(
    order_no: Annotated[str, typer.Argument(help="订单号。")],
    reason: Annotated[str, typer.Option("--reason", help="原因：colour|size|quality|logistics|wrong_item|other（或 色差/尺码…）。")],
    handling: Annotated[str, typer.Option("--handling", help="处理方式：refund|exchange|partial_refund|coupon|gift|priority。")],
    amount: Annotated[str | None, typer.Option("--amount", help="金额（元；退款、部分退款、优惠券）。")] = None,
    note: Annotated[str, typer.Option("--note", help="详细说明。")] = "",
    tracking: Annotated[str, typer.Option("--tracking", help="退回包裹的物流单号。")] = "",
    agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """为订单登记售后（关联买家及其最近的会话）。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        case = desk.cases.add(order_no, name, parse_enum(Reason, REASON_LABELS, reason),
                              parse_enum(Handling, HANDLING_LABELS, handling), amount=_money(amount), note=note,
                              return_tracking_no=tracking)
    except (CaseRuleError, LookupError) as exc:
        fail(f"error: {exc}")
    emit(case_dict(case), as_json, case_line(case, desk.policy.shop.timezone))


@app.command("list")
def list_(
    open_only: Annotated[bool, typer.Option("--open", help="只看未关闭的售后单（最早的在前）。")] = False,
    buyer: Annotated[str | None, typer.Option("--buyer", help="只看这位买家的售后单。")] = None,
    order_no: Annotated[str | None, typer.Option("--order", help="只看这个订单的售后单。")] = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """售后登记表，最早的在前。"""
    conn = None if buyer else quick_store(db)  # a buyer's name is looked up (and refused) by the desk
    if conn is not None:  # a current SQLite store: sqlite3 alone, the zone as last validated
        from cs_console.store.case_rows import case_view, cases_sql
        from cs_console.store.quick_read import snapshot

        tz = shop_timezone()
        with snapshot(conn):
            cases = [case_view(r) for r in conn.execute(cases_sql(open_only=open_only, order_no=bool(order_no)),
                                                        {"order_no": order_no} if order_no else {})]
    else:
        desk = open_desk(db)
        tz = desk.policy.shop.timezone
        try:
            cases = desk.cases.list(open_only=open_only, buyer=buyer, order_no=order_no)
        except LookupError as exc:
            fail(f"error: {exc}")
    emit([case_dict(c) for c in cases], as_json, "\n".join(case_line(c, tz) for c in cases) or "没有售后单")


@app.command()
def show(case_id: CaseArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """查看一个售后单及其跟进记录。"""
    desk = open_desk(db)
    try:
        case, notes = desk.cases.show(case_id)
    except LookupError as exc:
        fail(f"error: {exc}")
    data = case_dict(case) | {"followups": [{"at": when(n.at), "agent": n.agent, "text": n.text} for n in notes]}
    lines = [case_line(case, desk.policy.shop.timezone)]
    if case.note:
        lines.append(f"  说明: {case.note}")
    if case.return_tracking_no:
        lines.append(f"  退货运单号: {case.return_tracking_no}")
    lines += [f"  {local(n.at, desk.policy.shop.timezone):%Y-%m-%d %H:%M} {n.agent}: {n.text}" for n in notes]
    emit(data, as_json, "\n".join(lines))


@app.command()
def follow(case_id: CaseArg, text: Annotated[str, typer.Argument(help="跟进内容。")],
           agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """添加一条跟进记录（谁、何时、内容）。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        entry = desk.cases.follow(case_id, name, text)
    except (CaseRuleError, LookupError) as exc:
        fail(f"error: {exc}")
    emit({"id": entry.id, "case_id": case_id, "at": when(entry.at), "agent": name, "text": entry.text},
         as_json, f"#{case_id} 跟进已记录")


@app.command()
def state(
    case_id: CaseArg,
    target: Annotated[str, typer.Argument(help="状态：open|waiting_return|received|refunded|exchanged|compensated|closed。")],
    reason: Annotated[str, typer.Option("--reason", help="理由（记入审计日志）。")] = "",
    tracking: Annotated[str | None, typer.Option("--tracking", help="退回包裹的物流单号。")] = None,
    handling: Annotated[str | None, typer.Option("--handling", help="同时修改处理方式。")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="同时修改金额。")] = None,
    agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """把售后单改为另一个状态（被拒绝时不做任何改动）。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        case = desk.cases.move(case_id, parse_enum(CaseState, STATE_LABELS, target), name, reason=reason,
                               return_tracking_no=tracking,
                               handling=parse_enum(Handling, HANDLING_LABELS, handling) if handling else None,
                               amount=_money(amount))
    except (CaseRuleError, LookupError) as exc:
        fail(f"error: {exc}")
    emit(case_dict(case), as_json, case_line(case, desk.policy.shop.timezone))
