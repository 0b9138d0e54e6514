"""``cs-console orders …``: list, show, change (price, postage, flag, close, receipt), audit, import.

A refused change exits non-zero with the reason on stderr and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    acting,
    config_error,
    emit,
    err,
    fail,
    open_desk,
    quick_store,
    shop_timezone,
    when,
)
from cs_console.domain.clock import local
from cs_console.domain.messages import render
from cs_console.domain.money import MoneyError, format_money

if TYPE_CHECKING:
    from cs_console.domain.orders import OrderView

app = typer.Typer(help="订单：列表、查看、带理由修改、审计记录、导入。", no_args_is_help=True)

NoArg = Annotated[str, typer.Argument(help="订单编号。")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（记入审计日志）。")]
T = TypeVar("T")


def _run(fn: Callable[[], T]) -> T:
    """Call a service; a refusal or unknown order exits non-zero with the reason."""
    from cs_console.domain.orders import OrderRefused
    from cs_console.store.orders import OrderNotFound

    try:
        return fn()
    except (OrderRefused, OrderNotFound, LookupError, MoneyError) as exc:
        fail(f"错误：{exc}")
    except config_error() as exc:
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


def value_label(field: str, value: str) -> str:
    from cs_console.domain.audit_text import value_label

    return value_label(field, value)


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
def list_(buyer: Annotated[str | None, typer.Option("--buyer", help="买家旺旺ID。")] = None,
          state: Annotated[str | None, typer.Option("--state", help="订单状态：WAIT_BUYER_PAY（等待买家付款）、PAID（已付款）、SHIPPED（已发货）、SUCCESS（交易成功）、CLOSED（交易关闭）。")] = None,
          flag: Annotated[str | None, typer.Option("--flag", help="旗帜颜色（grey 表示没有插旗）。")] = None,
          db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """订单列表，最新的在前（手机号打码）。"""
    from cs_console.domain.orders import OrderRefused, parse_state
    from cs_console.store.order_rows import list_orders_quick
    from cs_console.store.quick_read import snapshot

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine
        tz = shop_timezone()
    else:
        desk = open_desk(db)
        tz = desk.policy.shop.timezone
    from cs_console.domain.flag_colours import FlagColour

    try:
        st = parse_state(state).value if state else None
    except OrderRefused as exc:
        fail(f"错误：{exc}")
    if flag and flag.lower() not in {c.value for c in FlagColour}:
        fail(f"错误：没有这种旗帜颜色：{flag}（可选：{'、'.join(c.value for c in FlagColour)}）", 2)
    if conn is not None:
        with snapshot(conn):
            orders = list_orders_quick(conn, buyer=buyer, state=st, flag=flag.lower() if flag else None)
    else:
        orders = desk.orders.list(buyer=buyer, state=st, flag=flag.lower() if flag else None)
    if as_json:  # only the form asked for is built: a thousand orders either way
        emit([order_dict(o, tz=tz) for o in orders], True)
    else:
        emit(None, False, "\n".join(_line(o, tz) for o in orders) or "没有订单")


@app.command()
def show(order_no: NoArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """查看一个订单的全部信息（详情：手机号不打码）。"""
    desk = open_desk(db)
    o = _run(lambda: desk.orders.show(order_no))
    tz = desk.policy.shop.timezone
    emit(order_dict(o, tz=tz, full=True), as_json, _detail(o, tz))


@app.command("set-price")
def set_price(order_no: NoArg, line: Annotated[int, typer.Argument(help="商品行号（1、2、…）。")],
              amount: Annotated[str, typer.Argument(help="新单价（元）。")], reason: ReasonOpt,
              agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """修改商品单价（仅集市店、未付款订单；不能低于 0）。"""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.set_item_price(order_no, line, amount, reason, name))
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：第 {line} 行已改价，订单金额 {format_money(o.amount)}")


@app.command("set-postage")
def set_postage(order_no: NoArg, amount: Annotated[str, typer.Argument(help="新运费（元，可以为 0）。")],
                reason: ReasonOpt, agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """修改未付款订单的运费。"""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.set_postage(order_no, amount, reason, name))
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：运费 {format_money(o.postage)}，订单金额 {format_money(o.amount)}")


@app.command()
def flag(order_no: NoArg, colour: Annotated[str, typer.Argument(help="旗帜颜色（red 红、yellow 黄、green 绿、blue 蓝、purple 紫）。")],
         remark: Annotated[str, typer.Option("--remark", help="其他部门需要知道的信息。")],
         base_version: Annotated[int | None, typer.Option(
             "--base-version", help="你读到的旗帜/备注版本（见 orders show）；此后若被改过则拒绝。")] = None,
         agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """给已付款订单插旗并写备注（若备注已被他人改过则拒绝，并显示当前备注）。"""
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
          line: Annotated[int | None, typer.Option("--line", help="只关闭这一行商品。")] = None,
          agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """关闭未付款订单（或其中一件商品），理由从本店列表中选。"""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.close(order_no, reason, name, line=line))
    what = f"第 {line} 行商品已关闭" if line else "订单已关闭"
    emit(order_dict(o, tz=desk.policy.shop.timezone), as_json, f"{o.order_no}：{what}，订单金额 {format_money(o.amount)}")


@app.command("extend-receipt")
def extend_receipt(order_no: NoArg, days: Annotated[int, typer.Option("--days", help="延长的天数（3、5、7 或 10）。")],
                   reason: Annotated[str, typer.Option("--reason", help="理由（可选）。")] = "",
                   agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """延长已发货订单的收货期限，以免晚到的包裹被自动确认收货。"""
    desk = open_desk(db)
    name = acting(desk, agent)
    o = _run(lambda: desk.orders.extend_receipt(order_no, days, name, reason))
    tz = desk.policy.shop.timezone
    emit(order_dict(o, tz=tz, full=True), as_json, f"{o.order_no}：自动确认收货时间 {local(o.receipt_deadline, tz):%Y-%m-%d %H:%M}")


@app.command()
def audit(order_no: NoArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """订单的全部修改记录：谁、何时、字段、旧值 → 新值、理由。"""
    from cs_console.domain.audit_text import describe

    desk = open_desk(db)
    rows = _run(lambda: desk.orders.audit(order_no))
    data = [{"at": when(r.at), "agent": r.agent, "field": r.field, "old": r.old, "new": r.new,
             "reason": r.reason} for r in rows]
    emit(data, as_json, "\n".join(f"{d['at']}  {d['agent']:<6} {describe(d['field'], d['old'], d['new'])}"
                                  + (f"  （{d['reason']}）" if d["reason"] else "") for d in data) or "没有修改记录")


@app.command("import")
def import_(orders_file: Annotated[Path, typer.Argument(help="订单报表（每个订单一行）：CSV 或 .xlsx，各年代格式均可。")],
            items_file: Annotated[Path | None, typer.Argument(help="宝贝报表（每行商品一行）：CSV 或 .xlsx。")] = None,
            skip_bad: Annotated[bool, typer.Option("--skip-bad", help="导入正确的行，并报告有问题的行。")] = False,
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """导入卖家后台导出的订单（GBK 或 UTF-8 的 CSV，或 xlsx）；除非用 --skip-bad，否则要么全部导入要么都不导入。"""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from cs_console.services.orders import ImportRejected

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
