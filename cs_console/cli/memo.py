"""``cs-console memo add|list|done``: the agent's memo book (备忘录)."""

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
    when,
)
from cs_console.domain.clock import local

app = typer.Typer(help="备忘录：添加、列表/搜索、完成。", no_args_is_help=True)


@app.command()
def add(text: Annotated[str, typer.Argument(help="备忘内容。")],
        buyer: Annotated[str, typer.Option("--buyer", help="关于哪位买家。")] = "",
        order_no: Annotated[str, typer.Option("--order", help="关于哪个订单。")] = "",
        agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """写一条备忘。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        m = desk.memos.add(name, text, buyer=buyer, order_no=order_no)
    except ValueError as exc:
        fail(f"error: {exc}")
    emit({"id": m.id, "text": m.text, "buyer": m.buyer, "order_no": m.order_no}, as_json, f"已保存备忘 {m.id}")


@app.command("list")
def list_(query: Annotated[str, typer.Argument(help="搜索文字（也可以是买家或订单编号）。")] = "",
          agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """客服自己的备忘，最新的在前。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    rows = desk.memos.search(name, query)
    emit([{"id": m.id, "at": when(m.at), "text": m.text, "buyer": m.buyer, "order_no": m.order_no,
           "done": m.done} for m in rows], as_json,
         "\n".join(f"{m.id:>4} {local(m.at, desk.policy.shop.timezone):%m-%d %H:%M} {'✓' if m.done else ' '} {m.text}"
                   f"{'  @' + m.buyer if m.buyer else ''}{'  #' + m.order_no if m.order_no else ''}" for m in rows)
         or "没有备忘")


@app.command()
def done(memo_id: Annotated[int, typer.Argument(help="备忘编号。")], agent: AgentOpt = None, db: DbOpt = None) -> None:
    """把一条备忘标为完成。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        desk.memos.set_done(memo_id, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    emit(None, False, f"备忘 {memo_id} 已完成")


@app.command()
def promote(memo_id: Annotated[int, typer.Argument(help="备忘编号。")], agent: AgentOpt = None,
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把备忘转成交接本里给下一班的记录。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        note = desk.memos.promote(memo_id, name)
    except (LookupError, ValueError) as exc:
        fail(f"error: {exc}")
    note_id = getattr(note, "id", None) or getattr(note, "note_id", None)
    emit({"memo_id": memo_id, "note": str(note_id)}, as_json, f"备忘 {memo_id} → 交接 {str(note_id)[:8]}")
