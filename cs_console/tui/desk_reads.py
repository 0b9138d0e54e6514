"""The store loop's reads of what the desk shows, as snapshots (in the loop's thread only): the
window of the chat being opened, older lines, the session list with drafts, presence and the
team's notices, and the open chat's new lines and moving delivery statuses. :class:`DeskReads`
remembers which chat is open, the newest line shown and which outbound lines may still change,
so each read after a change fetches only what is new."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cs_console.tui.store_notices import TeamNotices
from cs_console.tui.store_snapshots import (
    ChatOpened,
    NewMessages,
    Notice,
    OlderMessages,
    Sessions,
    Statuses,
)

if TYPE_CHECKING:
    from cs_console.domain.chat import ChatSummary
    from cs_console.services.desk import Desk

WINDOW = 100  # messages loaded per chat switch / per "load older"


class DeskReads:
    """The reads of one agent's desk, and what the store loop knows of the open chat."""

    def __init__(self, agent: str):
        self.agent = agent
        self.current: int | None = None  # the open chat (set by the loop's own jobs, in order)
        self._last_id = 0
        self._moving: set[int] = set()  # outbound lines whose delivery status may still change
        self.team_notices = TeamNotices(agent)  # what of the team's notices was said already
        self.role = "agent"

    def close_chat(self) -> None:
        self.current, self._last_id, self._moving = None, 0, set()

    def open_window(self, d: Desk, chat_id: int, summary: ChatSummary | None) -> ChatOpened:
        """The newest ``WINDOW`` lines of ``chat_id`` and its draft; it is the open chat from now on."""
        s = summary or d.chats.summary(chat_id)
        messages = d.chats.recent(chat_id, WINDOW + 1)
        has_older = len(messages) > WINDOW
        messages = messages[-WINDOW:]
        draft = d.chats.draft(chat_id, self.agent)
        self.current, self._last_id = chat_id, (messages[-1].id if messages else 0)
        self._moving = {m.id for m in messages if m.status and m.status != "read"}
        return ChatOpened(chat_id, s, tuple(messages), has_older, draft)

    @staticmethod
    def older(d: Desk, chat_id: int, before_id: int) -> OlderMessages:
        older = d.chats.recent(chat_id, WINDOW + 1, before_id=before_id)
        return OlderMessages(chat_id, tuple(older[-WINDOW:]), len(older) > WINDOW)

    def sessions(self, d: Desk) -> tuple[Sessions, list[Notice]]:
        """My chats, the queue, my drafts, my presence, and the team's notices not said yet."""
        chats, queue = d.team.sessions_for(self.agent)
        drafts = d.chats.drafts(self.agent, [c.chat_id for c in chats])
        role, status = d.team.presence(self.agent)
        self.role = role
        notices = self.team_notices.read(d)
        return Sessions(tuple(chats), queue, tuple((cid, t, c) for cid, (t, c) in drafts.items()), role, status), notices

    def transcript(self, d: Desk, chat_id: int, publish: Callable[[object], Any]) -> None:
        """New lines of the open chat, then the delivery statuses that moved (each published as
        soon as it is read: new lines are never lost to a failing status read)."""
        new = d.chats.after(chat_id, self._last_id)
        if new:
            self._last_id = new[-1].id
            self._moving |= {m.id for m in new if m.status and m.status != "read"}
            publish(NewMessages(chat_id, tuple(new)))
        if self._moving:
            statuses = d.gateway.statuses(sorted(self._moving))
            self._moving = {i for i, (st, _) in statuses.items() if st != "read"}
            publish(Statuses(chat_id, tuple((i, st, err) for i, (st, err) in statuses.items())))
