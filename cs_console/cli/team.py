"""``cs-console agents …``, ``hangup …``, and ``chat assign|forward|distribute``: the team desk."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli import chat
from cs_console.cli.common import AgentOpt, DbOpt, JsonOpt, emit, fail, open_desk, resolve_agent
from cs_console.domain.team import ROLE_LABELS, STATUS_LABELS, AgentStatus, Role, TeamRuleError
from cs_console.store.chats import NotFound

agents_app = typer.Typer(help="Agents (客服) of the team: add, list.", no_args_is_help=True)
hangup_app = typer.Typer(help="Hang-up (挂起): request, approve/refuse (supervisor), resume, list.",
                         no_args_is_help=True)
REFUSED = (TeamRuleError, NotFound, ValueError)


def _agent_row(a) -> dict:
    return {"name": a.name, "role": a.role, "status": a.status, "open_chats": a.open_chats,
            "waiting_chats": a.waiting_chats, "capacity": a.capacity,
            "heartbeat_at": a.heartbeat_at.isoformat() if a.heartbeat_at else None,
            "first_responses_today": a.first_responses,
            "first_response_avg": None if a.first_response_avg is None else round(a.first_response_avg, 1)}


@agents_app.command("add")
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
    emit(_agent_row(a), as_json, f"{a.name}: {ROLE_LABELS[Role(a.role)]}, capacity {a.capacity}")


@agents_app.command("list")
def agents_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every agent: role, status, open/waiting chats, capacity, today's first responses."""
    desk = open_desk(db)
    rows = [_agent_row(a) for a in desk.team.agents()]
    human = "\n".join(
        f"{r['name']:<12} {ROLE_LABELS[Role(r['role'])]:<6} {STATUS_LABELS[AgentStatus(r['status'])]:<4} "
        f"open {r['open_chats']}/{r['capacity']}  waiting {r['waiting_chats']}  "
        f"first responses today {r['first_responses_today']}" for r in rows) or "no agents"
    emit(rows, as_json, human)


# ---- chat assign / forward / distribute (added to ``cs-console chat``) ---------------------------
@chat.app.command("assign")
def chat_assign(nick: Annotated[str, typer.Argument(help="Buyer nick (旺旺ID).")],
                to: Annotated[str | None, typer.Option("--to", help="Agent to give the chat to; without it the distributor picks.")] = None,
                agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Assign the buyer's open chat to an agent (or run distribution for the queue)."""
    desk = open_desk(db)
    try:
        if to:
            chat_id = desk.team.assign(nick, to, by=resolve_agent(agent, required=False))
            who = to
        else:
            desk.team.distribute()
            summary = desk.chats.chat_of(nick)
            chat_id, who = summary.chat_id, summary.agent
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit({"chat_id": chat_id, "buyer": nick, "agent": who}, as_json,
         f"chat {chat_id} ({nick}) → {who}" if who else f"chat {chat_id} ({nick}) waits in the queue (nobody free)")


@chat.app.command("distribute")
def chat_distribute(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Assign every queued chat to online agents with room (what running TUIs do continuously)."""
    desk = open_desk(db)
    done = desk.team.distribute()
    _, queue = desk.team.sessions_for("")
    emit({"assigned": len(done), "queue": queue}, as_json, f"assigned {len(done)}, still queued {queue}")


@chat.app.command("forward")
def chat_forward(nick: Annotated[str, typer.Argument(help="Buyer nick (旺旺ID).")],
                 to: Annotated[str, typer.Option("--to", help="Online teammate.")],
                 reason: Annotated[str, typer.Option("--reason", help="Why (mandatory, ≤ 50 characters).")],
                 agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Forward the buyer's open chat to an online teammate (转发) with a short reason."""
    name = resolve_agent(agent)
    desk = open_desk(db)
    try:
        chat_id = desk.team.forward_buyer(nick, to, reason, name)
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit({"chat_id": chat_id, "buyer": nick, "from": name, "to": to, "reason": reason.strip()}, as_json,
         f"chat {chat_id} ({nick}) forwarded to {to}")


# ---- hang-up ----------------------------------------------------------------------------------
def _hangup_row(h) -> dict:
    return {"id": h.id, "agent": h.agent, "reason": h.reason, "state": h.state,
            "requested_at": h.requested_at.isoformat(), "decided_by": h.decided_by,
            "decided_at": h.decided_at.isoformat() if h.decided_at else None, "note": h.note}


@hangup_app.command("request")
def hangup_request(reason: Annotated[str, typer.Option("--reason", help="Why you want to stop receiving new chats.")],
                   agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Ask a supervisor to let you hang up (stop receiving newly distributed chats)."""
    name = resolve_agent(agent)
    desk = open_desk(db)
    try:
        rid = desk.team.request_hangup(name, reason)
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit({"id": rid, "agent": name, "state": "pending"}, as_json, f"hang-up request {rid} waits for a supervisor")


def _decide(request_id: int, agent: str | None, db: str | None, as_json: bool, approve: bool, note: str) -> None:
    name = resolve_agent(agent)
    desk = open_desk(db)
    try:
        view = desk.team.decide_hangup(request_id, name, approve, note)
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit(_hangup_row(view), as_json, f"hang-up request {view.id} of {view.agent}: {view.state} by {view.decided_by}")


NoteOpt = Annotated[str, typer.Option("--note", help="A word for the agent.")]
IdArg = Annotated[int, typer.Argument(help="Request id (hangup list).")]


@hangup_app.command("approve")
def hangup_approve(request_id: IdArg, agent: AgentOpt = None, note: NoteOpt = "", db: DbOpt = None,
                   as_json: JsonOpt = False) -> None:
    """Approve a hang-up request (supervisor roles only, never your own)."""
    _decide(request_id, agent, db, as_json, True, note)


@hangup_app.command("refuse")
def hangup_refuse(request_id: IdArg, agent: AgentOpt = None, note: NoteOpt = "", db: DbOpt = None,
                  as_json: JsonOpt = False) -> None:
    """Refuse a hang-up request (supervisor roles only)."""
    _decide(request_id, agent, db, as_json, False, note)


@hangup_app.command("resume")
def hangup_resume(agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """End your hang-up: receive new chats again."""
    name = resolve_agent(agent)
    desk = open_desk(db)
    try:
        desk.team.resume(name)
    except REFUSED as exc:
        fail(f"error: {exc}")
    emit({"agent": name, "status": "online"}, as_json, f"{name} receives new chats again")


@hangup_app.command("list")
def hangup_list(pending: Annotated[bool, typer.Option("--pending", help="Only requests waiting for a decision.")] = False,
                db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Hang-up requests and decisions (who, when, why)."""
    desk = open_desk(db)
    rows = [_hangup_row(h) for h in desk.team.hangups(pending_only=pending)]
    human = "\n".join(f"{r['id']:>4}  {r['state']:<9} {r['agent']:<10} {r['requested_at'][:19]}  {r['reason']}"
                      + (f"  — {r['decided_by']}: {r['note']}" if r['decided_by'] else "") for r in rows) or "no requests"
    emit(rows, as_json, human)
