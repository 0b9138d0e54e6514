"""The composition root: panes, bindings, the desk's shared state and the store loop's snapshots.

The event loop never touches the store: :class:`~cs_console.tui.store_loop.StoreLoop` (a thread)
reads and writes, and hands snapshots back as messages. The desk's shared state lives here as
reactives (``session_chats``, ``current``, ``presence``, ``store_status``) that widgets watch.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Footer, Header, Label

from cs_console.domain.chat import ChatStatus, ChatSummary
from cs_console.domain.messages import render
from cs_console.domain.placeholders import unfilled_placeholders
from cs_console.domain.store_health import Health, label
from cs_console.domain.text import display_line, display_text
from cs_console.tui import store_loop as sl
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
from cs_console.tui.team import TeamActions, presence_label
from cs_console.tui.transcript import Transcript

NARROW_WIDTH = 110  # below: the side panel folds away (F9), see app.tcss
FIRST_READ_SECONDS = 10.0  # the desk waits this long for its first snapshot, then shows what it has

if TYPE_CHECKING:
    from cs_console.services.desk import Desk
    from cs_console.tui.draft_journal import DraftJournal


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

    # the desk's shared state (one place; widgets watch these)
    session_chats: var[list[ChatSummary]] = var(list, init=False)  # my chats in session order (new list each time)
    current: var[ChatSummary | None] = var(None, always_update=True, init=False)  # the open chat
    presence: var[tuple[str, str] | None] = var(None, init=False)  # (role, status) of the signed-in agent
    store_status: var[sl.StoreStatus] = var(sl.StoreStatus(Health.OK), init=False)

    def __init__(self, desk: Desk | Callable[[], Desk], agent: str, *, started_at: float | None = None,
                 morning: bool = False, notice: str | None = None, sign_in: str | None = None,
                 journal_dir: Path | None = None):
        """``desk`` is an open Desk, or a function that opens one: then the first frame is drawn
        at once and the store is opened (and the heavy imports done) in a worker thread.
        ``morning``: show the morning checklist on the agent's first start of the day.
        ``sign_in``: ``"screen"`` (the agent signs in, or the OS account does), ``"demo"`` (the
        demo signs its agent in itself); None only for tests handing in a desk and a name.
        ``journal_dir``: where unsaved drafts are kept (default ``locations.draft_journal_dir``)."""
        super().__init__()
        install_terminal_keys()  # Alt+Enter (ESC CR) is a new line, not Enter
        self.agent = agent  # the signed-in agent's name once signed in
        self.principal = None  # domain.identity.Principal after sign-in
        self._sign_in_mode = sign_in
        self._session_token: str | None = None
        self._session_list: SessionList | None = None  # the desk's panes, once composed
        self._composer_box: Composer | None = None
        self.desk: Desk | None = desk if hasattr(desk, "chats") else None
        self._open_desk = None if self.desk is not None else desk
        self.started_at = started_at or time.perf_counter()
        self.ready_seconds: float | None = None  # process start → first frame
        self.desk_seconds: float | None = None  # process start → store open and panes filled
        self._journal_dir = journal_dir
        self.journal: DraftJournal | None = None
        self.loop: sl.StoreLoop | None = None
        self.queue_length = 0  # waiting chats nobody has
        self._store_drafts: dict[int, tuple[str, int]] = {}  # what the store holds of my drafts
        self._draft_loaded = ""  # the text put into the composer for the open chat
        self._opening: int | None = None  # a chat switched to whose window is still being read
        self._sending: int | None = None  # the chat whose draft is on its way to the buyer
        self._direct: set[int] = set()  # snapshots applied before their message arrived
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
        # kept: the desk reaches them on every keystroke and snapshot (no DOM query each time)
        self._session_list = SessionList(policy.response, id="sessions")
        self._composer_box = Composer(id="composer")
        return Horizontal(
            Vertical(
                Label("会话", classes="pane-title", id="sessions-title"),
                self._session_list,
                id="left",
            ),
            Vertical(
                Label("（没有会话）", classes="pane-title", id="chat-title"),
                Transcript(timezone=policy.shop.timezone, id="transcript"),
                self._composer_box,
                id="center",
            ),
            SidePanel(id="side"),
            id="main",
        )

    def _waits_for_sign_in(self) -> bool:
        return self._sign_in_mode == "screen" and self.principal is None

    async def on_mount(self) -> None:
        self.call_after_refresh(self._mark_ready)
        if self.desk is not None:
            if self._waits_for_sign_in():
                self.call_after_refresh(self._attach, self.desk)
            else:
                await self._start()

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
        """Sessions expire (or end by sign-out elsewhere): the store loop checks at every
        heartbeat (this asks for one now) and reports :class:`SessionExpired`."""
        if self.loop is not None:
            self.loop.heartbeat()

    def _session_expired(self, reason: str) -> None:
        if self._session_token is None or len(self.screen_stack) > 1:
            return
        from cs_console.tui.sign_in import SignInScreen

        self._session_token = None
        self.push_screen(SignInScreen(self.desk, self.agent, reason=reason), self._signed_in_again)

    def _signed_in_again(self, signed) -> None:
        if signed is None or signed.principal.agent_id != self.principal.agent_id:
            self.exit(message="已退出：登录过期后没有以同一客服重新登录")
            return
        self._signed_in(signed)

    def _open_failed(self, exc: Exception) -> None:
        from cs_console.domain.text import clean_text
        from cs_console.services.errors import report  # the one error path: Chinese, masked log

        self.desk_screen.query_one("#loading", Label).update(Text(f"无法打开店铺数据：{clean_text(report(exc, 'tui'))}\n按 Ctrl+Q 退出"))

    async def _attach(self, desk: Desk) -> None:
        self.desk = desk
        if self._sign_in_mode == "screen" and self.principal is None:
            from cs_console.tui.sign_in import SignInScreen

            signed = self._automatic_sign_in(desk)  # the OS account, where the shop chose that
            if signed is not None:
                self._signed_in(signed)
                await self._show_desk()
                return

            self.desk_screen.query_one("#loading", Label).update("请登录")
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
        await self.desk_screen.query_one("#loading").remove()
        await self.mount(self._main_layout(), before=self.desk_screen.query_one(Footer))
        await self._start()

    async def _start(self) -> None:
        """The store is open and the panes exist: start the store loop, show its first snapshot."""
        from cs_console.config.locations import draft_journal_dir
        from cs_console.tui.draft_journal import DraftJournal, journal_path

        self.sub_title = f"{self.agent} · {self.desk.policy.shop.name}"
        self.journal = DraftJournal(journal_path(self._journal_dir or draft_journal_dir(), self.desk.store.url,
                                                 self.agent))
        self.loop = sl.StoreLoop(self.desk, self.agent, lambda: self.actor, self.journal, self.post_message,
                                 token=lambda: self._session_token)
        self.loop.start()
        try:  # the loop thread reads; the event loop only waits here, before the desk is usable
            first = await asyncio.wait_for(asyncio.wrap_future(self.loop.first), FIRST_READ_SECONDS)
            self._apply(first)
            self._direct.add(id(first))
            if self._opening is not None and self._pending_open is not None:
                opened = await asyncio.wait_for(asyncio.wrap_future(self._pending_open), FIRST_READ_SECONDS)
                if opened is not None:
                    self._apply(opened)
                    self._direct.add(id(opened))
        except TimeoutError:
            pass  # the store is slow to answer: the snapshots arrive as messages when it does
        self._composer_box.focus()
        self.setup_replies()
        self.set_interval(1.0, self._tick, name="wait-timers")  # clocks on screen, no store access
        if self.morning:
            self.call_after_refresh(self.show_morning_if_due)
        if self.notice:
            self.notify(self.notice, timeout=10)
        self.desk_seconds = time.perf_counter() - self.started_at
        self.log.info(f"store ready {self.desk_seconds:.3f}s after start")
        # what start-up built (modules, tables, the phrase index) lives as long as the app: keep it
        # out of the collector's full passes, which otherwise stall a keystroke now and then
        self.call_after_refresh(gc.freeze)

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
        """Drafts into the journal, then the loop saves them and goes offline — if the store
        answers at once; a locked or lost store never holds the exit up (the journal has them)."""
        self._capture_draft()
        if self.loop is not None:
            self.loop.stop()
        if self.journal is not None:
            self.journal.close()

    # ---- store → screen -----------------------------------------------------------------------
    @on(sl.Published)
    def _published(self, message: sl.Published) -> None:
        if id(message.item) in self._direct:
            self._direct.discard(id(message.item))
            return
        if self._panes_alive():
            self._apply(message.item)

    @on(sl.Done)
    def _loop_done(self, message: sl.Done) -> None:
        if self._panes_alive():
            message.callback(message.result)

    def _apply(self, item: object) -> None:
        """One snapshot from the store loop onto the desk's state and panes."""
        match item:
            case sl.Sessions():
                self._apply_sessions(item)
            case sl.ChatOpened() if item.chat_id == self._opening:
                self._chat_opened(item)
            case sl.NewMessages() if self._is_shown(item.chat_id):
                self.desk_screen.query_one(Transcript).append(list(item.messages))
            case sl.OlderMessages() if self._is_shown(item.chat_id):
                self.desk_screen.query_one(Transcript).prepend(list(item.messages), has_older=item.has_older)
            case sl.Statuses() if self._is_shown(item.chat_id):
                self.desk_screen.query_one(Transcript).update_statuses({i: (st, err) for i, st, err in item.statuses})
            case sl.Notices():
                for n in item.items:
                    self.notify(n.text, title=n.title, severity=n.severity, timeout=n.timeout)
            case sl.StoreStatus():
                self.store_status = item
            case sl.Committed():
                self._store_seq += 1
                self.store_changes.publish(StoreChange(self._store_seq))
            case sl.SessionExpired():
                self._session_expired(item.reason)

    def _is_shown(self, chat_id: int) -> bool:
        return self.current is not None and self.current.chat_id == chat_id and self._opening is None

    def _apply_sessions(self, snap: sl.Sessions) -> None:
        self._store_drafts = {cid: (text, caret) for cid, text, caret in snap.drafts}
        self.queue_length = snap.queue
        self.session_chats = list(snap.chats)  # (an equal list: no watcher call)
        self.presence = (snap.role, snap.status)
        if self._panes_alive():
            self._update_sessions_title()  # the queue count moves without my list changing
        if self.current is not None and self._opening is None:
            fresh = next((c for c in snap.chats if c.chat_id == self.current.chat_id), None)
            if fresh is None:
                self._leave_current()  # forwarded away, reassigned or closed: no longer mine
            else:
                self.current = fresh
        if self.current is None and self._opening is None and snap.chats:
            self.select_chat(snap.chats[0].chat_id)

    def watch_session_chats(self) -> None:
        if not self._panes_alive():
            return
        self._session_list.update_chats(self.session_chats, self.desk.clock())
        self._update_sessions_title()

    def _update_sessions_title(self) -> None:
        chats = self.session_chats
        waiting = sum(1 for c in chats if c.status == ChatStatus.WAITING)
        queue = self.queue_length
        title = f"会话 {len(chats)} 等待 {waiting}" + (f" 排队 {queue}" if queue else "")  # fits 80×24
        status = self.store_status
        if status.read_failed and not chats:
            title = render("health.unavailable_desk", state=label(status.health))
        elif status.health == Health.READ_ONLY and not chats:
            title = render("health.read_only_desk")
        label_ = self.desk_screen.query_one("#sessions-title", Label)
        if str(label_.content) != title:  # the same title again: no layout pass of the screen
            label_.update(title)

    def watch_current(self) -> None:
        if self._panes_alive():
            self._session_list.select(self.current.chat_id if self.current else None)
            self._update_title()

    def watch_presence(self, old: tuple[str, str] | None, new: tuple[str, str] | None) -> None:
        self._presence_changed(old, new)
        self._update_header()

    def watch_store_status(self, old: sl.StoreStatus, new: sl.StoreStatus) -> None:
        self._update_header()
        if self._panes_alive():
            self._update_sessions_title()
        if old.health == Health.OK and new.health not in (Health.OK, Health.BUSY) and self.journal is not None:
            # (a busy store is usually a moment: the header says it, no toast)
            self.notify(f"{label(new.health)}：{render('health.kept')}", severity="warning", timeout=6)

    def _update_header(self) -> None:
        if self.desk is None:
            return
        who = presence_label(self.agent, *self.presence) if self.presence else self.agent
        trouble = label(self.store_status.health)
        self.sub_title = f"{who} · {self.desk.policy.shop.name}" + (f" · ⚠ {trouble}" if trouble else "")

    def poll_store(self) -> None:
        """Ask the store loop to read the desk again now (it also does on every commit it sees)."""
        if self.loop is not None:
            self.loop.refresh()

    def refresh_sessions(self) -> None:
        self.poll_store()

    def _heartbeat(self) -> None:
        """Heartbeat now (the store loop beats every ``team.heartbeat_seconds`` by itself)."""
        if self.loop is not None:
            self.loop.heartbeat()

    def _leave_current(self) -> None:
        self._capture_draft()
        self.current = None
        self._opening = None
        self.loop.open_chat(None)
        self.desk_screen.query_one(Transcript).show("", [], False)
        self._load_draft("", 0)

    def _tick(self) -> None:
        if self._panes_alive():
            self._session_list.tick(self.desk.clock())

    def _panes_alive(self) -> bool:
        """False while shutting down (timers may still fire after the screen is gone)."""
        return bool(self.screen_stack) and self._session_list is not None and self._session_list.is_attached

    @property
    def desk_screen(self) -> Screen:
        """The screen the desk's panes live on (the default one), whatever dialog is on top:
        snapshots that arrive while a dialog is open are applied to the panes behind it."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    def _update_title(self) -> None:
        c = self.current
        title = self.desk_screen.query_one("#chat-title", Label)
        if c is None:
            title.update("（没有会话）")
            return
        state = {"waiting": "等待回复", "serving": "接待中", "closed": "已结束"}[c.status]
        title.update(Text(f"{display_line(c.buyer_nick)} · {state}"))  # the nick is buyer data: never markup

    # ---- selection ----------------------------------------------------------------------------
    def select_chat(self, chat_id: int) -> None:
        """Show a chat: its draft at once (from the journal or the last snapshot), its window as
        soon as the store loop has read it."""
        if self.current is not None and self.current.chat_id == chat_id and self._opening is None:
            return
        self._capture_draft()
        summary = next((c for c in self.session_chats if c.chat_id == chat_id), None)
        self.current = summary  # None for a chat outside my list until its window arrives
        self._opening = chat_id
        self._pending_open = self.loop.open_chat(chat_id, summary)
        self.loop.flush_drafts()
        self.desk_screen.query_one(Transcript).show(summary.buyer_nick if summary else "", [], False)
        self._load_draft(*self._draft_of(chat_id))
        # the side tabs (orders, calculator…) follow one frame later: the transcript paints first
        if summary is not None:
            self.call_after_refresh(self._side_follows, chat_id, summary.buyer_nick)

    _pending_open = None

    def _chat_opened(self, item: sl.ChatOpened) -> None:
        self._opening = None
        self.current = item.summary
        if any(c.chat_id == item.chat_id and c != item.summary for c in self.session_chats):  # read now
            self.session_chats = [item.summary if c.chat_id == item.chat_id else c for c in self.session_chats]
        self.desk_screen.query_one(Transcript).show(item.summary.buyer_nick, list(item.messages), item.has_older)
        composer = self._composer_box
        pending = self.journal.get(item.chat_id)
        self._store_drafts[item.chat_id] = item.draft
        if pending is None and composer.text == self._draft_loaded and item.draft[0] != composer.text:
            self._load_draft(*item.draft)  # written by someone else (a follow-up) since the last snapshot
        self.call_after_refresh(self._side_follows, item.chat_id, item.summary.buyer_nick)

    def _draft_of(self, chat_id: int) -> tuple[str, int]:
        pending = self.journal.get(chat_id)
        if pending is not None:
            return pending.text, pending.cursor
        return self._store_drafts.get(chat_id, ("", 0))

    def _side_follows(self, chat_id: int, buyer: str) -> None:
        if self.current is not None and self.current.chat_id == chat_id and self._panes_alive():
            self.desk_screen.query_one(SidePanel).show_chat(chat_id, buyer)

    def go_to_chat(self, chat_id: int) -> None:
        """The agent switched chats (key, palette, click): show it with the caret in its draft."""
        self.select_chat(chat_id)
        self._composer_box.focus()

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
        chat_id = self._session_list.chat_in_slot(n)
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
        t = self.desk_screen.query_one(Transcript)
        if self.current is None or not t.messages or self._opening is not None:
            return
        self.loop.load_older(self.current.chat_id, t.messages[0].id)

    # ---- agent actions (jobs of the store loop) -------------------------------------------------
    def _refused(self, prefix: str, exc: BaseException) -> None:
        from cs_console.services.errors import user_message

        self.notify(prefix + user_message(exc), severity="error", timeout=6)

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
        if self._sending is not None:
            return  # Enter again while the last one is on its way
        chat_id, text, actor = self.current.chat_id, event.text, self.actor
        self._sending = chat_id
        self._capture_draft()  # the draft stays (and stays journalled) until the store has the message
        self.loop.submit(lambda d: d.chats.send(chat_id, actor, text), refresh=True, announce=True,
                         patience=sl.SEND_PATIENCE, on_done=partial(self._sent, chat_id, text),
                         on_error=partial(self._send_failed, chat_id))

    def _sent(self, chat_id: int, text: str, _posted) -> None:
        """The message is stored: what was typed after Enter is the next message's start."""
        self._sending = None
        shown = self.current is not None and self.current.chat_id == chat_id
        draft = self._composer_box.text if shown else self._draft_of(chat_id)[0]
        rest = draft[len(text):] if draft.startswith(text) else draft
        self._store_drafts[chat_id] = ("", 0)  # the send cleared it in the store
        self.journal.put(chat_id, rest, len(rest))
        if shown:
            composer = self._composer_box
            self._load_draft("", 0)
            if rest:  # keys typed right after Enter, before the store answered
                composer.insert(rest)
                self._draft_loaded = rest

    def _send_failed(self, chat_id: int, exc: BaseException) -> None:
        self._sending = None
        self._refused("没有发送：", exc)

    def action_please_wait(self) -> None:
        """接一、待二、招呼三: greet the longest-waiting *other* buyer without leaving this chat."""
        current = self.current.chat_id if self.current else None
        target = next((c for c in self.session_chats if c.waiting_since is not None and c.chat_id != current), None)
        if target is None:
            self.notify("没有其他等待中的买家", timeout=2)
            return
        actor = self.actor
        self.loop.submit(lambda d: d.chats.please_wait(target.chat_id, actor), refresh=True, announce=True,
                         patience=sl.SEND_PATIENCE,
                         on_done=lambda _: self.notify(f"已请 {target.buyer_nick} 稍等", timeout=2),
                         on_error=partial(self._refused, "没有发送："))

    def action_close_chat(self) -> None:
        """End the chat: it leaves the list at once; the store loop stores it (or says why not)."""
        if self.current is None:
            return
        closing, actor = self.current, self.actor
        self._capture_draft()
        self.loop.submit(lambda d: d.chats.close(closing.chat_id, actor), refresh=True, announce=True,
                         patience=sl.SEND_PATIENCE,
                         on_done=lambda _: self.notify(f"已结束与 {closing.buyer_nick} 的会话", timeout=2),
                         on_error=self._close_failed)
        self.session_chats = [c for c in self.session_chats if c.chat_id != closing.chat_id]
        self._leave_current()
        if self.session_chats:
            self.select_chat(self.session_chats[0].chat_id)

    def _close_failed(self, exc: BaseException) -> None:
        self._refused("没有结束会话：", exc)
        self.poll_store()  # the chat comes back into the list

    def action_toggle_side(self) -> None:
        if self.screen.has_class("-narrow"):
            self.screen.toggle_class("-side-open")
        else:
            self.desk_screen.query_one(SidePanel).toggle_class("-hidden")

    def action_open_orders(self) -> None:
        """Show the side panel's 订单 tab and put the keyboard in the order list."""
        self.action_open_side_tab("tab-orders", "#orders-list")

    def action_open_calculator(self) -> None:
        """Show the side panel's 计算器 tab and put the caret in its item entry."""
        self.desk_screen.query_one(SidePanel).show_tab("tab-calc")
        self.desk_screen.query_one("#calc-scroll").anchor()  # the summary under the items stays in view
        self.call_after_refresh(self.desk_screen.query_one("#calculator").focus_entry)

    def action_open_side_tab(self, pane_id: str, focus: str) -> None:
        """Show a side tab and put the keyboard in its list (palette: 打开交接本, 打开备忘录…)."""
        self.desk_screen.query_one(SidePanel).show_tab(pane_id)
        self.call_after_refresh(lambda: self.desk_screen.query_one(focus).focus())

    @on(InsertIntoDraft)
    def _insert_into_draft(self, event: InsertIntoDraft) -> None:
        """Put a tool's text into the draft at the caret (the draft is saved as usual)."""
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        composer = self._composer_box
        composer.insert(event.text)
        composer.focus()

    def action_handover_note(self) -> None:
        """写交接 from anywhere, linked to the current chat's buyer and latest order."""
        from cs_console.tui.handover_tab import HandoverTab

        if not self.screen.is_modal:  # not from inside another dialog
            self.desk_screen.query_one(HandoverTab).write_note()

    def action_shift_end(self) -> None:
        """下班检查: what blocks a clean handover; each blocker → a note in one key."""
        from cs_console.tui.handover_dialogs import ShiftEndScreen
        from cs_console.tui.handover_tab import HandoverTab

        if self.screen.is_modal:
            return
        self.push_screen(ShiftEndScreen(self.desk, self.agent),
                         callback=lambda _n: self.desk_screen.query_one(HandoverTab).reload())

    # ---- drafts -------------------------------------------------------------------------------
    @on(Composer.Changed)
    def _draft_changed(self) -> None:
        self._capture_draft()

    def _capture_draft(self) -> None:
        """Every keystroke of the open chat's draft goes into the journal (the store loop saves
        it to the store after a short pause, or as soon as the store answers again)."""
        if self.current is None or self._opening is not None and self._opening != self.current.chat_id:
            return
        composer = self._composer_box
        if composer is None or not composer.is_attached or self.journal is None:
            return
        text = composer.text
        if text == self._draft_loaded and self.journal.get(self.current.chat_id) is None:
            return
        self.journal.put(self.current.chat_id, text, composer.cursor_offset)
        self._draft_loaded = text

    def _load_draft(self, text: str, cursor: int) -> None:
        self._draft_loaded = text
        self._composer_box.set_draft(text, cursor)


# Actions of the desk's own keys: they wait while another screen or a dialog is on top.
_DESK_KEY_ACTIONS = {b.action for b in CsConsoleApp.BINDINGS} - {"quit", "command_palette"}
