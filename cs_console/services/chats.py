"""Chat use-cases: buyers write, agents answer, drafts persist, chats end."""

from __future__ import annotations

from dataclasses import dataclass

from cs_console.domain.chat import ChatStatus, ChatSummary, MessageView, session_order
from cs_console.domain.clock import Clock
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import one_line
from cs_console.store import chats as repo
from cs_console.store.engine import Store


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
    def send(self, chat_id: int, agent: str, text: str) -> Posted:
        """The agent's reply; clears their draft for the chat in the same transaction."""
        with self.store.write() as s:
            now = self.clock()
            who = repo.ensure_agent(s, agent, now)
            msg = repo.add_agent_message(s, chat_id, who, text, now)
            repo.save_draft(s, chat_id, who, "", 0, now)
            return Posted(chat_id, msg.id, repo.chat_summary(s, chat_id).buyer_nick)

    def send_to_buyer(self, buyer: str, agent: str, text: str) -> Posted:
        """Reply in the buyer's open chat (``chat send`` on the CLI)."""
        with self.store.read() as s:
            chat = repo.open_chat_of(s, repo.find_buyer(s, buyer))
        if chat is None:
            raise repo.NotFound("chat.no_open_chat", buyer=buyer)
        return self.send(chat.id, agent, text)

    def please_wait(self, chat_id: int, agent: str) -> Posted:
        """接一、待二、招呼三: send the configured 'please wait' phrase to a waiting chat."""
        return self.send(chat_id, agent, self.policy.phrases.please_wait)

    def close(self, chat_id: int, agent: str) -> None:
        with self.store.write() as s:
            now = self.clock()
            repo.close_chat(s, chat_id, repo.ensure_agent(s, agent, now), now)

    def mark_read(self, chat_id: int) -> None:
        with self.store.write() as s:
            repo.mark_read(s, chat_id)

    def save_draft(self, chat_id: int, agent: str, text: str, cursor: int) -> None:
        with self.store.write() as s:
            now = self.clock()
            repo.save_draft(s, chat_id, repo.ensure_agent(s, agent, now), text, cursor, now)

    # reads ------------------------------------------------------------------------------------
    def sessions(self, *, include_closed: bool = False) -> list[ChatSummary]:
        """Open chats in session-list order (waiting first, longest wait first)."""
        with self.store.read() as s:
            return session_order(repo.list_chats(s, include_closed=include_closed))

    def summary(self, chat_id: int) -> ChatSummary:
        with self.store.read() as s:
            return repo.chat_summary(s, chat_id)

    def chat_of(self, buyer: str) -> ChatSummary:
        """The buyer's open chat, else their latest one."""
        with self.store.read() as s:
            chat = repo.latest_chat_of(s, repo.find_buyer(s, buyer))
            if chat is None:
                raise repo.NotFound(f"buyer {buyer!r} has no chat")
            return repo.chat_summary(s, chat.id)

    def recent(self, chat_id: int, limit: int = 100, before_id: int | None = None) -> list[MessageView]:
        with self.store.read() as s:
            return repo.recent_messages(s, chat_id, limit, before_id)

    def after(self, chat_id: int, after_id: int) -> list[MessageView]:
        with self.store.read() as s:
            return repo.messages_after(s, chat_id, after_id)

    def draft(self, chat_id: int, agent: str) -> tuple[str, int]:
        with self.store.read() as s:
            who = repo.find_agent(s, agent)
            return repo.load_draft(s, chat_id, who.id) if who else ("", 0)

    def log(self, buyer: str) -> list[MessageView]:
        """Every message of every chat with the buyer, oldest first."""
        with self.store.read() as s:
            b = repo.find_buyer(s, buyer)
            return repo.buyer_log(s, b)

    def is_open(self, summary: ChatSummary) -> bool:
        return summary.status != ChatStatus.CLOSED
