"""``cs-console shift …``: the current shift and what blocks a clean end of shift."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import AgentOpt, DbOpt, JsonOpt, acting, emit, open_desk, resolve_agent

app = typer.Typer(help="班次：当前班次、交班检查。", no_args_is_help=True)


@app.command()
def now(agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """当前在岗的班次、客服自己的班次，以及是否该报销售额了。"""
    desk = open_desk(db)
    cal, at = desk.handover.shifts, desk.clock()
    name = resolve_agent(agent, required=False)
    mine = desk.handover.agent_shift(name) if name else None
    data = {"local_time": cal.local(at).strftime("%Y-%m-%d %H:%M"),
            "on_duty": [s.id for s in cal.on_duty(at)],
            "agent": name or None, "agent_shift": mine.id if mine else None,
            "report_due": cal.report_due(mine.id, at) if mine else None}
    human = f"{data['local_time']}  在班：{'、'.join(cal.label(i) for i in data['on_duty']) or '—'}"
    if mine:
        human += f"  · {name}: {mine.name}{'  · 该汇报今日销售额了' if data['report_due'] else ''}"
    emit(data, as_json, human)


@app.command()
def end(agent: AgentOpt = None, notes: Annotated[bool, typer.Option(
            "--notes", help="把每个还没记下的问题写成交接记录。")] = False,
        db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """交班前还没处理好的事：今天处理过但没插旗的订单、未回复的买家等。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    made = desk.shift.all_to_notes(name) if notes else []
    blockers = desk.shift.blockers(name)
    rows = [{"kind": b.kind, "key": b.key, "title": b.title, "buyer": b.buyer, "order_no": b.order_no,
             "case_id": b.case_id, "noted": b.noted} for b in blockers]
    human = "\n".join(f"{'✓' if b.noted else '•'} {b.title}" for b in blockers) or "没有妨碍交接的事项"
    if made:
        human += f"\n{len(made)} handover notes written"
    emit({"agent": name, "blockers": rows, "notes_written": [n.id for n in made]} if as_json else None,
         as_json, human)
