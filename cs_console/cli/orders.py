"""``cs-console orders …``: list, show, change (price, postage, flag, close, receipt), audit, import.

A refused change exits non-zero with the reason on stderr and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    acting,
    emit,
    err,
    fail,
    open_desk,
    when,
)
from cs_console.config import ConfigError
from cs_console.domain.audit_text import describe, value_label
from cs_console.domain.clock import local
from cs_console.domain.messages import render
from cs_console.domain.money import MoneyError, format_money
from cs_console.domain.orders import OrderRefused, OrderView
from cs_console.services.orders import ImportRejected
from cs_console.store.orders import OrderNotFound

app = typer.Typer(help="Orders (订单): list, show, change with a reason, audit, import.", no_args_is_help=True)

NoArg = Annotated[str, typer.Argument(help="Order number (订单编号).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]
T = TypeVar("T")


def _run(fn: Callable[[], T]) -> T:
    """Call a service; a refusal or unknown order exits non-zero with the reason."""
    try:
        return fn()
    except (OrderRefused, OrderNotFound, LookupError, MoneyError) as exc:
        fail(f"错误：{exc}")
    except ConfigError as exc:
        fail(str(exc), 2)


def order_dict(o: OrderView, *, tz: str, full: bool = False) -> dict:
    d = {
        "order_no": o.order_no, "buyer": o.buyer, "state": o.state.value, "state_label": o.state.label,
        "placed_at": when(o.placed_at), "amount": str(o.amount), "items_total": str(o.items_total),
        "postage": str(o.postage), "flag": o.flag, "remark": o.remark, "flag_version": o.flag_version,
        "items": [{"line": i.line_no, "title": i.title, "colour": i.colour, "size": i.size,
                   "unit_price": str(i.unit_price), "quantity": i.quantity, "closed": i.closed,
                   "close_reason": i.close_reason} for i in o.items],
    }
    if full:
        d.update({
            "paid_at": when(o.paid_at),
            "shipped_at": when(o.shipped_at),
            "receiver_name": o.receiver_name, "phone": o.phone, "province": o.province, "city": o.city,
            "district": o.district, "address_detail": o.address_detail, "courier": o.courier,
            "tracking_no": o.tracking_no, "buyer_message": o.buyer_message, "close_reason": o.close_reason,
            "receipt_deadline": when(o.receipt_deadline),
        })
    else:
        d["phone"] = o.masked_phone
    return d


def _line(o: OrderView, tz: str) -> str:
    items = "，".join(f"{i.title}×{i.quantity}" for i in o.open_items)
    return (f"{o.order_no}  {local(o.placed_at, tz):%m-%d %H:%M}  {o.state.label:<8} {format_money(o.amount):>10}  "
            f"{value_label('flag', o.flag):<4} {o.buyer}  {items}{'  备注: ' + o.remark if o.remark else ''}")


def _detail(o: OrderView, tz: str) -> str:
    lines = [f"订单 {o.order_no}  {o.state.label} ({o.state.value})  买家 {o.buyer}",
             f"拍下 {local(o.placed_at, tz):%Y-%m-%d %H:%M}" + (f"  付款 {local(o.paid_at, tz):%Y-%m-%d %H:%M}" if o.paid_at else ""),
             f"收货人 {o.receiver_name}  {o.phone}  {o.address}"]
    for i in o.items:
        spec = "/".join(x for x in (i.colour, i.size) if x)
        lines.append(f"  {i.line_no}. {i.title} {spec} {format_money(i.unit_price)} ×{i.quantity}"
                     + (f"  [已关闭: {i.close_reason}]" if i.closed else ""))
    lines.append(f"货款 {format_money(o.items_total)}  运费 {format_money(o.postage)}  合计 {format_money(o.amount)}")
    if o.courier or o.tracking_no:
        lines.append(f"物流 {o.courier} {o.tracking_no}")
    if o.receipt_deadline:
        lines.append(f"自动确认收货 {local(o.receipt_deadline, tz):%Y-%m-%d %H:%M}")
    lines.append(f"旗帜 {value_label('flag', o.flag)}  备注 {o.remark or '—'}  （版本 {o.flag_version}，改备注时用 --base-version {o.flag_version}）")
    return "\n".join(lines)


@app.command("list")
def list_(buyer: Annotated[str | None, typer.Option("--buyer", help="Buyer nick.")] = None,
          state: Annotated[str | None, typer.Option("--state", help="WAIT_BUYER_PAY, PAID, SHIPPED, SUCCESS, CLOSED.")] = None,
          flag: Annotated[str | None, typer.Option("--flag", help="Flag colour (grey = no flag).")] = None,
          db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Orders, newest first (phones masked)."""
    from cs_console.domain.orders import parse_state

    desk = open_desk(db)
    from cs_console.domain.flags import FlagColour

    st = _run(lambda: parse_state(state).value) if state else None
    if flag and flag.lower() not in {c.value for c in FlagColour}:
        fail(f"错误：没有这种旗帜颜色：{flag}（可选：{'、'.join(c.value for c in FlagColour)}）", 2)
    tz = desk.policy.shop.timezone
    orders = desk.orders.list(buyer=buyer, state=st, flag=flag.lower() if flag else None)
    emit([order_dict(o, tz=tz) for o in orders], as_json, "\n".join(_line(o, tz) for o in orders) or "没有订单")


@app.command()
def show(order_no: NoArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """One order in full (the detail view: phone unmasked)."""
    desk = open_desk(db)
    o = _run(lambda: desk.orders.show(order_no))
    tz = desk.policy.shop.timezone
    emit(order_dict(o, tz=tz, full=True), as_json, _detail(o, tz))


@app.command("set-price")
def set_price(order_no: NoArg, line: Annotated[int, typer.Argument(help="Item line number (1, 2, …).")],
              amount: Annotated[str, typer.Argument(help="New unit price, yuan.")], reason: ReasonOpt,
              agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Change an item's unit price (C-shop, unpaid orders only; never below 0)."""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.set_item_price(order_no, line, amount, reason, name))
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：第 {line} 行已改价，订单金额 {format_money(o.amount)}")


@app.command("set-postage")
def set_postage(order_no: NoArg, amount: Annotated[str, typer.Argument(help="New postage, yuan (0 allowed).")],
                reason: ReasonOpt, agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Change the postage of an unpaid order."""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.set_postage(order_no, amount, reason, name))
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：运费 {format_money(o.postage)}，订单金额 {format_money(o.amount)}")


@app.command()
def flag(order_no: NoArg, colour: Annotated[str, typer.Argument(help="Flag colour (red, yellow, green, blue, purple).")],
         remark: Annotated[str, typer.Option("--remark", help="What other departments need to know.")],
         base_version: Annotated[int | None, typer.Option(
             "--base-version", help="The flag/remark version you read (orders show); refused if it changed since.")] = None,
         agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Flag a paid order and write its remark (refused, with the current remark, if it changed)."""
    desk = open_desk(db)
    name = acting(desk, agent)
    before = _run(lambda: desk.orders.show(order_no))
    o = _run(lambda: desk.orders.flag(order_no, colour, remark, name,
                                      base_version=before.flag_version if base_version is None else base_version))
    meaning = desk.orders.convention.meaning(o.flag)
    replaced = f"\n（替换了原备注「{before.remark}」）" if before.remark and before.remark != o.remark else ""
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json,
         f"{o.order_no}：{value_label('flag', o.flag)}（{meaning}）— {o.remark}{replaced}")


@app.command()
def close(order_no: NoArg, reason: ReasonOpt,
          line: Annotated[int | None, typer.Option("--line", help="Close only this item line.")] = None,
          agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Close an unpaid order (or one item of it) with a reason from the shop's list."""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.close(order_no, reason, name, line=line))
    what = f"第 {line} 行商品已关闭" if line else "订单已关闭"
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：{what}，订单金额 {format_money(o.amount)}")


@app.command("extend-receipt")
def extend_receipt(order_no: NoArg, days: Annotated[int, typer.Option("--days", help="Days to add (3, 5, 7 or 10).")],
                   reason: Annotated[str, typer.Option("--reason", help="Why (optional).")] = "",
                   agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Extend a shipped order's receipt deadline so a late parcel does not auto-complete."""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.extend_receipt(order_no, days, name, reason))
    tz = desk.policy.shop.timezone
    emit(order_dict(o, tz=tz, full=True), as_json, f"{o.order_no}：自动确认收货时间 {local(o.receipt_deadline, tz):%Y-%m-%d %H:%M}")


@app.command()
def audit(order_no: NoArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every recorded change of the order: who, when, field, old → new, reason."""
    desk = open_desk(db)
    rows = _run(lambda: desk.orders.audit(order_no))
    data = [{"at": when(r.at), "agent": r.agent, "field": r.field, "old": r.old, "new": r.new,
             "reason": r.reason} for r in rows]
    emit(data, as_json, "\n".join(f"{d['at']}  {d['agent']:<6} {describe(d['field'], d['old'], d['new'])}"
                                  + (f"  （{d['reason']}）" if d["reason"] else "") for d in data) or "没有修改记录")


@app.command("import")
def import_(orders_file: Annotated[Path, typer.Argument(help="订单报表 (one row per order): CSV or .xlsx, any era.")],
            items_file: Annotated[Path | None, typer.Argument(help="宝贝报表 (one row per item line): CSV or .xlsx.")] = None,
            skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows; still report the bad ones.")] = False,
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Import the seller backend's export (GBK or UTF-8 CSV, or xlsx); all-or-nothing unless --skip-bad."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    desk = open_desk(db)
    with Progress(TextColumn("导入订单"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            summary = desk.orders.import_files(orders_file, items_file, skip_bad=skip_bad, progress=progress)
        except ImportRejected as exc:
            bar.stop()
            for r in exc.rejected:
                err.print(str(r), markup=False, highlight=False)
            if exc.count > len(exc.rejected):
                err.print(render("import.more", count=exc.count - len(exc.rejected)), markup=False)
            if as_json:
                emit({"imported": 0, "updated": 0, "rejected_count": exc.count,
                      "rejected": [{"file": r.file, "line": r.line, "reason": r.reason} for r in exc.rejected]}, True)
            fail("error: " + render("import.refused" if skip_bad else "import.refused_hint", count=exc.count))
    for name, layout in summary.layout.items():
        err.print(render("import.layout", file=name, layout=layout, encoding=summary.encoding[name]),
                  markup=False, highlight=False)
    for name, cols in summary.ignored_columns.items():
        err.print(render("import.ignored_columns", file=name, columns="、".join(cols)), markup=False, highlight=False)
    for r in summary.rejected:
        err.print(render("import.skipped", problem=r), markup=False, highlight=False)
    emit(summary.as_dict(), as_json,
         render("import.done", imported=summary.imported, updated=summary.updated, items=summary.items,
                rejected=summary.rejected_count))
