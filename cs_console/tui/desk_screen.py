"""The desk: sessions on the left, the chat in the middle, tools on the right.

:class:`DeskScreen` composes the panes, holds the desk's shared state as reactives that the panes
follow (``session_chats``, ``current``, ``presence``, ``store_status``) and owns the desk's keys.
Features with keys of their own (team, quick replies, the rest of the day) are small classes in
their modules, built here with what they use: the :class:`DeskContext` the app hands in once the
store is open, and this screen for the state they read.

The event loop never touches the store: the app's store loop reads and writes, and the app hands
its snapshots to :meth:`DeskScreen.apply`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Label

from cs_console.domain.chat import ChatSummary
from cs_console.domain.store_health import Health
from cs_console.domain.text import display_line
from cs_console.tui.chat_actions import ChatActions
from cs_console.tui.chat_selection import ChatSelection
from cs_console.tui.commands import PALETTE_ONLY
from cs_console.tui.composer import Composer
from cs_console.tui.daytools import DAY_BINDINGS, DayTools
from cs_console.tui.desk_drafts import DeskDrafts
from cs_console.tui.desk_status import header_line, sessions_title, trouble_toast
from cs_console.tui.footer import DeskFooter
from cs_console.tui.header import DeskHeader
from cs_console.tui.keys import ALT_DIGIT_AS_SENT
from cs_console.tui.messages import InsertIntoDraft
from cs_console.tui.reply_actions import REPLY_BINDINGS, QuickReplies
from cs_console.tui.sessions import SessionList
from cs_console.tui.side import SidePanel
from cs_console.tui.store_snapshots import (
    ChatOpened,
    NewMessages,
    OlderMessages,
    Sessions,
    Statuses,
    StoreStatus,
)
from cs_console.tui.team import TEAM_BINDINGS, TeamActions, presence_label
from cs_console.tui.transcript import Transcript

if TYPE_CHECKING:
    from cs_console.domain.identity import Principal
    from cs_console.domain.shop import ShopPolicy
    from cs_console.services.desk import Desk
    from cs_console.tui.draft_journal import DraftJournal
    from cs_console.tui.store_loop import StoreLoop


@dataclass(frozen=True)
class DeskContext:
    """What the desk works with once the store is open: the desk's services, the store loop
    (every store read and write of the desk runs there), the journal of unsaved drafts, and who
    is signed in (read when used: signing in again after an expiry renews the principal)."""

    desk: Desk
    loop: StoreLoop
    journal: DraftJournal
    agent: Callable[[], str]  # the signed-in agent's name
    actor: Callable[[], Principal | str]  # who acts in service calls (tests without sign-in: the name)


NTH_CHAT_BINDINGS = [
    Binding(f"alt+{n},{key}", f"nth_chat({n})", "第1‥9个" if n == 1 else f"第{n}个", show=n == 1,
            key_display="alt+1‥9" if n == 1 else None, id=f"chat.nth{n}")
    for n, key in enumerate(ALT_DIGIT_AS_SENT, start=1)
]


class DeskScreen(Screen[None]):
    """客服工作台's main screen (the app's default screen; dialogs open over it)."""

    BINDINGS = [
        # 退出 is the app's key (it works from every dialog); declared here too so its hint keeps
        # its place in the desk's footer, right after the focused widget's keys
        Binding("ctrl+q", "quit", "退出", id="app.quit", priority=True),
        Binding("alt+down,f4", "next_chat", "下一个", id="chat.next"),
        Binding("alt+up,f3", "prev_chat", "上一个", id="chat.prev"),
        Binding("ctrl+g,f5", "longest_wait", "等最久", id="chat.longest"),
        Binding("ctrl+t,f8", "please_wait", "请稍等", id="chat.please_wait"),
        Binding("alt+x,f10", "close_chat", "结束会话", id="chat.close"),
        *NTH_CHAT_BINDINGS,
        Binding("f9", "toggle_side", "侧栏", id="side.toggle"),
        *REPLY_BINDINGS,
        Binding("alt+c,ctrl+l", "open_calculator", "计算器", id="side.calculator", priority=True),
        Binding("alt+o,f12", "open_orders", "订单", id="side.orders"),
        Binding("alt+g,shift+f5", "open_side_tab('tab-goods', '#goods-search')", "商品", id="side.goods",
                priority=True),
        Binding("alt+j,ctrl+n", "handover_note", "写交接", id="handover.write"),
        Binding("alt+k,f11", "shift_end", "下班检查", id="shift.end"),
        *TEAM_BINDINGS,
        *DAY_BINDINGS,
    ]

    # the desk's shared state (one place; the panes follow these)
    session_chats: var[list[ChatSummary]] = var(list, init=False)  # my chats in session order (new list each time)
    current: var[ChatSummary | None] = var(None, always_update=True, init=False)  # the open chat
    presence: var[tuple[str, str] | None] = var(None, init=False)  # (role, status) of the signed-in agent
    store_status: var[StoreStatus] = var(StoreStatus(Health.OK), init=False)

    def __init__(self, policy: ShopPolicy | None = None):
        """``policy``: the shop's, when the store is already open (the panes are in the first
        frame); None: a loading line until :meth:`show_panes`."""
        super().__init__()
        self._policy = policy
        self.ctx: DeskContext | None = None  # once the store loop runs (see start)
        self.chats: ChatActions | None = None
        self.team: TeamActions | None = None
        self.day: DayTools | None = None
        self.replies: QuickReplies | None = None
        self.composed = asyncio.Event()  # set once the screen's widgets are mounted
        self._panes_mounted = asyncio.Event()  # set once show_panes has mounted them
        self._session_list: SessionList | None = None  # the panes, once composed (reached on every
        self._composer_box: Composer | None = None  # keystroke and snapshot: no DOM query each time)
        self.queue_length = 0  # waiting chats nobody has
        self.drafts: DeskDrafts | None = None  # the chats' drafts (see start)
        self.selection = ChatSelection(self)  # which chat is open, and switching chats

    # ---- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield DeskHeader()  # its title line changes without a layout pass (presence, store status)
        yield self._panes(self._policy) if self._policy is not None else Label("正在打开店铺数据…", id="loading")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.composed.set()

    def _panes(self, policy: ShopPolicy, *, with_sessions: bool = True, later: bool = False) -> Horizontal:
        """``with_sessions=False``: the session list joins once the agent is signed in (it shows
        the signed-in agent's chats; no list of anyone's exists behind the sign-in).
        ``later``: the side tabs other than 订单 are built after the session list is shown."""
        self._session_list = SessionList(policy.response, id="sessions")
        self._composer_box = Composer(id="composer")
        return Horizontal(
            Vertical(
                Label("会话", classes="pane-title", id="sessions-title"),
                *([self._session_list] if with_sessions else []),
                id="left",
            ),
            Vertical(
                Label("（没有会话）", classes="pane-title", id="chat-title"),
                Transcript(timezone=policy.shop.timezone, id="transcript"),
                self._composer_box,
                id="center",
            ),
            SidePanel(later=later, id="side"),
            id="main",
        )

    def say(self, text: str | Text) -> None:
        """What the loading line says (opening the store, signing in, why the store did not open)."""
        self.query_one("#loading", Label).update(text)

    async def show_panes(self, policy: ShopPolicy, *, hidden: bool = False) -> None:
        """The store is open: the panes replace the loading line. ``hidden``: built while the
        agent signs in, out of sight until this is called again without it."""
        if self._policy is None:
            self._policy = policy
            panes = self._panes(policy, with_sessions=not hidden, later=True)
            panes.set_class(hidden, "-signing-in")
            loading = self.query_one("#loading")
            await self.mount(panes, before=self.query_one(Footer))
            await loading.remove()
            self._panes_mounted.set()
            return
        await self._panes_mounted.wait()  # built hidden a moment ago: its mount may still run
        if not hidden and not self._session_list.is_attached:
            await self.query_one("#left").mount(self._session_list)
            self.query_one("#main").remove_class("-signing-in")

    def start(self, ctx: DeskContext) -> None:
        """The store loop runs: the desk's keys and features work from now on."""
        self.ctx = ctx
        self.drafts = DeskDrafts(self._composer_box, ctx.journal)
        self.chats = ChatActions(ctx, self)
        self.team = TeamActions(ctx, self)
        self.day = DayTools(ctx, self)
        self.replies = QuickReplies(ctx, self, self._composer_box)

    def ready(self) -> None:
        """The first snapshot is on screen (or the store is slow): the caret goes to the draft."""
        self._composer_box.focus()
        self.replies.start()
        self.set_interval(1.0, self._tick, name="wait-timers")  # clocks on screen, no store access

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The desk's keys work once the store loop runs, and only while the desk is on top: under
        a dialog, a report or the supervisor view they would act on the chat behind it (Textual
        reads only the top screen's bindings; this also holds when one is run by name).
        The palette-only actions run once the palette has closed."""
        if action not in _DESK_ACTIONS:
            return True
        if self.ctx is None:
            return False
        return action not in _WAIT_ON_TOP or self.app.screen is self

    def action_quit(self) -> None:
        self.app.action_quit()

    def _tick(self) -> None:
        if self.panes_alive():
            self._session_list.tick(self.ctx.desk.clock())

    def panes_alive(self) -> bool:
        """False while shutting down (timers may still fire after the screen is gone)."""
        return bool(self.app.screen_stack) and self._session_list is not None and self._session_list.is_attached

    def _update_title(self) -> None:
        c = self.current
        title = self.query_one("#chat-title", Label)
        if c is None:
            text = "（没有会话）"
        else:
            state = {"waiting": "等待回复", "serving": "接待中", "closed": "已结束"}[c.status]
            text = f"{display_line(c.buyer_nick)} · {state}"
        if str(title.content) != text:  # the bar is the pane's width: a new title needs no layout pass
            title.update(Text(text), layout=False)  # the nick is buyer data: never markup

    # ---- store → screen -----------------------------------------------------------------------
    def apply(self, item: object) -> None:
        """One snapshot from the store loop onto the desk's state and panes."""
        match item:
            case Sessions():
                self._apply_sessions(item)
            case ChatOpened() if item.chat_id == self.selection.opening_id:
                self.selection.chat_opened(item)
            case NewMessages() if self.selection.is_shown(item.chat_id):
                self.query_one(Transcript).append(list(item.messages))
            case OlderMessages() if self.selection.is_shown(item.chat_id):
                self.query_one(Transcript).prepend(list(item.messages), has_older=item.has_older)
            case Statuses() if self.selection.is_shown(item.chat_id):
                self.query_one(Transcript).update_statuses({i: (st, err) for i, st, err in item.statuses})
            case StoreStatus():
                self.store_status = item

    def _apply_sessions(self, snap: Sessions) -> None:
        self.drafts.stored(snap.drafts)
        self.queue_length = snap.queue
        self.session_chats = list(snap.chats)  # (an equal list: no watcher call)
        self.presence = (snap.role, snap.status)
        if self.panes_alive():
            self._update_sessions_title()  # the queue count moves without my list changing
        if self.current is not None and self.selection.opening_id is None:
            fresh = next((c for c in snap.chats if c.chat_id == self.current.chat_id), None)
            if fresh is None:
                self.selection.leave_current()  # forwarded away, reassigned or closed: no longer mine
            else:
                self.current = fresh
        if self.current is None and self.selection.opening_id is None and snap.chats:
            self.selection.select_chat(snap.chats[0].chat_id)

    def watch_session_chats(self) -> None:
        if not self.panes_alive():
            return
        self._session_list.update_chats(self.session_chats, self.ctx.desk.clock())
        self._update_sessions_title()

    def _update_sessions_title(self) -> None:
        title = sessions_title(self.session_chats, self.queue_length, self.store_status)
        label_ = self.query_one("#sessions-title", Label)
        if str(label_.content) != title:  # the same title again: no layout pass of the screen
            label_.update(title)

    def watch_current(self) -> None:
        if self.panes_alive():
            self._session_list.select(self.current.chat_id if self.current else None)
            self._update_title()

    def watch_presence(self, old: tuple[str, str] | None, new: tuple[str, str] | None) -> None:
        if self.team is not None:
            self.team.presence_changed(old, new)
        self._update_header()

    def watch_store_status(self, old: StoreStatus, new: StoreStatus) -> None:
        self._update_header()
        if self.panes_alive():
            self._update_sessions_title()
        toast = trouble_toast(old, new)
        if toast and self.ctx is not None:
            self.app.notify(toast, severity="warning", timeout=6)

    def _update_header(self) -> None:
        if self.ctx is None:
            return
        agent = self.ctx.agent()
        who = presence_label(agent, *self.presence) if self.presence else agent
        self.app.sub_title = header_line(who, self.ctx.desk.policy.shop.name, self.store_status)

    # ---- selection (see chat_selection) ---------------------------------------------------------
    def focus_draft(self) -> None:
        self._composer_box.focus()

    def action_next_chat(self) -> None:
        self.selection.move(1)

    def action_prev_chat(self) -> None:
        self.selection.move(-1)

    def action_nth_chat(self, n: int) -> None:
        """Alt+n: the chat showing number n (numbers stay put while the list re-sorts)."""
        chat_id = self._session_list.chat_in_slot(n)
        if chat_id is not None:
            self.selection.go_to_chat(chat_id)

    def action_longest_wait(self) -> None:
        self.selection.longest_wait()

    @on(Composer.NthChat)
    def _nth_from_composer(self, event: Composer.NthChat) -> None:
        self.action_nth_chat(event.n)

    @on(SessionList.Selected)
    def _clicked(self, event: SessionList.Selected) -> None:
        self.selection.go_to_chat(event.chat_id)

    @on(Transcript.NeedOlder)
    def _load_older(self) -> None:
        t = self.query_one(Transcript)
        if self.current is None or not t.messages or self.selection.opening_id is not None:
            return
        self.ctx.loop.load_older(self.current.chat_id, t.messages[0].id)

    # ---- agent actions (see chat_actions) ---------------------------------------------------------
    @on(Composer.Submitted)
    def _send(self, event: Composer.Submitted) -> None:
        if self.chats is None:  # the store loop does not run yet: there is no chat to send to
            self.app.notify("先选择一个会话", severity="warning")
            return
        self.chats.send(event.text)

    def action_please_wait(self) -> None:
        """接一、待二、招呼三: greet the longest-waiting *other* buyer without leaving this chat."""
        self.chats.please_wait()

    def action_close_chat(self) -> None:
        self.chats.close_chat()

    def action_resend_failed(self) -> None:
        self.chats.resend_failed()

    # ---- side panel and tools -----------------------------------------------------------------
    def action_toggle_side(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-side-open")
        else:
            self.query_one(SidePanel).toggle_class("-hidden")

    async def action_open_orders(self) -> None:
        """Show the side panel's 订单 tab and put the keyboard in the order list."""
        await self.action_open_side_tab("tab-orders", "#orders-list")

    async def action_open_calculator(self) -> None:
        """Show the side panel's 计算器 tab and put the caret in its item entry."""
        await self.query_one(SidePanel).open_tab_built("tab-calc")
        self.query_one("#calc-scroll").anchor()  # the summary under the items stays in view
        self.query_one("#calculator").focus_entry()

    async def action_open_side_tab(self, pane_id: str, focus: str) -> None:
        """Show a side tab and put the keyboard in its list (palette: 打开交接本, 打开备忘录…)."""
        await self.query_one(SidePanel).open_tab_built(pane_id)
        self.query_one(focus).focus()

    def build_side_tabs(self) -> None:
        """The side tabs other than 订单, built once the session list is on screen."""
        if self.panes_alive():
            self.query_one(SidePanel).build_tabs()

    @on(InsertIntoDraft)
    def _insert_into_draft(self, event: InsertIntoDraft) -> None:
        """Put a tool's text into the draft at the caret (the draft is saved as usual)."""
        if self.current is None:
            self.app.notify("先选择一个会话", severity="warning")
            return
        composer = self._composer_box
        composer.insert(event.text)
        composer.focus()

    async def action_handover_note(self) -> None:
        """写交接 from anywhere, linked to the current chat's buyer and latest order."""
        from cs_console.tui.handover_tab import HandoverTab

        await self.query_one(SidePanel).tabs_built()
        self.query_one(HandoverTab).write_note()

    def action_shift_end(self) -> None:
        """下班检查: what blocks a clean handover; each blocker → a note in one key."""
        from cs_console.tui.handover_dialogs import ShiftEndScreen
        from cs_console.tui.handover_tab import HandoverTab

        self.app.push_screen(ShiftEndScreen(self.ctx.desk, self.ctx.agent()),
                             callback=lambda _n: self.query_one(HandoverTab).reload())

    # ---- keys of the features (see their modules) ---------------------------------------------
    async def action_open_replies(self) -> None:
        await self.replies.open()

    @on(Composer.SlashAtStart)
    async def _slash_at_start(self) -> None:
        if self.replies is not None:
            await self.replies.slash_at_start()

    def action_forward_chat(self) -> None:
        self.team.forward_chat()

    def action_hangup(self) -> None:
        self.team.hangup()

    def action_supervisor(self) -> None:
        self.team.supervisor()

    def action_broadcast(self) -> None:
        self.team.broadcast()

    def action_memo(self) -> None:
        self.day.memo()

    async def action_cases_tab(self) -> None:
        await self.query_one(SidePanel).tabs_built()
        self.day.cases_tab()

    def action_followups(self) -> None:
        self.day.followups()

    def action_report(self) -> None:
        self.day.report()

    def action_morning(self) -> None:
        self.day.morning()

    # ---- drafts -------------------------------------------------------------------------------
    @on(Composer.Changed)
    def _draft_changed(self) -> None:
        self.capture_draft()

    def capture_draft(self) -> None:
        """Every keystroke of the open chat's draft goes into the journal (see desk_drafts)."""
        opening = self.selection.opening_id
        if self.current is None or opening is not None and opening != self.current.chat_id:
            return
        if self.drafts is not None:
            self.drafts.capture(self.current.chat_id)


def _action_name(action: str) -> str:
    return action.split("(", 1)[0]


#: the desk's own actions (its keys and the palette's): they work once the store loop runs
_DESK_ACTIONS = {_action_name(a) for a in [*(b.action for b in DeskScreen.BINDINGS), *(a for _, a in PALETTE_ONLY)]} - {"quit"}
#: the desk's keys: they wait while another screen is on top
_WAIT_ON_TOP = {_action_name(b.action) for b in DeskScreen.BINDINGS} - {"quit"}
