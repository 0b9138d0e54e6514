"""``cs-console hangup …``: hang-up (挂起) requests and the supervisor's decision."""

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
from cs_console.cli.team_common import refused

app = typer.Typer(help="挂起：申请、批准/拒绝（主管）、恢复、列表。", no_args_is_help=True)
_STATE = {"pending": "待审批", "approved": "已批准", "refused": "已拒绝", "ended": "已结束"}


def _hangup_row(h) -> dict:
    return {"id": h.id, "agent": h.agent, "reason": h.reason, "state": h.state,
            "requested_at": when(h.requested_at), "decided_by": h.decided_by,
            "decided_at": when(h.decided_at), "note": h.note}


@app.command("request")
def hangup_request(reason: Annotated[str, typer.Option("--reason", help="为什么要暂停接收新会话。")],
                   agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """请主管批准挂起（不再接收新分配的会话）。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        rid = desk.team.request_hangup(name, reason)
    except refused() as exc:
        fail(f"error: {exc}")
    emit({"id": rid, "agent": name, "state": "pending"}, as_json, f"挂起申请 {rid} 等待主管审批")


def _decide(request_id: int, agent: str | None, db: str | None, as_json: bool, approve: bool, note: str) -> None:
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        view = desk.team.decide_hangup(request_id, name, approve, note)
    except refused() as exc:
        fail(f"error: {exc}")
    emit(_hangup_row(view), as_json, f"{view.agent} 的挂起申请 {view.id}：{_STATE.get(view.state, view.state)}（{view.decided_by}）")


NoteOpt = Annotated[str, typer.Option("--note", help="给这位客服的一句话。")]
IdArg = Annotated[int, typer.Argument(help="申请编号（见 hangup list）。")]


@app.command("approve")
def hangup_approve(request_id: IdArg, agent: AgentOpt = None, note: NoteOpt = "", db: DbOpt = None,
                   as_json: JsonOpt = False) -> None:
    """批准挂起申请（仅主管，不能批准自己的）。"""
    _decide(request_id, agent, db, as_json, True, note)


@app.command("refuse")
def hangup_refuse(request_id: IdArg, agent: AgentOpt = None, note: NoteOpt = "", db: DbOpt = None,
                  as_json: JsonOpt = False) -> None:
    """拒绝挂起申请（仅主管）。"""
    _decide(request_id, agent, db, as_json, False, note)


@app.command("resume")
def hangup_resume(agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """结束挂起：重新接收新会话。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        desk.team.resume(name)
    except refused() as exc:
        fail(f"error: {exc}")
    emit({"agent": name, "status": "online"}, as_json, f"{name} 重新接收新会话")


@app.command("list")
def hangup_list(pending: Annotated[bool, typer.Option("--pending", help="只看等待处理的申请。")] = False,
                db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """挂起申请及处理结果（谁、何时、为什么）。"""
    from cs_console.store.quick_read import snapshot
    from cs_console.store.team_rows import hangups_quick

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine
        shop_timezone()  # times in the shop's zone
        with snapshot(conn):
            hangups = hangups_quick(conn, pending_only=pending)
    else:
        hangups = open_desk(db).team.hangups(pending_only=pending)
    rows = [_hangup_row(h) for h in hangups]
    human = "\n".join(f"{r['id']:>4}  {_STATE.get(r['state'], r['state']):<4} {r['agent']:<10} {r['requested_at']}  {r['reason']}"
                      + (f"  — {r['decided_by']}: {r['note']}" if r['decided_by'] else "") for r in rows) or "没有挂起申请"
    emit(rows, as_json, human)
