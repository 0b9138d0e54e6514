"""The composition root: panes, bindings, and the loop that watches the store."""

from __future__ import annotations

import time

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header, Label

from cs_console.domain.chat import ChatStatus, ChatSummary
from cs_console.services.desk import Desk
from cs_console.store.changes import watch
from cs_console.tui.commands import GoToBuyer
from cs_console.tui.composer import Composer
from cs_console.tui.handover_dialogs import ShiftEndScreen
from cs_console.tui.handover_tab import HandoverTab
from cs_console.tui.sessions import SessionList
from cs_console.tui.side import SidePanel
from cs_console.tui.transcript import Transcript

WINDOW = 100  # messages loaded per chat switch / per "load older"
POLL_SECONDS = 0.1
DRAFT_DEBOUNCE = 0.4
NARROW_WIDTH = 110


class CsConsoleApp(App[None]):
    """客服工作台: sessions on the left, the chat in the middle, tools on the right."""

    TITLE = "客服工作台"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {GoToBuyer}
    BINDINGS = [
        Binding("alt+down,f4", "next_chat", "下一个", id="chat.next"),
        Binding("alt+up,f3", "prev_chat", "上一个", id="chat.prev"),
        Binding("ctrl+g,f5", "longest_wait", "等最久", id="chat.longest"),
        Binding("ctrl+t,f8", "please_wait", "请稍等", id="chat.please_wait"),
        Binding("alt+x,f10", "close_chat", "结束会话", id="chat.close"),
        Binding("f9", "toggle_side", "侧栏", id="side.toggle"),
        # priority: the composer (TextArea) would otherwise type the "j"/"k" of alt+j/alt+k
        Binding("alt+j,ctrl+n", "handover_note", "写交接", id="handover.write", priority=True),
        Binding("alt+k,f11", "shift_end", "下班检查", id="shift.end", priority=True),
        *[Binding(f"alt+{n}", f"nth_chat({n})", f"第{n}个", show=False, id=f"chat.nth{n}") for n in range(1, 10)],
        Binding("ctrl+q", "quit", "退出", id="app.quit"),
    ]

    def __init__(self, desk: Desk, agent: str, *, started_at: float | None = None):
        super().__init__()
        self.desk, self.agent = desk, agent
        self.started_at = started_at or time.perf_counter()
        self.ready_seconds: float | None = None
        self.session_chats: list[ChatSummary] = []
        self.current: ChatSummary | None = None
        self._last_message_id = 0
        self._draft_timer: Timer | None = None
        self._draft_dirty = False
        self._draft_saved = ""  # text of the current chat's draft as the store has it
        self._watcher = None

    # ---- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Label("会话", classes="pane-title", id="sessions-title")
                yield SessionList(self.desk.policy.response, id="sessions")
            with Vertical(id="center"):
                yield Label("（没有会话）", classes="pane-title", id="chat-title")
                yield Transcript(timezone=self.desk.policy.shop.timezone, id="transcript")
                yield Composer(id="composer")
            yield SidePanel(id="side")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.agent} · {self.desk.policy.shop.name}"
        self._watcher = watch(self.desk.store)
        self.refresh_sessions()
        if self.session_chats:
            self.select_chat(self.session_chats[0].chat_id)
        self.query_one(Composer).focus()
        self.set_interval(POLL_SECONDS, self.poll_store, name="poll-store")
        self.set_interval(1.0, self._tick, name="wait-timers")
        self.call_after_refresh(self._mark_ready)

    def _mark_ready(self) -> None:
        self.ready_seconds = time.perf_counter() - self.started_at

    def on_resize(self, event) -> None:
        self.screen.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def on_unmount(self) -> None:
        self._save_draft_now()
        if self._watcher is not None:
            self._watcher.close()

    # ---- store → screen -----------------------------------------------------------------------
    def poll_store(self) -> None:
        """Cheap change check; on a change re-read the session list and new messages only."""
        if self._watcher is not None and self._watcher.changed():
            self.refresh_sessions()
            self._pull_new_messages()
            self.query_one(SidePanel).store_changed()

    def refresh_sessions(self) -> None:
        self.session_chats = self.desk.chats.sessions()
        sessions = self.query_one(SessionList)
        sessions.update_chats(self.session_chats, self.desk.clock())
        waiting = sum(1 for c in self.session_chats if c.status == ChatStatus.WAITING)
        self.query_one("#sessions-title", Label).update(f"会话  {len(self.session_chats)} · 等待 {waiting}")
        if self.current is not None:
            fresh = next((c for c in self.session_chats if c.chat_id == self.current.chat_id), None)
            if fresh is not None:
                self.current = fresh
                self._update_title()
                if fresh.unread:
                    self.desk.chats.mark_read(fresh.chat_id)
        elif self.session_chats:
            self.select_chat(self.session_chats[0].chat_id)

    def _pull_new_messages(self) -> None:
        if self.current is None:
            return
        new = self.desk.chats.after(self.current.chat_id, self._last_message_id)
        if new:
            self._last_message_id = new[-1].id
            self.query_one(Transcript).append(new)

    def _tick(self) -> None:
        self.query_one(SessionList).tick(self.desk.clock())

    def _update_title(self) -> None:
        c = self.current
        title = self.query_one("#chat-title", Label)
        if c is None:
            title.update("（没有会话）")
            return
        state = {"waiting": "等待回复", "serving": "接待中", "closed": "已结束"}[c.status]
        title.update(f"{c.buyer_nick} · {state}")

    # ---- selection ----------------------------------------------------------------------------
    def select_chat(self, chat_id: int) -> None:
        """Show a chat: save the old draft, load the new transcript window and draft."""
        if self.current is not None and self.current.chat_id == chat_id:
            return
        self._save_draft_now()
        summary = next((c for c in self.session_chats if c.chat_id == chat_id), None) or self.desk.chats.summary(chat_id)
        self.current = summary
        messages = self.desk.chats.recent(chat_id, WINDOW + 1)
        has_older = len(messages) > WINDOW
        messages = messages[-WINDOW:]
        self._last_message_id = messages[-1].id if messages else 0
        self.query_one(Transcript).show(summary.buyer_nick, messages, has_older)
        self.query_one(SessionList).select(chat_id)
        text, cursor = self.desk.chats.draft(chat_id, self.agent)
        self._load_draft(text, cursor)
        self._update_title()
        if summary.unread:
            self.desk.chats.mark_read(chat_id)
        self.query_one(SidePanel).show_chat(chat_id, summary.buyer_nick)

    def _move(self, step: int) -> None:
        if not self.session_chats:
            return
        ids = [c.chat_id for c in self.session_chats]
        i = ids.index(self.current.chat_id) if self.current and self.current.chat_id in ids else -step
        self.select_chat(ids[(i + step) % len(ids)])

    def action_next_chat(self) -> None:
        self._move(1)

    def action_prev_chat(self) -> None:
        self._move(-1)

    def action_nth_chat(self, n: int) -> None:
        if 0 < n <= len(self.session_chats):
            self.select_chat(self.session_chats[n - 1].chat_id)

    def action_longest_wait(self) -> None:
        waiting = [c for c in self.session_chats if c.waiting_since is not None]
        if waiting:
            self.select_chat(waiting[0].chat_id)  # session order: longest wait first
        else:
            self.notify("没有等待中的买家", timeout=2)

    @on(SessionList.Selected)
    def _clicked(self, event: SessionList.Selected) -> None:
        self.select_chat(event.chat_id)

    @on(Transcript.NeedOlder)
    def _load_older(self) -> None:
        t = self.query_one(Transcript)
        if self.current is None or not t.messages:
            return
        older = self.desk.chats.recent(self.current.chat_id, WINDOW + 1, before_id=t.messages[0].id)
        t.prepend(older[-WINDOW:], has_older=len(older) > WINDOW)

    # ---- agent actions ------------------------------------------------------------------------
    @on(Composer.Submitted)
    def _send(self, event: Composer.Submitted) -> None:
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        if not event.text.strip():
            return
        try:
            self.desk.chats.send(self.current.chat_id, self.agent, event.text)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self._cancel_draft_timer()
        self._load_draft("", 0)
        self.poll_store()

    def action_please_wait(self) -> None:
        """接一、待二、招呼三: greet the longest-waiting *other* buyer without leaving this chat."""
        current = self.current.chat_id if self.current else None
        target = next((c for c in self.session_chats if c.waiting_since is not None and c.chat_id != current), None)
        if target is None:
            self.notify("没有其他等待中的买家", timeout=2)
            return
        self.desk.chats.please_wait(target.chat_id, self.agent)
        self.notify(f"已请 {target.buyer_nick} 稍等", timeout=2)
        self.poll_store()

    def action_close_chat(self) -> None:
        if self.current is None:
            return
        closing = self.current
        self._save_draft_now()
        self.desk.chats.close(closing.chat_id, self.agent)
        self.notify(f"已结束与 {closing.buyer_nick} 的会话", timeout=2)
        self.current = None
        self.refresh_sessions()
        if self.current is None:
            self.query_one(Transcript).show("", [], False)
            self._load_draft("", 0)
            self._update_title()

    def action_toggle_side(self) -> None:
        if self.screen.has_class("-narrow"):
            self.screen.toggle_class("-side-open")
        else:
            self.query_one(SidePanel).toggle_class("-hidden")

    def action_handover_note(self) -> None:
        """写交接 from anywhere, linked to the current chat's buyer and latest order."""
        if not self.screen.is_modal:  # not from inside another dialog
            self.query_one(HandoverTab).write_note()

    def action_shift_end(self) -> None:
        """下班检查: what blocks a clean handover; each blocker → a note in one key."""
        if self.screen.is_modal:
            return
        self.push_screen(ShiftEndScreen(self.desk, self.agent),
                         callback=lambda _n: self.query_one(HandoverTab).reload())

    # ---- drafts -------------------------------------------------------------------------------
    @on(Composer.Changed)
    def _draft_changed(self) -> None:
        if self.query_one(Composer).text == self._draft_saved:
            return
        self._draft_dirty = True
        self._cancel_draft_timer()
        self._draft_timer = self.set_timer(DRAFT_DEBOUNCE, self._save_draft_now, name="save-draft")

    def _load_draft(self, text: str, cursor: int) -> None:
        self._draft_saved = text
        self.query_one(Composer).set_draft(text, cursor)

    def _cancel_draft_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._draft_dirty = False

    def _save_draft_now(self) -> None:
        if not self._draft_dirty or self.current is None:
            return
        composer = self.query_one(Composer)
        self.desk.chats.save_draft(self.current.chat_id, self.agent, composer.text, composer.cursor_offset)
        self._draft_saved = composer.text
        self._cancel_draft_timer()
