"""The team desk as rules: roles, statuses, who gets the next chat, who may approve a hang-up.

Pure functions over plain values (no store, no UI). DOMAIN.md "Who uses it": trainee →
agent → trainee supervisor → supervisor; hang-up (挂起) only with the supervisor's approval;
forward (转发) to a teammate; broadcast (群发).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from cs_console.domain.messages import UserError
from cs_console.domain.money import shown

FORWARD_REASON_MAX = 50


class Role(StrEnum):
    """Career ladder: 见习客服 → 客服 → 见习主管 → 主管."""

    TRAINEE = "trainee"
    AGENT = "agent"
    TRAINEE_SUPERVISOR = "trainee_supervisor"
    SUPERVISOR = "supervisor"


ROLE_LABELS = {
    Role.TRAINEE: "见习客服",
    Role.AGENT: "客服",
    Role.TRAINEE_SUPERVISOR: "见习主管",
    Role.SUPERVISOR: "主管",
}
SUPERVISOR_ROLES = frozenset({Role.TRAINEE_SUPERVISOR, Role.SUPERVISOR})


class AgentStatus(StrEnum):
    ONLINE = "online"
    HUNG_UP = "hung_up"
    OFFLINE = "offline"


STATUS_LABELS = {AgentStatus.ONLINE: "在线", AgentStatus.HUNG_UP: "挂起", AgentStatus.OFFLINE: "离线"}


class HangupState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    ENDED = "ended"  # the agent resumed (or went offline) after an approved hang-up


class TeamRuleError(UserError, ValueError):
    """A team action the rules refuse; the message says why (shown as is)."""


def parse_role(value: str) -> Role:
    """``supervisor`` or ``主管`` → Role; anything else refused with the valid choices."""
    v = value.strip()
    for role, label in ROLE_LABELS.items():
        if v in (role.value, label):
            return role
    choices = ", ".join(f"{r.value} ({label})" for r, label in ROLE_LABELS.items())
    raise TeamRuleError("team.unknown_role", value=shown(value), choices=choices)


def is_supervisor(role: str) -> bool:
    return role in SUPERVISOR_ROLES


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent as the distributor sees them."""

    agent_id: int
    status: AgentStatus
    open_chats: int
    capacity: int
    last_assigned_seq: int  # id of their latest assignment; 0 = never (round robin)

    @property
    def has_room(self) -> bool:
        return self.open_chats < self.capacity


def eligible(c: Candidate) -> bool:
    """Online, not hung up, under capacity."""
    return c.status == AgentStatus.ONLINE and c.has_room


def pick_agent(candidates: list[Candidate], *, previous: int | None = None,
               exclude: Collection[int | None] = ()) -> int | None:
    """Who gets the next chat: the buyer's agent of today if eligible, else fewest open chats,
    then round robin (longest since their last assignment). None → the chat queues."""
    pool = [c for c in candidates if eligible(c) and c.agent_id not in exclude]
    if not pool:
        return None
    if previous is not None and any(c.agent_id == previous for c in pool):
        return previous
    return min(pool, key=lambda c: (c.open_chats, c.last_assigned_seq, c.agent_id)).agent_id


class Move(StrEnum):
    """How a chat changes hands (``assignments.kind``)."""

    AUTO = "auto"  # the distributor gives a queued chat to an agent with room
    CLAIM = "claim"  # an agent answers a queued chat: it becomes theirs
    TAKEOVER = "takeover"  # a supervisor answers another agent's chat
    FORWARD = "forward"  # 转发 to a teammate, with a reason
    MANUAL = "manual"  # ``chat assign NICK --to AGENT``
    BREACH = "breach"  # a chat waiting past the breach threshold goes to another agent
    REQUEUE = "requeue"  # back to the queue (the agent went offline)


def close_refusal(*, actor: int | None, actor_is_supervisor: bool, chat_agent: int | None) -> str | None:
    """Why ``actor`` may not end a chat of ``chat_agent`` (a message code), or None: a chat is
    ended by its agent, a queued one by anyone, a colleague's only by a supervisor (in the
    supervisor's name; the chat stays its agent's in the reports). PostgreSQL applies the same
    rule in ``cs_console_guard`` (``store/pg_roles.py``)."""
    if actor is None or chat_agent is None or chat_agent == actor or actor_is_supervisor:
        return None
    return "team.close_not_yours"


def move_refusal(kind: str, *, actor: int | None, actor_is_supervisor: bool, from_agent: int | None,
                 to_agent: int | None, from_offline: bool) -> str | None:
    """Why ``actor`` may not move a chat from ``from_agent`` to ``to_agent`` this way (a message
    code), or None when the move is allowed. The one rule of who may take whose chat: only the
    chat's agent answers it; a queued chat goes to whoever distribution (or a reply) gives it;
    a supervisor may take over or reassign anyone's chat; nobody else takes a colleague's chat.

    ``actor`` None is the store itself (its owner, or SQLite's desk acting for nobody).
    PostgreSQL applies the same table (``cs_console_move_refusal`` in ``store/pg_chat_authority.py``;
    ``tests/test_postgres_roles.py`` drives both with one list of cases)."""
    if actor is None:
        return None
    mine_or_queued = from_agent is None or from_agent == actor
    if kind in (Move.AUTO, Move.CLAIM):
        if from_agent is not None or to_agent is None:
            return "team.move_not_queued"
        return "team.claim_for_another" if kind == Move.CLAIM and to_agent != actor else None
    if kind == Move.REQUEUE:
        if from_agent is None or to_agent is not None:
            return "team.move_bad"
        return None if from_agent == actor or from_offline or actor_is_supervisor else "team.requeue_other"
    if to_agent is None:
        return "team.move_bad"
    if kind == Move.TAKEOVER:
        if from_agent is None or from_agent == actor or to_agent != actor:
            return "team.move_bad"
        return None if actor_is_supervisor else "team.takeover_needs_supervisor"
    if kind == Move.FORWARD:
        if to_agent == actor:
            return "team.forward_to_self"
        if not (mine_or_queued or actor_is_supervisor):
            return "team.forward_not_yours"
        return "team.move_bad" if to_agent == from_agent else None
    if kind == Move.MANUAL:
        if not (mine_or_queued or actor_is_supervisor):
            return "team.reassign_needs_supervisor"
        return "team.move_bad" if to_agent == from_agent else None
    if kind == Move.BREACH:
        if from_agent is None or to_agent == from_agent:
            return "team.move_bad"
        return "team.breach_to_self" if to_agent == actor and not actor_is_supervisor else None
    return "team.move_bad"


def clean_forward_reason(reason: str) -> str:
    """Forward needs a short reason: not empty, at most 50 characters."""
    r = " ".join((reason or "").split())
    if not r:
        raise TeamRuleError("team.forward_needs_reason")
    if len(r) > FORWARD_REASON_MAX:
        raise TeamRuleError("team.forward_reason_too_long", limit=FORWARD_REASON_MAX, length=len(r))
    return r


def check_hangup_decision(*, decider_id: int, decider_role: str, requester_id: int, state: str) -> None:
    """Only a supervisor role may decide, never on their own request, and only once."""
    if not is_supervisor(decider_role):
        raise TeamRuleError("team.hangup_needs_supervisor")
    if decider_id == requester_id:
        raise TeamRuleError("team.hangup_own_request")
    if state != HangupState.PENDING:
        raise TeamRuleError("team.hangup_decided", state=state)


def is_stale(heartbeat_at: datetime | None, now: datetime, stale_after: int) -> bool:
    """A heartbeat older than ``stale_after`` seconds (or none) means the TUI is gone."""
    return heartbeat_at is None or (now - heartbeat_at).total_seconds() > stale_after


def start_of_day(now: datetime, tz: str) -> datetime:
    """Local midnight of ``now``'s day in the shop's zone, as aware UTC ("today")."""
    local_now = now.astimezone(ZoneInfo(tz))
    return local_now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
