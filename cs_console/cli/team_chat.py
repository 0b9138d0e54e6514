"""``cs-console chat assign|forward|distribute``: distribution (分流) and forward (转发).

Registered on the ``chat`` group (``cli/chat.py`` imports this module at its end)."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.chat import app
from cs_console.cli.common import AgentOpt, DbOpt, JsonOpt, acting, emit, fail, open_desk
from cs_console.cli.team_common import refused


@app.command("assign")
def chat_assign(nick: Annotated[str, typer.Argument(help="买家旺旺ID。")],
                to: Annotated[str | None, typer.Option("--to", help="接手会话的客服；不指定时由分流规则选择。")] = None,
                agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把买家当前的会话分配给客服（不指定客服时按分流规则分配）。"""
    desk = open_desk(db)
    me = acting(desk, agent) if to else None  # a manual assignment records who made it
    try:
        if to:
            chat_id = desk.team.assign(nick, to, by=me.name)
            who = to
        else:
            desk.team.distribute()
            summary = desk.chats.chat_of(nick)
            chat_id, who = summary.chat_id, summary.agent
    except refused() as exc:
        fail(f"error: {exc}")
    emit({"chat_id": chat_id, "buyer": nick, "agent": who}, as_json,
         f"会话 {chat_id}（{nick}）→ {who}" if who else f"会话 {chat_id}（{nick}）在队列中等待（没有空闲的客服）")


@app.command("distribute")
def chat_distribute(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把排队中的会话分配给有空位的在线客服（运行中的工作台会持续这样做）。"""
    desk = open_desk(db)
    done = desk.team.distribute()
    _, queue = desk.team.sessions_for("")
    emit({"assigned": len(done), "queue": queue}, as_json, f"已分配 {len(done)}，仍在排队 {queue}")


@app.command("forward")
def chat_forward(nick: Annotated[str, typer.Argument(help="买家旺旺ID。")],
                 to: Annotated[str, typer.Option("--to", help="在线的同事。")],
                 reason: Annotated[str, typer.Option("--reason", help="理由（必填，不超过 50 个字）。")],
                 agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把买家当前的会话转发给在线同事，并写明简短理由。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        chat_id = desk.team.forward_buyer(nick, to, reason, name)
    except refused() as exc:
        fail(f"error: {exc}")
    emit({"chat_id": chat_id, "buyer": nick, "from": name, "to": to, "reason": reason.strip()}, as_json,
         f"会话 {chat_id}（{nick}）已转给 {to}")


