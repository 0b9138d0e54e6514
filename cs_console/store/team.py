"""Repository for the team: agent status and load, assignment (分流), forward, hang-up requests.

Functions take an open ``Session`` (the caller owns the transaction). Assignment is atomic:
on SQLite the caller's ``write()`` is BEGIN IMMEDIATE (one writer at a time); on PostgreSQL
the distributor takes a transaction-scoped advisory lock, and every assignment is a
conditional ``UPDATE … WHERE agent_id IS NULL`` (or the expected previous agent), so two
processes can never both take the same chat.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus
from cs_console.domain.limits import ValueRefused
from cs_console.domain.messages import render
from cs_console.domain.money import shown
from cs_console.domain.team import (
    AgentStatus,
    Candidate,
    HangupState,
    Move,
    Role,
    TeamRuleError,
    is_supervisor,
    move_refusal,
)
from cs_console.store import pg_chat_authority, pg_roles
from cs_console.store.chats import NotFound, find_agent
from cs_console.store.tables import Agent, AgentProfile, Assignment, Buyer, Chat, HangupRequest

DISTRIBUTOR_LOCK = 0x6353_6465_736B  # pg_advisory_xact_lock key ("csdesk")


def lock_distribution(s: Session) -> None:
    """Serialise distributors on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if s.get_bind().dialect.name == "postgresql":
        s.exec(text(f"SELECT pg_advisory_xact_lock({DISTRIBUTOR_LOCK})"))


# ---- agents -------------------------------------------------------------------------------------
def get_agent(s: Session, name: str) -> Agent:
    agent = s.exec(select(Agent).where(Agent.name == name.strip())).first()
    if agent is None:
        raise NotFound("team.no_agent", name=shown(name))
    return agent


def agent_by_id(s: Session, agent_id: int) -> Agent:
    agent = s.get(Agent, agent_id)
    if agent is None:
        raise NotFound("team.no_agent_id", agent_id=agent_id)
    return agent


def ensure_profile(s: Session, agent_id: int) -> None:
    if s.get(AgentProfile, agent_id) is None:
        s.add(AgentProfile(agent_id=agent_id))


def upsert_agent(s: Session, name: str, role: Role, capacity: int | None, now: datetime) -> Agent:
    """Create the agent, or change an existing one's role/capacity."""
    name = name.strip()
    if not name:
        raise ValueRefused("handover.no_agent")
    agent = s.exec(select(Agent).where(Agent.name == name)).first()
    if agent is None:
        agent = Agent(name=name, role=role.value, created_at=now)
        s.add(agent)
    else:
        agent.role = role.value
    s.flush()
    profile = s.get(AgentProfile, agent.id)
    if profile is None:
        s.add(AgentProfile(agent_id=agent.id, capacity=capacity))
    elif capacity is not None:
        profile.capacity = capacity
    s.flush()
    return agent


def capacities(s: Session, default: int) -> dict[int, int]:
    rows = s.exec(select(AgentProfile.agent_id, AgentProfile.capacity)).all()
    return {agent_id: cap or default for agent_id, cap in rows}


def open_counts(s: Session) -> dict[int, tuple[int, int]]:
    """agent id → (open chats, waiting chats)."""
    rows = s.exec(
        select(Chat.agent_id, Chat.status, func.count())
        .where(Chat.status != ChatStatus.CLOSED, col(Chat.agent_id).is_not(None))
        .group_by(Chat.agent_id, Chat.status)
    ).all()
    out: dict[int, tuple[int, int]] = {}
    for agent_id, status, n in rows:
        o, w = out.get(agent_id, (0, 0))
        out[agent_id] = (o + n, w + (n if status == ChatStatus.WAITING else 0))
    return out


def candidates(s: Session, default_capacity: int) -> list[Candidate]:
    """Every not-offline agent with their load and their last assignment (round robin)."""
    agents = s.exec(select(Agent).where(Agent.status != AgentStatus.OFFLINE)).all()
    if not agents:
        return []
    caps = capacities(s, default_capacity)
    counts = open_counts(s)
    last = dict(s.exec(select(Assignment.agent_id, func.max(Assignment.id))
                       .where(col(Assignment.agent_id).is_not(None)).group_by(Assignment.agent_id)).all())
    return [Candidate(a.id, AgentStatus(a.status), counts.get(a.id, (0, 0))[0], caps.get(a.id, default_capacity),
                      last.get(a.id) or 0) for a in agents]


def set_status(s: Session, agent: Agent, status: AgentStatus, now: datetime, *,
               by: Agent | None = None) -> int:
    """Change status; going offline returns the agent's open chats to the queue (count).

    ``by``: who does it when it is not the agent themself (a distributor taking a stale agent
    offline; None there: the store itself)."""
    agent.status = status.value
    agent.heartbeat_at = now if status != AgentStatus.OFFLINE else agent.heartbeat_at
    released = 0
    if status == AgentStatus.OFFLINE:
        released = release_chats(s, agent.id, now, actor=by or agent, reason=render("team.offline_reason"))
        end_hangups(s, agent.id, now)
    s.flush()
    return released


def release_chats(s: Session, agent_id: int, now: datetime, *, actor: Agent | None, reason: str) -> int:
    """Every open chat of the agent goes back to the queue (no buyer is left with nobody)."""
    ids = list(s.exec(select(Chat.id).where(Chat.agent_id == agent_id, Chat.status != ChatStatus.CLOSED)).all())
    by = actor.name if actor is not None else ""
    return sum(take_chat(s, chat_id, None, now, kind=Move.REQUEUE, expected=agent_id, by=by, reason=reason,
                         actor=actor) for chat_id in ids)


def stale_agents(s: Session, now: datetime, stale_after: int) -> list[Agent]:
    """Agents marked online/hung up whose TUI stopped beating (crash, kill -9, lost PC)."""
    limit = now - timedelta(seconds=stale_after)
    return list(s.exec(select(Agent).where(
        Agent.status != AgentStatus.OFFLINE,
        (col(Agent.heartbeat_at).is_(None)) | (col(Agent.heartbeat_at) < limit),
    )).all())


# ---- assignment ---------------------------------------------------------------------------------
def queued_chats(s: Session, limit: int | None = None) -> list[tuple[int, int]]:
    """(chat id, buyer id) of waiting chats nobody has, longest wait first."""
    q = (select(Chat.id, Chat.buyer_id)
         .where(Chat.status == ChatStatus.WAITING, col(Chat.agent_id).is_(None))
         .order_by(col(Chat.waiting_since), col(Chat.id)))
    if limit is not None:
        q = q.limit(limit)
    return list(s.exec(q).all())


def previous_agent(s: Session, buyer_id: int, chat_id: int, since: datetime) -> int | None:
    """The agent who served this buyer in another chat since ``since`` (today)."""
    return s.exec(
        select(Chat.agent_id)
        .where(Chat.buyer_id == buyer_id, Chat.id != chat_id, col(Chat.agent_id).is_not(None),
               Chat.opened_at >= since)
        .order_by(col(Chat.id).desc())
    ).first()


def acting_agent(s: Session, name: str | None) -> Agent | None:
    """Who is moving chats: the named agent, else the signed-in agent of a PostgreSQL login
    (None: the store owner, or SQLite's desk acting for nobody)."""
    if name and name.strip():
        return find_agent(s, name)
    agent_id = pg_roles.actor_id(s.connection())
    return s.get(Agent, agent_id) if agent_id is not None else None


def check_move(s: Session, kind: str, actor: Agent | None, expected: int | None, agent_id: int | None) -> None:
    """``domain.team.move_refusal`` on the store's facts; raises the refusal (TeamRuleError)."""
    if actor is None:
        return
    before = s.get(Agent, expected) if expected is not None else None
    code = move_refusal(kind, actor=actor.id, actor_is_supervisor=is_supervisor(actor.role),
                        from_agent=expected, to_agent=agent_id,
                        from_offline=before is not None and before.status == AgentStatus.OFFLINE)
    if code:
        raise TeamRuleError(code)


def take_chat(s: Session, chat_id: int, agent_id: int | None, now: datetime, *, kind: str,
              expected: int | None = None, by: str = "", reason: str = "", actor: Agent | None = None) -> bool:
    """Give the chat to ``agent_id`` only if its agent is still ``expected`` (atomic compare-and-set),
    if ``actor`` may (``check_move``); recorded in ``assignments``.

    Returns False (and writes nothing) when another process got there first. On a PostgreSQL
    store with agents' logins the server does it (``cs_console_take_chat``: the same rule, on the
    login's agent, whatever the client claims)."""
    check_move(s, kind, actor, expected, agent_id)
    if pg_chat_authority.moves_on_server(s):
        s.flush()  # the server's rule reads what this transaction changed (an agent gone offline)
        taken = s.exec(text("SELECT cs_console_take_chat(:c, :to, :k, :e, :by, :r, :at)"),
                       params={"c": chat_id, "to": agent_id, "k": str(kind), "e": expected, "by": by,
                               "r": reason, "at": now}).scalar_one()
        held = s.identity_map.get(s.identity_key(Chat, chat_id))
        if held is not None:
            s.expire(held, ["agent_id"])
        return bool(taken)
    cond = col(Chat.agent_id).is_(None) if expected is None else (Chat.agent_id == expected)
    result = s.exec(update(Chat).where(Chat.id == chat_id, Chat.status != ChatStatus.CLOSED, cond)
                    .values(agent_id=agent_id))
    if result.rowcount != 1:
        return False
    s.add(Assignment(chat_id=chat_id, agent_id=agent_id, from_agent_id=expected, kind=kind, by=by,
                     reason=reason, at=now))
    s.flush()
    return True


def double_assignments(s: Session) -> list[int]:
    """Chats the log shows taken from the queue while someone already had them (must be empty).

    Replays every chat's assignment log: a take from the queue (auto/manual with no previous
    agent) is only valid when the chat is unowned at that point."""
    owner: dict[int, int | None] = {}
    bad = []
    for chat_id, agent_id, from_id in s.exec(select(Assignment.chat_id, Assignment.agent_id, Assignment.from_agent_id)
                                             .order_by(col(Assignment.id))).all():
        if from_id is None and agent_id is not None and owner.get(chat_id) is not None:
            bad.append(chat_id)
        elif from_id is not None and owner.get(chat_id) != from_id:
            bad.append(chat_id)
        owner[chat_id] = agent_id
    return bad


def last_assignment_id(s: Session) -> int:
    return s.exec(select(func.max(Assignment.id))).one() or 0


def breached_chats(s: Session, now: datetime, breach_seconds: int) -> list[Chat]:
    """Waiting chats unanswered past the breach threshold (assigned or not), oldest first."""
    limit = now - timedelta(seconds=breach_seconds)
    return list(s.exec(select(Chat).where(Chat.status == ChatStatus.WAITING, Chat.waiting_since < limit)
                       .order_by(col(Chat.waiting_since))).all())


def moved_for_breach_since(s: Session, chat_id: int, since: datetime) -> bool:
    return s.exec(select(Assignment.id).where(Assignment.chat_id == chat_id, Assignment.kind == "breach",
                                              Assignment.at >= since)).first() is not None


def forwards_to(s: Session, agent_id: int, after_id: int) -> list[tuple[Assignment, str]]:
    """Forwards to the agent newer than ``after_id``, with the buyer's nick."""
    return list(s.exec(select(Assignment, Buyer.nick).join(Chat, Chat.id == Assignment.chat_id)
                       .join(Buyer, Buyer.id == Chat.buyer_id)
                       .where(Assignment.agent_id == agent_id, Assignment.kind == "forward", Assignment.id > after_id)
                       .order_by(col(Assignment.id))).all())


def last_hangup_id(s: Session) -> int:
    return s.exec(select(func.max(HangupRequest.id))).one() or 0


# ---- hang-up ------------------------------------------------------------------------------------
def pending_hangup_of(s: Session, agent_id: int) -> HangupRequest | None:
    return s.exec(select(HangupRequest).where(HangupRequest.agent_id == agent_id,
                                              HangupRequest.state == HangupState.PENDING)).first()


def add_hangup(s: Session, agent_id: int, reason: str, now: datetime) -> HangupRequest:
    req = HangupRequest(agent_id=agent_id, reason=reason, requested_at=now)
    s.add(req)
    s.flush()
    return req


def approved_hangup_of(s: Session, agent_id: int) -> HangupRequest | None:
    """An approved hang-up still in force (not ended by resuming or going offline)."""
    return s.exec(select(HangupRequest).where(HangupRequest.agent_id == agent_id,
                                              HangupRequest.state == HangupState.APPROVED)).first()


def get_hangup(s: Session, request_id: int) -> HangupRequest:
    req = s.get(HangupRequest, request_id)
    if req is None:
        raise NotFound("team.no_hangup", request_id=request_id)
    return req


def hangups(s: Session, *, state: HangupState | None = None,
            ids: set[int] | None = None) -> list[tuple[HangupRequest, str, str | None]]:
    """Requests with the requester's and decider's names, oldest first."""
    q = select(HangupRequest).order_by(col(HangupRequest.id))
    if state is not None:
        q = q.where(HangupRequest.state == state)
    if ids is not None:
        q = q.where(col(HangupRequest.id).in_(ids))
    rows = list(s.exec(q).all())
    names = dict(s.exec(select(Agent.id, Agent.name)).all())
    return [(r, names.get(r.agent_id, "?"), names.get(r.decided_by) if r.decided_by else None) for r in rows]


def end_hangups(s: Session, agent_id: int, now: datetime) -> None:
    """An approved hang-up ends when the agent resumes or goes offline."""
    for req in s.exec(select(HangupRequest).where(HangupRequest.agent_id == agent_id,
                                                  HangupRequest.state == HangupState.APPROVED)).all():
        req.state, req.ended_at = HangupState.ENDED, now
