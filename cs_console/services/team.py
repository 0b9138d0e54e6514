"""Team use-cases: agents and status, distribution (分流), forward (转发), hang-up (挂起),
and the supervisor's overview. Each method is one transaction; rules live in ``domain.team``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cs_console.domain.chat import ChatStatus, ChatSummary, session_order
from cs_console.domain.clock import Clock
from cs_console.domain.messages import render
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.team import (
    AgentStatus,
    Candidate,
    HangupState,
    Move,
    Role,
    TeamRuleError,
    check_hangup_decision,
    clean_forward_reason,
    eligible,
    is_stale,
    is_supervisor,
    parse_role,
    pick_agent,
    start_of_day,
)
from cs_console.domain.text import one_line
from cs_console.services.chats import ChatService
from cs_console.services.team_overview import AgentInfo, agent_overview
from cs_console.store import chats as chat_repo
from cs_console.store import team as repo
from cs_console.store.engine import Store
from cs_console.store.team_rows import HangupView, _hangup_view

DISTRIBUTE_BATCH = 500  # chats assigned per transaction (keeps each write short)
SUPERVISOR_PAGE = 500  # open chats a supervisor's session list and breach notices read at once


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything on the supervisor's screen."""

    agents: list[AgentInfo]
    queue: list[ChatSummary]
    breaches: list[ChatSummary]
    pending: list[HangupView]


def _one_more(cands: dict[int, Candidate], agent_id: int, seq: int) -> None:
    """The distributor's running view: the agent just got one more chat (round robin moves on)."""
    c = cands[agent_id]
    cands[agent_id] = replace(c, open_chats=c.open_chats + 1, last_assigned_seq=seq)


class TeamService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock, chats: ChatService):
        self.store, self.policy, self.clock, self.chats = store, policy, clock, chats
        self.settings = policy.team

    # ---- agents -------------------------------------------------------------------------------
    def add_agent(self, name: str, role: str = "agent", capacity: int | None = None) -> AgentInfo:
        r = parse_role(role)
        if capacity is not None and capacity < 1:
            raise TeamRuleError("team.capacity")
        with self.store.write() as s:
            repo.upsert_agent(s, name, r, capacity, self.clock())
        return self.agent(name)

    def agents(self) -> list[AgentInfo]:
        return agent_overview(self.store, self.policy, self.clock)

    def agent(self, name: str) -> AgentInfo:
        for a in self.agents():
            if a.name == name.strip():
                return a
        raise chat_repo.NotFound("team.no_agent", name=name)

    def presence(self, name: str) -> tuple[str, str]:
        """(role, status) of one agent, cheaply (the TUI header)."""
        with self.store.read() as s:
            a = chat_repo.find_agent(s, name)
            return (a.role, a.status) if a else (Role.AGENT.value, AgentStatus.OFFLINE.value)

    def is_supervisor(self, name: str) -> bool:
        with self.store.read() as s:
            a = chat_repo.find_agent(s, name)
            return a is not None and is_supervisor(a.role)

    # ---- presence -----------------------------------------------------------------------------
    def start(self, name: str) -> None:
        """The agent's TUI starts: online (created as a plain agent if new), then distribute."""
        with self.store.write() as s:
            now = self.clock()
            agent = chat_repo.ensure_agent(s, name, now, role=Role.AGENT.value)
            repo.ensure_profile(s, agent.id)
            repo.set_status(s, agent, AgentStatus.ONLINE, now)
            if repo.approved_hangup_of(s, agent.id) is not None:  # approved while I was away
                agent.status = AgentStatus.HUNG_UP
        self.distribute(name)

    def heartbeat(self, name: str) -> str:
        """Refresh the heartbeat (a running TUI calls this every ``heartbeat_seconds``).

        An agent taken offline as stale (laptop asleep) comes back online."""
        with self.store.write() as s:
            now = self.clock()
            agent = repo.get_agent(s, name)
            if agent.status == AgentStatus.OFFLINE:
                repo.set_status(s, agent, AgentStatus.ONLINE, now)
            agent.heartbeat_at = now
            return agent.status

    def stop(self, name: str) -> int:
        """The agent quits: offline, their open chats go back to the queue (returns how many)."""
        with self.store.write() as s:
            released = repo.set_status(s, repo.get_agent(s, name), AgentStatus.OFFLINE, self.clock())
        if released:
            self.distribute()
        return released

    # ---- distribution (分流) -------------------------------------------------------------------
    def _work_to_do(self, me: str | None) -> bool:
        """Cheap read first, so idle TUIs never open write transactions (no change ping-pong)."""
        now = self.clock()
        with self.store.read() as s:
            if any(a.name != me for a in repo.stale_agents(s, now, self.settings.stale_after_seconds)):
                return True
            queued = bool(repo.queued_chats(s, limit=1))
            if not queued and not self.settings.reassign_breached:
                return False  # the idle case: two small indexed queries
            if not any(eligible(c) for c in repo.candidates(s, self.settings.capacity)):
                return False
            return queued or any(
                c.agent_id is not None and not repo.moved_for_breach_since(s, c.id, c.waiting_since)
                for c in repo.breached_chats(s, now, self.policy.response.breach))

    def distribute(self, me: str | None = None) -> list[tuple[int, int]]:
        """Assign queued chats to agents (and reap stale agents); safe to call from every process.

        ``me``: the calling TUI's agent, alive by definition (never reaped by their own call)."""
        if not self._work_to_do(me):
            return []
        with self.store.write() as s:
            return self._distribute(s, me)

    def _distribute(self, s, me: str | None = None) -> list[tuple[int, int]]:
        repo.lock_distribution(s)
        now = self.clock()
        actor = repo.acting_agent(s, me)
        for agent in repo.stale_agents(s, now, self.settings.stale_after_seconds):
            if agent.name == me:
                agent.heartbeat_at = now
            elif is_stale(agent.heartbeat_at, now, self.settings.stale_after_seconds):
                repo.set_status(s, agent, AgentStatus.OFFLINE, now, by=actor)
        cands = {c.agent_id: c for c in repo.candidates(s, self.settings.capacity)}
        since = start_of_day(now, self.policy.shop.timezone)
        done: list[tuple[int, int]] = []
        for chat_id, buyer_id in repo.queued_chats(s, limit=DISTRIBUTE_BATCH):
            prev = repo.previous_agent(s, buyer_id, chat_id, since)
            agent_id = pick_agent(list(cands.values()), previous=prev)
            if agent_id is None:
                break  # everyone is full, hung up or offline: the rest waits in the queue
            if repo.take_chat(s, chat_id, agent_id, now, kind=Move.AUTO, actor=actor):
                _one_more(cands, agent_id, repo.last_assignment_id(s))
                done.append((chat_id, agent_id))
        if self.settings.reassign_breached:
            done += self._reassign_breached(s, now, cands, actor)
        return done

    def _reassign_breached(self, s, now: datetime, cands, actor) -> list[tuple[int, int]]:
        # never to the agent moving it (unless a supervisor): nobody takes a colleague's chat
        mover = () if actor is None or is_supervisor(actor.role) else (actor.id,)
        moved = []
        for chat in repo.breached_chats(s, now, self.policy.response.breach):
            if chat.agent_id is None or repo.moved_for_breach_since(s, chat.id, chat.waiting_since):
                continue
            to = pick_agent(list(cands.values()), exclude=(chat.agent_id, *mover))
            if to is None:
                continue  # no one else for this chat; another distributor may have someone
            if repo.take_chat(s, chat.id, to, now, kind=Move.BREACH, expected=chat.agent_id,
                              reason=render("team.overdue_moved_reason"), actor=actor):
                chat_repo.add_system_message(s, chat.id, render("team.overdue_moved_note"), now)
                _one_more(cands, to, repo.last_assignment_id(s))
                moved.append((chat.id, to))
        return moved

    def assign(self, buyer: str, to: str, by: str = "") -> int:
        """Manual assignment (``chat assign NICK --to AGENT``) of the buyer's open chat."""
        with self.store.write() as s:
            now = self.clock()
            chat = chat_repo.open_chat_of(s, chat_repo.find_buyer(s, buyer))
            if chat is None:
                raise chat_repo.NotFound("chat.no_open_chat", buyer=buyer)
            target = repo.get_agent(s, to)
            if chat.agent_id == target.id:
                return chat.id
            if not repo.take_chat(s, chat.id, target.id, now, kind=Move.MANUAL, expected=chat.agent_id, by=by,
                                  actor=repo.acting_agent(s, by)):
                raise TeamRuleError("chat.changed_meanwhile")
            chat_repo.add_system_message(s, chat.id, render("team.assigned_note", name=target.name), now)
            return chat.id

    def sessions_for(self, name: str) -> tuple[list[ChatSummary], int]:
        """What an agent's session list shows: their own chats (a supervisor: the first
        ``SUPERVISOR_PAGE`` open chats of the team), and how many waiting chats nobody has (the
        queue). Reads only those rows, whatever the size of the store."""
        with self.store.read() as s:
            me = chat_repo.find_agent(s, name) if name.strip() else None
            queue = chat_repo.queue_length(s)
            if me is not None and is_supervisor(me.role):
                return chat_repo.open_chats_page(s, SUPERVISOR_PAGE), queue
            mine = chat_repo.agent_open_chats(s, me.id) if me is not None else []
        return session_order(mine), queue

    # ---- forward (转发) ------------------------------------------------------------------------
    def forward(self, chat_id: int, to: str, reason: str, by: str) -> None:
        """Hand the chat to an online teammate with a short reason; a system line records it."""
        why = clean_forward_reason(reason)
        with self.store.write() as s:
            now = self.clock()
            chat = chat_repo.get_chat(s, chat_id)
            if chat.status == ChatStatus.CLOSED:
                raise TeamRuleError("team.forward_closed")
            me, target = repo.get_agent(s, by), repo.get_agent(s, to)
            repo.check_move(s, Move.FORWARD, me, chat.agent_id, target.id)
            if target.status != AgentStatus.ONLINE:
                raise TeamRuleError("team.forward_to_offline", name=target.name, status=target.status)
            if not repo.take_chat(s, chat.id, target.id, now, kind=Move.FORWARD, expected=chat.agent_id,
                                  by=me.name, reason=why, actor=me):
                raise TeamRuleError("chat.changed_meanwhile")
            chat_repo.add_system_message(s, chat.id, render("team.forwarded_note", by=me.name, name=target.name, reason=why), now)
            chat.unread = max(chat.unread, 1)  # the teammate sees it as new

    def forward_buyer(self, buyer: str, to: str, reason: str, by: str) -> int:
        with self.store.read() as s:
            chat = chat_repo.open_chat_of(s, chat_repo.find_buyer(s, buyer))
        if chat is None:
            raise chat_repo.NotFound("chat.no_open_chat", buyer=buyer)
        self.forward(chat.id, to, reason, by)
        return chat.id

    def teammates(self, name: str) -> list[AgentInfo]:
        """Online teammates one may forward to."""
        return [a for a in self.agents() if a.name != name and a.status == AgentStatus.ONLINE]

    # ---- hang-up (挂起) ------------------------------------------------------------------------
    def request_hangup(self, name: str, reason: str) -> int:
        why = one_line(reason)
        if not why:
            raise TeamRuleError("team.hangup_needs_reason")
        with self.store.write() as s:
            agent = repo.get_agent(s, name)
            if agent.status == AgentStatus.HUNG_UP:
                raise TeamRuleError("team.already_hung_up")
            if repo.pending_hangup_of(s, agent.id) is not None:
                raise TeamRuleError("team.hangup_pending")
            return repo.add_hangup(s, agent.id, why[:200], self.clock()).id

    def decide_hangup(self, request_id: int, by: str, approve: bool, note: str = "") -> HangupView:
        """A supervisor approves (the agent stops receiving new chats) or refuses."""
        with self.store.write() as s:
            now = self.clock()
            req = repo.get_hangup(s, request_id)
            decider = repo.get_agent(s, by)
            check_hangup_decision(decider_id=decider.id, decider_role=decider.role,
                                  requester_id=req.agent_id, state=req.state)
            req.state = HangupState.APPROVED if approve else HangupState.REFUSED
            req.decided_by, req.decided_at, req.note = decider.id, now, one_line(note)[:200]
            requester = repo.agent_by_id(s, req.agent_id)
            if approve and requester.status == AgentStatus.ONLINE:
                requester.status = AgentStatus.HUNG_UP
            s.flush()
            return _hangup_view(req, requester.name, decider.name)

    def resume(self, name: str) -> None:
        """End a hang-up: receive new chats again (no approval needed)."""
        with self.store.write() as s:
            agent = repo.get_agent(s, name)
            if agent.status != AgentStatus.HUNG_UP:
                raise TeamRuleError("team.not_hung_up")
            agent.status = AgentStatus.ONLINE
            repo.end_hangups(s, agent.id, self.clock())
        self.distribute(name)

    def hangups_by_id(self, ids: set[int]) -> list[HangupView]:
        with self.store.read() as s:
            return [_hangup_view(*r) for r in repo.hangups(s, ids=ids)]

    def hangups(self, *, pending_only: bool = False) -> list[HangupView]:
        with self.store.read() as s:
            rows = repo.hangups(s, state=HangupState.PENDING if pending_only else None)
        return [_hangup_view(*r) for r in rows]

    # ---- notices for a running TUI ---------------------------------------------------------------
    def notice_cursor(self) -> tuple[int, int]:
        """Where notices start (nothing older is announced)."""
        with self.store.read() as s:
            return repo.last_assignment_id(s), repo.last_hangup_id(s)

    def notices(self, name: str, cursor: tuple[int, int]) -> tuple[list[str], tuple[int, int]]:
        """New things to tell the agent: chats forwarded to them (with the reason) and, for a
        supervisor, new hang-up requests. Returns the lines and the next cursor."""
        after_assignment, after_hangup = cursor
        lines: list[str] = []
        with self.store.read() as s:
            me = chat_repo.find_agent(s, name)
            if me is None:
                return [], cursor
            for a, nick in repo.forwards_to(s, me.id, after_assignment):
                lines.append(render("team.forwarded_to_you", by=a.by, nick=nick, reason=a.reason))
            if is_supervisor(me.role):
                for req, agent, _ in repo.hangups(s, state=HangupState.PENDING):
                    if req.id > after_hangup:
                        lines.append(render("team.hangup_asked", name=agent, reason=req.reason))
            return lines, (repo.last_assignment_id(s), repo.last_hangup_id(s))

    def breaches(self) -> list[ChatSummary]:
        """Waiting chats unanswered past the breach threshold (``response.breach``), longest first
        (at most ``SUPERVISOR_PAGE``: what a supervisor can be told about at once)."""
        older_than = self.clock() - timedelta(seconds=self.policy.response.breach)
        with self.store.read() as s:
            return chat_repo.breached_page(s, older_than, SUPERVISOR_PAGE)

    # ---- supervisor ----------------------------------------------------------------------------
    def overview(self) -> Overview:
        every = self.chats.sessions()
        now = self.clock()
        breach = self.policy.response.breach
        return Overview(
            agents=self.agents(),
            queue=[c for c in every if c.agent is None and c.status == ChatStatus.WAITING],
            breaches=[c for c in every if c.waiting_seconds(now) > breach],  # = self.breaches()
            pending=self.hangups(pending_only=True),
        )
