"""Which chat the desk shows: switching chats (keys, palette, clicks, after a send or a close),
the draft at once and the chat's window as soon as the store loop has read it, and leaving a
chat that is no longer mine. The open chat itself is the desk screen's ``current`` reactive;
this class only moves it."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

from cs_console.tui.side import SidePanel
from cs_console.tui.store_snapshots import ChatOpened
from cs_console.tui.transcript import Transcript

if TYPE_CHECKING:
    from cs_console.tui.desk_screen import DeskScreen


class ChatSelection:
    """Chat switching for the desk screen (its keys and the features call these)."""

    def __init__(self, desk: DeskScreen):
        self.desk = desk
        self.opening_id: int | None = None  # a chat switched to whose window is still being read
        self._pending_open: Future | None = None  # the store loop's read of that window

    @property
    def opening(self) -> Future | None:
        """The store loop's read of the chat being opened, while one is (None otherwise)."""
        return self._pending_open if self.opening_id is not None else None

    def is_shown(self, chat_id: int) -> bool:
        """``chat_id`` is the open chat and its window is on screen."""
        current = self.desk.current
        return current is not None and current.chat_id == chat_id and self.opening_id is None

    def select_chat(self, chat_id: int) -> None:
        """Show a chat: its draft at once (from the journal or the last snapshot), its window as
        soon as the store loop has read it."""
        desk = self.desk
        if self.is_shown(chat_id):
            return
        desk.capture_draft()
        summary = next((c for c in desk.session_chats if c.chat_id == chat_id), None)
        desk.current = summary  # None for a chat outside my list until its window arrives
        self.opening_id = chat_id
        self._pending_open = desk.ctx.loop.open_chat(chat_id, summary)
        desk.ctx.loop.flush_drafts()
        # the transcript changes once, when the window is read (no blank frame, no layout pass
        # in between); its lines of the previous chat are not appended to meanwhile (is_shown)
        desk.drafts.load(*desk.drafts.of(chat_id))

    def chat_opened(self, item: ChatOpened) -> None:
        """The store loop read the window of the chat being opened: show it."""
        desk = self.desk
        self.opening_id = None
        desk.current = item.summary
        if any(c.chat_id == item.chat_id and c != item.summary for c in desk.session_chats):  # read now
            desk.session_chats = [item.summary if c.chat_id == item.chat_id else c for c in desk.session_chats]
        desk.query_one(Transcript).show(item.summary.buyer_nick, list(item.messages), item.has_older)
        desk.drafts.opened(item.chat_id, item.draft)
        # the side tab on top (orders, calculator…) follows one frame later: the transcript paints first
        desk.call_after_refresh(self._side_follows, item.chat_id, item.summary.buyer_nick)

    def _side_follows(self, chat_id: int, buyer: str) -> None:
        desk = self.desk
        if desk.current is not None and desk.current.chat_id == chat_id and desk.panes_alive():
            desk.query_one(SidePanel).show_chat(chat_id, buyer)

    def leave_current(self) -> None:
        """No chat open (the open one was closed, forwarded or reassigned)."""
        desk = self.desk
        desk.capture_draft()
        desk.current = None
        self.opening_id = None
        desk.ctx.loop.open_chat(None)
        desk.query_one(Transcript).show("", [], False)
        desk.drafts.load("", 0)

    def go_to_chat(self, chat_id: int) -> None:
        """The agent switched chats (key, palette, click): show it with the caret in its draft."""
        self.select_chat(chat_id)
        self.desk.focus_draft()

    def open_chat_with_draft(self, chat_id: int | None) -> None:
        """After a follow-up opened a chat: show it with the prepared draft, caret in the composer."""
        if chat_id is None:
            return
        desk = self.desk
        desk.ctx.loop.refresh()
        if desk.current is not None and desk.current.chat_id == chat_id:
            desk.current = None  # force reloading the draft the follow-up just wrote
        self.select_chat(chat_id)
        desk.focus_draft()

    def move(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) chat of the session list, round the end."""
        chats, current = self.desk.session_chats, self.desk.current
        if not chats:
            return
        ids = [c.chat_id for c in chats]
        i = ids.index(current.chat_id) if current and current.chat_id in ids else -step
        self.go_to_chat(ids[(i + step) % len(ids)])

    def longest_wait(self) -> None:
        waiting = [c for c in self.desk.session_chats if c.waiting_since is not None]
        if waiting:
            self.go_to_chat(waiting[0].chat_id)  # session order: longest wait first
        else:
            self.desk.app.notify("没有等待中的买家", timeout=2)
