"""The composition root: panes, bindings, and the loop that watches the store."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Footer, Header, Label

from cs_console.domain.chat import ChatStatus, ChatSummary
from cs_console.domain.placeholders import unfilled_placeholders
from cs_console.domain.text import display_line, display_text
from cs_console.tui.commands import DeskCommands, GoToBuyer
from cs_console.tui.composer import Composer
from cs_console.tui.daytools import DAY_BINDINGS, DayTools
from cs_console.tui.delivery import DeliveryActions
from cs_console.tui.error_path import ErrorPathMixin
from cs_console.tui.footer import DeskFooter
from cs_console.tui.keys import ALT_DIGIT_AS_SENT, install_terminal_keys
from cs_console.tui.messages import InsertIntoDraft
from cs_console.tui.reply_actions import QuickRepliesMixin
from cs_console.tui.sessions import SessionList
from cs_console.tui.side import SidePanel
from cs_console.tui.store_events import StoreChange
from cs_console.tui.team import TeamActions
from cs_console.tui.transcript import Transcript

WINDOW = 100  # messages loaded per chat switch / per "load older"
POLL_SECONDS = 0.1
DRAFT_DEBOUNCE = 0.4
NARROW_WIDTH = 110  # below: the side panel folds away (F9), see app.tcss

if TYPE_CHECKING:
    from cs_console.services.desk import Desk



class CsConsoleApp(ErrorPathMixin, DeliveryActions, DayTools, TeamActions, QuickRepliesMixin, App[None]):
    """客服工作台: sessions on the left, the chat in the middle, tools on the right."""

    TITLE = "客服工作台"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {GoToBuyer, DeskCommands}
    # Textual sets the class on every screen as the terminal's width crosses these (app.tcss)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]
    BINDINGS = [
        Binding("alt+down,f4", "next_chat", "下一个", id="chat.next"),
        Binding("alt+up,f3", "prev_chat", "上一个", id="chat.prev"),
        Binding("ctrl+g,f5", "longest_wait", "等最久", id="chat.longest"),
        Binding("ctrl+t,f8", "please_wait", "请稍等", id="chat.please_wait"),
        Binding("alt+x,f10", "close_chat", "结束会话", id="chat.close"),
        *[Binding(f"alt+{n},{key}", f"nth_chat({n})", "第1‥9个" if n == 1 else f"第{n}个", show=n == 1,
                  key_display="alt+1‥9" if n == 1 else None, id=f"chat.nth{n}")
          for n, key in enumerate(ALT_DIGIT_AS_SENT, start=1)],
        Binding("f9", "toggle_side", "侧栏", id="side.toggle"),
        *QuickRepliesMixin.REPLY_BINDINGS,
        Binding("alt+c,ctrl+l", "open_calculator", "计算器", id="side.calculator", priority=True),
        Binding("alt+o,f12", "open_orders", "订单", id="side.orders"),
        Binding("alt+g,shift+f5", "open_side_tab('tab-goods', '#goods-search')", "商品", id="side.goods", priority=True),
        Binding("alt+j,ctrl+n", "handover_note", "写交接", id="handover.write"),
        Binding("alt+k,f11", "shift_end", "下班检查", id="shift.end"),
        # priority: keys that must work while a text input has focus (alt+f is ctrl+right in Textual)
        Binding("ctrl+f,alt+w", "forward_chat", "转发", id="team.forward", priority=True),
        Binding("ctrl+o,alt+h", "hangup", "挂起", id="team.hangup", priority=True),
        Binding("alt+v,ctrl+s", "supervisor", "主管视图", id="team.supervisor", priority=True),
        *DAY_BINDINGS,
        Binding("ctrl+p", "command_palette", "命令", priority=True, id="app.palette"),
        Binding("ctrl+q", "quit", "退出", id="app.quit", priority=True),  # from a dialog too
    ]

    def __init__(self, desk: Desk | Callable[[], Desk], agent: str, *, started_at: float | None = None,
                 morning: bool = False, notice: str | None = None, sign_in: str | None = None):
        """``desk`` is an open Desk, or a function that opens one: then the first frame is drawn
        at once and the store is opened (and the heavy imports done) in a worker thread.
        ``morning``: show the morning checklist on the agent's first start of the day.
        ``sign_in``: ``"screen"`` (the agent signs in, or the OS account does), ``"demo"`` (the
        demo signs its agent in itself); None only for tests handing in a desk and a name."""
        super().__init__()
        install_terminal_keys()  # Alt+Enter (ESC CR) is a new line, not Enter
        self.agent = agent  # the signed-in agent's name once signed in
        self.principal = None  # domain.identity.Principal after sign-in
        self._sign_in_mode = sign_in
        self._session_token: str | None = None
        self.desk: Desk | None = desk if hasattr(desk, "chats") else None
        self._open_desk = None if self.desk is not None else desk
        self.started_at = started_at or time.perf_counter()
        self.ready_seconds: float | None = None  # process start → first frame
        self.desk_seconds: float | None = None  # process start → store open and panes filled
        self.session_chats: list[ChatSummary] = []
        self.current: ChatSummary | None = None
        self._last_message_id = 0
        self._draft_timer: Timer | None = None
        self._draft_dirty = False
        self._draft_saved = ""  # text of the current chat's draft as the store has it
        self._draft_pending: tuple[str, int] = ("", 0)  # latest unsaved (text, caret)
        self._watcher = None
        self.store_changes: Signal[StoreChange] = Signal(self, "store-changes")  # see store_events
        self._store_seq = 0
        self.morning = morning  # show the morning checklist on the first start of the day
        self.notice = notice  # shown once the desk is open (e.g. where the demo store is)

    # ---- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()  # no clock: the machine's zone may not be the shop's; times show in the shop's
        ready = self.desk is not None and not self._waits_for_sign_in()
        yield self._main_layout() if ready else Label("正在打开店铺数据…", id="loading")
        yield DeskFooter()

    def _main_layout(self) -> Horizontal:
        policy = self.desk.policy
        return Horizontal(
            Vertical(
                Label("会话", classes="pane-title", id="sessions-title"),
                SessionList(policy.response, id="sessions"),
                id="left",
            ),
            Vertical(
                Label("（没有会话）", classes="pane-title", id="chat-title"),
                Transcript(timezone=policy.shop.timezone, id="transcript"),
                Composer(id="composer"),
                id="center",
            ),
            SidePanel(id="side"),
            id="main",
        )

    def _waits_for_sign_in(self) -> bool:
        return self._sign_in_mode == "screen" and self.principal is None

    def on_mount(self) -> None:
        self.call_after_refresh(self._mark_ready)
        if self.desk is not None:
            if self._waits_for_sign_in():
                self.call_after_refresh(self._attach, self.desk)
            else:
                self._start()

    @property
    def actor(self):
        """Who acts in service calls: the signed-in principal (tests without sign-in: the name)."""
        return self.principal or self.agent

    def _open_in_thread(self) -> None:
        try:
            desk = self._open_desk()
            signed = self._automatic_sign_in(desk)
        except Exception as exc:  # config or store problem: say it on screen, never a traceback
            self.call_from_thread(self._open_failed, exc)
            return
        if signed is not None:
            self.call_from_thread(self._signed_in, signed)
        self.call_from_thread(self._attach, desk)

    def _automatic_sign_in(self, desk: Desk):
        """The demo's agent, or the OS account where the shop signs in that way (worker thread)."""
        from cs_console.domain.identity import SignInMethod

        if self._sign_in_mode == "demo":
            return desk.identity.demo_sign_in(self.agent)
        if self._sign_in_mode == "screen" and desk.policy.identity.method == SignInMethod.OS_ACCOUNT:
            return desk.identity.sign_in_os()
        return None

    def _signed_in(self, signed) -> None:
        self.principal, self.agent, self._session_token = signed.principal, signed.principal.name, signed.token

    def check_session(self) -> None:
        """Sessions expire (or end by sign-out elsewhere): then sign in again before acting on."""
        if self._session_token is None or len(self.screen_stack) > 1:
            return
        from cs_console.domain.identity import SignInRefused

        try:
            self.desk.identity.authenticate(self._session_token)
        except SignInRefused as exc:
            from cs_console.tui.sign_in import SignInScreen

            self._session_token = None
            self.push_screen(SignInScreen(self.desk, self.agent, reason=str(exc)), self._signed_in_again)

    def _signed_in_again(self, signed) -> None:
        if signed is None or signed.principal.agent_id != self.principal.agent_id:
            self.exit(message="已退出：登录过期后没有以同一客服重新登录")
            return
        self._signed_in(signed)

    def _open_failed(self, exc: Exception) -> None:
        from cs_console.domain.text import clean_text
        from cs_console.services.errors import report  # the one error path: Chinese, masked log

        self.query_one("#loading", Label).update(Text(f"无法打开店铺数据：{clean_text(report(exc, 'tui'))}\n按 Ctrl+Q 退出"))

    async def _attach(self, desk: Desk) -> None:
        self.desk = desk
        if self._sign_in_mode == "screen" and self.principal is None:
            from cs_console.tui.sign_in import SignInScreen

            signed = self._automatic_sign_in(desk)  # the OS account, where the shop chose that
            if signed is not None:
                self._signed_in(signed)
                await self._show_desk()
                return

            self.query_one("#loading", Label).update("请登录")
            self.push_screen(SignInScreen(desk, self.agent), self._after_sign_in)
            return
        await self._show_desk()

    async def _after_sign_in(self, signed) -> None:
        if signed is None:
            self.exit()
            return
        self._signed_in(signed)
        await self._show_desk()

    async def _show_desk(self) -> None:
        await self.query_one("#loading").remove()
        await self.mount(self._main_layout(), before=self.query_one(Footer))
        self._start()

    def _start(self) -> None:
        """The store is open and the panes exist: fill them and start watching."""
        from cs_console.store.changes import watch

        self.sub_title = f"{self.agent} · {self.desk.policy.shop.name}"
        self.desk.team.start(self.agent)  # online; queued chats may come to me at once
        self._watcher = watch(self.desk.store)
        self.refresh_sessions()
        if self.session_chats:
            self.select_chat(self.session_chats[0].chat_id)
        self.query_one(Composer).focus()
        self.setup_replies()
        self.set_interval(POLL_SECONDS, self.poll_store, name="poll-store")
        self.set_interval(1.0, self._tick, name="wait-timers")
        self.set_interval(self.desk.policy.team.heartbeat_seconds, self._heartbeat, name="heartbeat")
        if self.morning:
            self.call_after_refresh(self.show_morning_if_due)
        if self.notice:
            self.notify(self.notice, timeout=10)
        self.desk_seconds = time.perf_counter() - self.started_at
        self.log.info(f"store ready {self.desk_seconds:.3f}s after start")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the store is open only quitting and the palette work; while a dialog or another
        screen is on top, the desk's own keys wait (they would act on the chat behind it)."""
        if action in ("quit", "command_palette", "help_quit"):
            return True
        if self.desk is None:
            return False
        if len(self.screen_stack) > 1 and action in _DESK_KEY_ACTIONS:
            return False
        return True

    def action_quit(self) -> None:
        """Ctrl+Q: with buyers waiting, ask first (Ctrl+Q again, or the 退出 button, quits)."""
        from cs_console.tui.confirm import GuardedConfirm

        waiting = sum(1 for c in self.session_chats if c.status == ChatStatus.WAITING)
        if not waiting or self.screen.id == "quit-confirm":
            self.exit()
            return
        self.push_screen(GuardedConfirm("还有买家在等待回复", f"还有 {waiting} 位买家在等待回复，退出后他们会回到排队中。\n确定要退出吗？",
                                        "退出", extra_hint="再按 Ctrl+Q 退出", id="quit-confirm"),
                         callback=lambda ok: self.exit() if ok else None)

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (it copies in a text field): say which key does, in Chinese."""
        self.notify("按 Ctrl+Q 退出", title="要退出吗？", timeout=3)

    def action_command_palette(self) -> None:
        """The palette, in the agents' language."""
        from textual.command import CommandPalette

        if not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder="搜索：操作名称或买家昵称…", id="--command-palette"))

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:
        """Notifications carry buyer nicks and file errors: plain text unless asked otherwise,
        neutralised like every buyer text on screen (bidi controls, emoji joiners)."""
        super().notify(display_text(message), markup=markup, **kwargs)

    def _mark_ready(self) -> None:
        self.ready_seconds = time.perf_counter() - self.started_at
        self.log.info(f"first frame {self.ready_seconds:.3f}s after start")
        if self.desk is None:  # first frame is on screen: now open the store (heavy imports) in a thread
            self.run_worker(self._open_in_thread, thread=True, name="open-store", exit_on_error=False)

    def on_unmount(self) -> None:
        self._save_draft_now()
        if self._watcher is not None:
            self._watcher.close()
        if self.desk is not None and self._watcher is not None:
            self.desk.team.stop(self.agent)  # offline: my open chats go back to the queue

    # ---- store → screen -----------------------------------------------------------------------
    def poll_store(self) -> None:
        """Cheap change check; on a change re-read the session list and new messages only."""
        if not self._panes_alive():
            return
        if self._watcher is not None and self._watcher.changed():
            self.desk.team.distribute(self.agent)
            self.refresh_sessions()
            self._pull_new_messages()
            self.refresh_delivery_status()
            self._store_seq += 1
            self.store_changes.publish(StoreChange(self._store_seq))

    def refresh_sessions(self) -> None:
        self.session_chats, queue = self.desk.team.sessions_for(self.agent)
        sessions = self.query_one(SessionList)
        sessions.update_chats(self.session_chats, self.desk.clock())
        waiting = sum(1 for c in self.session_chats if c.status == ChatStatus.WAITING)
        self.query_one("#sessions-title", Label).update(
            f"会话 {len(self.session_chats)} 等待 {waiting}" + (f" 排队 {queue}" if queue else ""))  # fits 80×24
        self._team_refresh()
        if self.current is not None and all(c.chat_id != self.current.chat_id for c in self.session_chats):
            self._leave_current()  # forwarded away or reassigned: no longer mine
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

    def _leave_current(self) -> None:
        self._save_draft_now()
        self.current = None
        self.query_one(Transcript).show("", [], False)
        self._load_draft("", 0)
        self._update_title()

    def _tick(self) -> None:
        if self._panes_alive():
            self.query_one(SessionList).tick(self.desk.clock())

    def _panes_alive(self) -> bool:
        """False while shutting down (timers may still fire after the screen is gone)."""
        return bool(self.screen_stack) and bool(self.query(SessionList))

    def _update_title(self) -> None:
        c = self.current
        title = self.query_one("#chat-title", Label)
        if c is None:
            title.update("（没有会话）")
            return
        state = {"waiting": "等待回复", "serving": "接待中", "closed": "已结束"}[c.status]
        title.update(Text(f"{display_line(c.buyer_nick)} · {state}"))  # the nick is buyer data: never markup

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
        # the side tabs (orders, calculator…) follow one frame later: the transcript paints first
        self.call_after_refresh(self._side_follows, chat_id, summary.buyer_nick)

    def _side_follows(self, chat_id: int, buyer: str) -> None:
        if self.current is not None and self.current.chat_id == chat_id and self._panes_alive():
            self.query_one(SidePanel).show_chat(chat_id, buyer)

    def go_to_chat(self, chat_id: int) -> None:
        """The agent switched chats (key, palette, click): show it with the caret in its draft."""
        self.select_chat(chat_id)
        self.query_one(Composer).focus()

    def _move(self, step: int) -> None:
        if not self.session_chats:
            return
        ids = [c.chat_id for c in self.session_chats]
        i = ids.index(self.current.chat_id) if self.current and self.current.chat_id in ids else -step
        self.go_to_chat(ids[(i + step) % len(ids)])

    def action_next_chat(self) -> None:
        self._move(1)

    def action_prev_chat(self) -> None:
        self._move(-1)

    def action_nth_chat(self, n: int) -> None:
        """Alt+n: the chat showing number n (numbers stay put while the list re-sorts)."""
        chat_id = self.query_one(SessionList).chat_in_slot(n)
        if chat_id is not None:
            self.go_to_chat(chat_id)

    def action_longest_wait(self) -> None:
        waiting = [c for c in self.session_chats if c.waiting_since is not None]
        if waiting:
            self.go_to_chat(waiting[0].chat_id)  # session order: longest wait first
        else:
            self.notify("没有等待中的买家", timeout=2)

    @on(Composer.NthChat)
    def _nth_from_composer(self, event: Composer.NthChat) -> None:
        self.action_nth_chat(event.n)

    @on(SessionList.Selected)
    def _clicked(self, event: SessionList.Selected) -> None:
        self.go_to_chat(event.chat_id)

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
            self.notify("草稿是空的，没有发送", severity="warning", timeout=2)
            return
        unfilled = unfilled_placeholders(event.text)
        if unfilled:  # a phrase's {tracking_no} etc. never reaches the buyer
            self.notify("草稿里还有未填写的占位符：" + " ".join(f"{{{n}}}" for n in unfilled), severity="warning")
            return
        try:
            self.desk.chats.send(self.current.chat_id, self.actor, event.text)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self._cancel_draft_timer()
        composer = self.query_one(Composer)
        typed_after = composer.text[len(event.text):] if composer.text.startswith(event.text) else ""
        self._load_draft("", 0)
        if typed_after:  # keys typed right after Enter, before this ran: the next message's start
            composer.insert(typed_after)
        self.poll_store()

    def action_please_wait(self) -> None:
        """接一、待二、招呼三: greet the longest-waiting *other* buyer without leaving this chat."""
        current = self.current.chat_id if self.current else None
        target = next((c for c in self.session_chats if c.waiting_since is not None and c.chat_id != current), None)
        if target is None:
            self.notify("没有其他等待中的买家", timeout=2)
            return
        self.desk.chats.please_wait(target.chat_id, self.actor)
        self.notify(f"已请 {target.buyer_nick} 稍等", timeout=2)
        self.poll_store()

    def action_close_chat(self) -> None:
        if self.current is None:
            return
        closing = self.current
        self._save_draft_now()
        self.desk.chats.close(closing.chat_id, self.actor)
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

    def action_open_orders(self) -> None:
        """Show the side panel's 订单 tab and put the keyboard in the order list."""
        self.action_open_side_tab("tab-orders", "#orders-list")

    def action_open_calculator(self) -> None:
        """Show the side panel's 计算器 tab and put the caret in its item entry."""
        self.query_one(SidePanel).show_tab("tab-calc")
        self.query_one("#calc-scroll").anchor()  # the summary under the items stays in view
        self.call_after_refresh(self.query_one("#calculator").focus_entry)

    def action_open_side_tab(self, pane_id: str, focus: str) -> None:
        """Show a side tab and put the keyboard in its list (palette: 打开交接本, 打开备忘录…)."""
        self.query_one(SidePanel).show_tab(pane_id)
        self.call_after_refresh(lambda: self.query_one(focus).focus())

    @on(InsertIntoDraft)
    def _insert_into_draft(self, event: InsertIntoDraft) -> None:
        """Put a tool's text into the draft at the caret (the draft is saved as usual)."""
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        composer = self.query_one(Composer)
        composer.insert(event.text)
        composer.focus()

    def action_handover_note(self) -> None:
        """写交接 from anywhere, linked to the current chat's buyer and latest order."""
        from cs_console.tui.handover_tab import HandoverTab

        if not self.screen.is_modal:  # not from inside another dialog
            self.query_one(HandoverTab).write_note()

    def action_shift_end(self) -> None:
        """下班检查: what blocks a clean handover; each blocker → a note in one key."""
        from cs_console.tui.handover_dialogs import ShiftEndScreen
        from cs_console.tui.handover_tab import HandoverTab

        if self.screen.is_modal:
            return
        self.push_screen(ShiftEndScreen(self.desk, self.agent),
                         callback=lambda _n: self.query_one(HandoverTab).reload())

    # ---- drafts -------------------------------------------------------------------------------
    @on(Composer.Changed)
    def _draft_changed(self) -> None:
        composer = self.query_one(Composer)
        if composer.text == self._draft_saved:
            return
        self._cancel_draft_timer()
        self._draft_dirty = True
        self._draft_pending = (composer.text, composer.cursor_offset)
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
        composers = self.query(Composer) if self.screen_stack else []
        if composers:  # latest text and caret, while the composer is still on screen
            self._draft_pending = (composers[0].text, composers[0].cursor_offset)
        text, cursor = self._draft_pending
        self.desk.chats.save_draft(self.current.chat_id, self.actor, text, cursor)
        self._draft_saved = text
        self._cancel_draft_timer()


# Actions of the desk's own keys: they wait while another screen or a dialog is on top.
_DESK_KEY_ACTIONS = {b.action for b in CsConsoleApp.BINDINGS} - {"quit", "command_palette"}
