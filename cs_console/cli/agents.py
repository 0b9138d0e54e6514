"""``cs-console agents …``: the team's agents (客服): add, list."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, JsonOpt, emit, fail, open_desk
from cs_console.cli.team_common import REFUSED, agent_row
from cs_console.domain.team import ROLE_LABELS, STATUS_LABELS, AgentStatus, Role

app = typer.Typer(help="Agents (客服) of the team: add, list.", no_args_is_help=True)


@app.command("add")
def agents_add(name: Annotated[str, typer.Argument(help="Agent name (sub-account).")],
               role: Annotated[str, typer.Option("--role", help="trainee|agent|trainee_supervisor|supervisor (or 见习客服/客服/见习主管/主管).")] = "agent",
               capacity: Annotated[int | None, typer.Option("--capacity", min=1, help="Open chats before new ones queue (default: shop.yaml team.capacity).")] = None,
               db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Add an agent (or change an existing agent's role/capacity)."""
    desk = open_desk(db)
    try:
        a = desk.team.add_agent(name, role, capacity)
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit(agent_row(a), as_json, f"{a.name}：{ROLE_LABELS[Role(a.role)]}，接待上限 {a.capacity}")


@app.command("list")
def agents_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every agent: role, status, open/waiting chats, capacity, today's first responses."""
    desk = open_desk(db)
    rows = [agent_row(a) for a in desk.team.agents()]
    human = "\n".join(
        f"{r['name']:<12} {ROLE_LABELS[Role(r['role'])]:<6} {STATUS_LABELS[AgentStatus(r['status'])]:<4} "
        f"接待 {r['open_chats']}/{r['capacity']}  等待 {r['waiting_chats']}  "
        f"今日首次响应 {r['first_responses_today']}" for r in rows) or "没有客服"
    emit(rows, as_json, human)


