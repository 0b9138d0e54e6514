"""``cs-console broadcast``: 群发 to buyers picked by a filter, with a per-buyer preview."""

from __future__ import annotations

from typing import Annotated

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


def broadcast(
    filter_: Annotated[str | None, typer.Option("--filter", help="选哪些买家：unpaid[:小时数] | item:商品文字 | tag:标签")] = None,
    text: Annotated[str | None, typer.Option("--text", help="消息内容；{buyer} {order_no} 等占位符按每位买家填写。")] = None,
    phrase: Annotated[str | None, typer.Option("--phrase", help="发送这个快捷短语编码的内容（代替 --text）。")] = None,
    agent: AgentOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示每位买家的预览。")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问确认，直接发送。")] = False,
    history: Annotated[bool, typer.Option("--history", help="列出以往的群发（谁、何时、筛选条件、人数）。")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """群发：预览、确认后给每位选中的买家各发一条消息（普通的外发消息）。"""
    if history:
        _history(db, as_json)
        return
    if not filter_:
        fail("错误：用 --filter unpaid[:小时] | item:文字 | tag:标签 选择买家", 2)
    if bool(text) == bool(phrase):
        fail("错误：用 --text 内容 或 --phrase 编码 给出群发内容（二选一）", 2)
    from cs_console.domain.broadcast import parse_filter
    from cs_console.domain.messages import render
    from cs_console.domain.team import TeamRuleError

    desk = open_desk(db)
    name = acting(desk, agent).name
    if phrase:
        found = desk.replies.get(phrase, name)
        if found is None:
            fail(f"错误：没有编码为 {phrase} 的快捷短语")
        text = found.text
    try:
        plan = desk.broadcasts.preview(parse_filter(filter_), text, name)
    except TeamRuleError as exc:
        fail(f"error: {exc}")
    lines = [{"buyer": ln.buyer, "text": ln.text, "skip": ln.skip or None} for ln in plan.lines]
    human = "\n".join(f"{'  跳过 ' if ln.skip else '  发送 '}{ln.buyer}：{ln.text}" + (f"  （{ln.skip}）" if ln.skip else "")
                      for ln in plan.lines) or "没有符合条件的买家"
    if dry_run:
        emit({"filter": plan.filter.describe(), "preview": lines, "would_send": len(plan.sendable)}, as_json,
             f"{human}\n" + render("broadcast.dry_run", count=len(plan.sendable)))
        return
    if not as_json:
        err.print(human, markup=False)
    if not yes and not typer.confirm(f"发给 {len(plan.sendable)} 位买家？", err=True):
        fail("没有发送")
    try:
        sent = desk.broadcasts.send(plan, text, name)
    except TeamRuleError as exc:
        fail(f"error: {exc}")
    if phrase:
        desk.replies.record_use(phrase, name)
    emit({"broadcast_id": sent.broadcast_id, "agent": sent.agent, "at": when(sent.at), "filter": sent.filter,
          "count": sent.count, "skipped": sent.skipped, "preview": lines}, as_json,
         f"群发 {sent.broadcast_id}：发送 {sent.count}，跳过 {sent.skipped}")


def _history(db: str | None, as_json: bool) -> None:
    rows = [{"id": b.broadcast_id, "agent": b.agent, "at": when(b.at), "filter": b.filter,
             "count": b.count, "skipped": b.skipped} for b in open_desk(db).broadcasts.history()]
    emit(rows, as_json, "\n".join(f"{r['id']:>4}  {r['at']}  {r['agent']:<8} {r['filter']:<20} "
                                  f"发送 {r['count']}，跳过 {r['skipped']}" for r in rows) or "没有群发记录")
