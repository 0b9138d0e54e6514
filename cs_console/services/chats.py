"""Chat use-cases: buyers write, agents answer, drafts persist, chats end."""

from __future__ import annotations

from dataclasses import dataclass

from cs_console.domain.chat import ChatStatus, ChatSummary, MessageView
from cs_console.domain.clock import Clock
from cs_console.domain.identity import Principal
from cs_console.domain.messages import UserError, render
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.team import Move
from cs_console.domain.text import one_line
from cs_console.store import chat_rows, outbox
from cs_console.store import chats as repo
from cs_console.store import identity as identity_repo
from cs_console.store import team as team_repo
from cs_console.store.agent_reply import reply_in_own_chat
from cs_console.store.engine import Store
from cs_console.store.identity import Actor
from cs_console.store.tables import Agent


class NotYourChat(UserError, PermissionError):
    """Only the agent a chat is assigned to (or a supervisor taking it over) may answer it."""


def make_it_mine(s, chat_id: int, who: Agent, now) -> None:
    """Before ``who`` answers: the chat is theirs, becomes theirs (a queued chat, taken
    atomically: ``claim``), or they are a supervisor taking it over (``takeover``, recorded in
    ``assignments`` with a system line); anyone else is refused. Which move is allowed is
    ``domain.team.move_refusal`` (checked again by PostgreSQL on an agent's login)."""
    from cs_console.domain.team import is_supervisor

    chat = repo.get_chat(s, chat_id)
    if chat.agent_id == who.id:
        return
    if chat.agent_id is None:
        if not team_repo.take_chat(s, chat.id, who.id, now, kind=Move.CLAIM, by=who.name,
                                   reason=render("team.claimed_by_reply_reason"), actor=who):
            raise NotYourChat("chat.taken_meanwhile")
    elif is_supervisor(who.role):
        owner = s.get(Agent, chat.agent_id)
        if not team_repo.take_chat(s, chat.id, who.id, now, kind=Move.TAKEOVER, expected=chat.agent_id,
                                   by=who.name, reason=render("team.takeover_reason"), actor=who):
            raise NotYourChat("chat.changed_meanwhile")
        repo.add_system_message(s, chat.id, render("team.takeover_note", by=who.name,
                                                          owner=owner.name if owner else ""), now)
    else:
        owner = s.get(Agent, chat.agent_id)
        raise NotYourChat("chat.not_yours", owner=owner.name if owner else render("chat.another_agent"))
    s.expire(chat)


@dataclass(frozen=True, slots=True)
class Posted:
    """What a write produced (for CLI --json output and the UI's selection)."""

    chat_id: int
    message_id: int
    buyer: str


class ChatService:
    """Everything an agent does with chats; each method is one transaction."""

    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock

    # buyer side -------------------------------------------------------------------------------
    def inject(self, buyer: str, text: str) -> Posted:
        """An inbound buyer message (simulator, ``chat inject``, a gateway)."""
        with self.store.write() as s:
            chat, msg = repo.add_buyer_message(s, buyer, text, self.clock())
            return Posted(chat.id, msg.id, one_line(buyer))

    # agent side -------------------------------------------------------------------------------

    def send(self, chat_id: int, agent: Actor, text: str) -> Posted:
        """The agent's reply; clears their draft for the chat in the same transaction.

        The sender must exist (never created here) and be the chat's agent (see ``make_it_mine``)."""
        with self.store.write() as s:
            now = self.clock()
            # a chat already theirs: plain SQL (on PostgreSQL two round trips)
            done = reply_in_own_chat(s, chat_id, agent.agent_id if isinstance(agent, Principal) else None,
                                     agent.name if isinstance(agent, Principal) else str(agent), text, now)
            if done is not None:
                return Posted(chat_id, done[0], done[1])
            who = identity_repo.actor(s, agent)
            make_it_mine(s, chat_id, who, now)
            msg = repo.add_agent_message(s, chat_id, who, text, now)
            outbox.enqueue(s, msg, now)  # a channel buyer's reply leaves with this transaction
            repo.save_draft(s, chat_id, who, "", 0, now)
            return Posted(chat_id, msg.id, repo.chat_summary(s, chat_id).buyer_nick)

    def send_to_buyer(self, buyer: str, agent: Actor, text: str) -> Posted:
        """Reply in the buyer's open chat (``chat send`` on the CLI)."""
        with self.store.read() as s:
            chat = repo.open_chat_of(s, repo.find_buyer(s, buyer))
        if chat is None:
            raise repo.NotFound("chat.no_open_chat", buyer=buyer)
        return self.send(chat.id, agent, text)

    def please_wait(self, chat_id: int, agent: Actor) -> Posted:
        """接一、待二、招呼三: send the configured 'please wait' phrase to a waiting chat."""
        return self.send(chat_id, agent, self.policy.phrases.please_wait)

    def close(self, chat_id: int, agent: Actor) -> None:
        with self.store.write() as s:
            now = self.clock()
            repo.close_chat(s, chat_id, identity_repo.actor(s, agent), now)

    def mark_read(self, chat_id: int) -> None:
        with self.store.write() as s:
            repo.mark_read(s, chat_id)

    def save_draft(self, chat_id: int, agent: Actor, text: str, cursor: int) -> None:
        with self.store.write() as s:
            now = self.clock()
            repo.save_draft(s, chat_id, identity_repo.actor(s, agent), text, cursor, now)

    # reads ------------------------------------------------------------------------------------
    def sessions(self, *, include_closed: bool = False) -> list[ChatSummary]:
        """Open chats in session-list order (waiting first, longest wait first)."""
        return chat_rows.sessions(self.store, include_closed=include_closed)

    def summary(self, chat_id: int) -> ChatSummary:
        with self.store.read() as s:
            return repo.chat_summary(s, chat_id)

    def chat_of(self, buyer: str) -> ChatSummary:
        """The buyer's open chat, else their latest one."""
        with self.store.read() as s:
            chat = repo.latest_chat_of(s, repo.find_buyer(s, buyer))
            if chat is None:
                raise repo.NotFound("chat.no_chat_of", buyer=buyer)
            return repo.chat_summary(s, chat.id)

    def recent(self, chat_id: int, limit: int = 100, before_id: int | None = None) -> list[MessageView]:
        with self.store.read() as s:
            return repo.recent_messages(s, chat_id, limit, before_id)

    def after(self, chat_id: int, after_id: int) -> list[MessageView]:
        with self.store.read() as s:
            return repo.messages_after(s, chat_id, after_id)

    def draft(self, chat_id: int, agent: Actor) -> tuple[str, int]:
        with self.store.read() as s:
            return repo.load_draft_of(s, chat_id, str(agent))

    def drafts(self, agent: Actor, chat_ids: list[int]) -> dict[int, tuple[str, int]]:
        """The agent's drafts of these chats: chat id → (text, caret)."""
        with self.store.read() as s:
            return repo.drafts_of(s, str(agent), chat_ids)

    def log(self, buyer: str) -> list[MessageView]:
        """Every message of every chat with the buyer, oldest first."""
        with self.store.read() as s:
            b = repo.find_buyer(s, buyer)
            return repo.buyer_log(s, b)

    def is_open(self, summary: ChatSummary) -> bool:
        return summary.status != ChatStatus.CLOSED
