"""``cs-console handover …`` (交接本) and ``cs-console sync OTHER``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    quick_store,
    read_policy,
    when,
)
from cs_console.domain.clock import local
from cs_console.domain.messages import os_reason, render
from cs_console.domain.text import clean_text

if TYPE_CHECKING:
    from cs_console.domain.handover import Note

app = typer.Typer(help="交接本：添加、列表、确认、完成、导出、导入。", no_args_is_help=True)

NoteArg = Annotated[str, typer.Argument(help="交接记录编号（至少前 4 个字符）。")]
FileArg = Annotated[Path, typer.Argument(help="JSON 文件。")]


def note_dict(n: Note) -> dict:
    return {"id": n.id, "state": n.state.value, "text": n.text, "priority": n.priority.value,
            "author": n.author, "created_at": when(n.created_at), "shift": n.shift,
            "for_shift": n.for_shift, "day": n.day, "buyer": n.buyer, "order_no": n.order_no,
            "case_id": n.case_id, "acked_by": n.acked_by,
            "acked_at": when(n.acked_at), "done_by": n.done_by,
            "done_at": when(n.done_at), "resolution": n.resolution,
            "edits": n.edits, "origin": n.origin}


def _handover_error() -> type[Exception]:
    from cs_console.services.handover import HandoverError

    return HandoverError


def note_line(n: Note, tz: str) -> str:
    from cs_console.domain.handover import PRIORITY_LABEL, STATE_LABEL

    links = " ".join(x for x in (n.buyer and f"买家:{n.buyer}", n.order_no and f"订单:{n.order_no}",
                                  n.case_id and f"售后:{n.case_id}") if x)
    who = f" 确认:{n.acked_by}" if n.acked_by else ""
    done = f" 完成:{n.done_by}「{n.resolution}」" if n.done_by else ""
    return (f"{n.short_id}  [{STATE_LABEL[n.state]}] {PRIORITY_LABEL[n.priority]}  "
            f"{local(n.created_at, tz):%m-%d %H:%M} {n.author}({n.shift}→{n.for_shift})  {n.text}"
            f"{'  ' + links if links else ''}{who}{done}")


@app.command()
def add(text: Annotated[str, typer.Argument(help="下一班需要知道或要做的事。")],
        buyer: Annotated[str | None, typer.Option("--buyer", help="关联买家（旺旺ID）。")] = None,
        order: Annotated[str | None, typer.Option("--order", help="关联订单（订单编号）。")] = None,
        case: Annotated[str | None, typer.Option("--case", help="关联售后单。")] = None,
        priority: Annotated[str, typer.Option("--priority", help="优先级：low 低、normal 普通、high 高、urgent 紧急。")] = "normal",
        shift: Annotated[str | None, typer.Option("--shift", help="写于哪个班次（默认：客服自己的班次）。")] = None,
        to: Annotated[str | None, typer.Option("--for", help="交给哪个班次（默认：下一班）。")] = None,
        agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """写一条交接记录。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        n = desk.handover.add(text, name, buyer=buyer, order_no=order, case_id=case, priority=priority,
                              shift=shift, for_shift=to)
    except _handover_error() as exc:
        fail(f"错误：{exc}")
    emit(note_dict(n), as_json, f"已写交接 {n.short_id}（{n.shift} → {n.for_shift}）")


@app.command("list")
def list_(open_: Annotated[bool, typer.Option("--open", help="只看未完成的记录。")] = False,
          shift: Annotated[str | None, typer.Option("--shift", help="只看这个班次写的记录。")] = None,
          day: Annotated[str | None, typer.Option("--day", help="只看这一天（当地日期 YYYY-MM-DD）的记录。")] = None,
          db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """交接记录，未完成的在前（未确认的排在已确认之前）。"""
    from cs_console.domain.followups import parse_day
    from cs_console.domain.handover import derive, select
    from cs_console.store.handover_rows import events_quick
    from cs_console.store.quick_read import snapshot

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine; the shifts as last validated
        policy = read_policy()
        shifts = policy.shifts.shifts
    else:
        desk = open_desk(db)
        policy, shifts = desk.policy, desk.handover.shifts.settings.shifts
    if shift is not None:
        known = {s.id: s.id for s in shifts} | {s.name: s.id for s in shifts}
        if shift.strip() not in known:
            choices = "、".join(f"{s.id}（{s.name}）" for s in shifts)
            fail(f"错误：没有这个班次：{shift}（可选：{choices}）", 2)
        shift = known[shift.strip()]
    if day is not None:
        try:
            day = parse_day(day).isoformat()
        except ValueError as exc:
            fail(f"错误：{exc}", 2)
    if conn is not None:
        bad: list[tuple[str, str]] = []
        with snapshot(conn):
            notes = select(derive(events_quick(conn, bad)), open_only=open_, shift=shift, day=day)
    else:
        notes = desk.handover.notes(open_only=open_, shift=shift, day=day)
        bad = desk.handover.last_quarantine
    _report_quarantine(bad)
    tz = policy.shop.timezone
    emit([note_dict(n) for n in notes], as_json, "\n".join(note_line(n, tz) for n in notes) or "没有交接记录")


def _report_quarantine(bad: list[tuple[str, str]]) -> None:
    """Invalid stored events are skipped by every reader; say so (on stderr) with their ids."""
    if not bad:
        return
    from cs_console.domain.messages import render

    err.print(clean_text(render("handover.quarantined", count=len(bad))), markup=False)
    for event_id, reason in bad[:20]:
        err.print(clean_text(f"  {event_id}: {reason}"), markup=False)


@app.command()
def ack(note: NoteArg, agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """确认一条交接记录（已确认）。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        n = desk.handover.ack(note, name)
    except _handover_error() as exc:
        fail(f"错误：{exc}")
    emit(note_dict(n), as_json, f"交接 {n.short_id} 已由 {name} 确认")


@app.command()
def done(note: NoteArg, resolution: Annotated[str, typer.Option("--resolution", help="是怎样处理的。")],
         agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """写明处理结果，把交接记录标为已完成。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        n = desk.handover.done(note, name, resolution)
    except _handover_error() as exc:
        fail(f"错误：{exc}")
    emit(note_dict(n), as_json, f"交接 {n.short_id} 已由 {name} 完成")


@app.command()
def export(file: FileArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把全部交接记录写入 JSON 文件（带校验和）。"""
    desk = open_desk(db)
    try:
        count = desk.handover.export(file)
    except OSError as exc:
        fail(render("file.unwritable", path=file, reason=os_reason(exc)))
    emit({"file": str(file), "events": count}, as_json, f"已导出 {count} 条事件到 {file}")


@app.command("import")
def import_(file: FileArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """合并交接导出文件；格式错误或被篡改的文件会被拒绝，不做任何改动。"""
    desk = open_desk(db)
    try:
        res = desk.handover.import_(file)
    except _handover_file_error() as exc:
        fail(str(exc))
    emit(res.as_dict(), as_json, f"从 {file} 导入 {res.events} 条事件，其中新增 {res.inserted} 条")


def _handover_file_error() -> type[Exception]:
    from cs_console.domain.handover_file import HandoverFileError

    return HandoverFileError


def sync(other: Annotated[str, typer.Argument(help="另一个存储：SQLite 文件路径或 postgresql:// 地址。")],
         db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """双向合并本存储与 OTHER 的交接本（取并集，可重复执行）。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from cs_console.store.engine import StoreError

    desk = open_desk(db)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(phase: str, done: int, total: int) -> None:
            label = {"compare": "比较", "send": "发送", "receive": "接收"}.get(phase, phase)
            if phase not in tasks:
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            res = desk.handover.sync(other, progress)
        except StoreError as exc:
            fail(str(exc), 2)
    for line in res.refused:
        err.print(clean_text(line), markup=False)
    emit(res.as_dict(), as_json, f"发送 {res.sent} 条，接收 {res.received} 条"
         + (f"，拒收 {len(res.refused)} 条无效事件" if res.refused else ""))
    if res.refused:
        raise typer.Exit(1)
