"""The composition root: start-up, sign-in, the store loop and the one error path.

The desk itself (panes, shared state, keys) is :class:`~cs_console.tui.desk_screen.DeskScreen`,
the app's default screen. The event loop never touches the store:
:class:`~cs_console.tui.store_loop.StoreLoop` (a thread) reads and writes, and hands snapshots
back as messages, which the app passes on to the desk screen.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import App
from textual.binding import Binding
from textual.reactive import Reactive
from textual.signal import Signal

from cs_console.domain.chat import ChatStatus
from cs_console.domain.text import display_text
from cs_console.tui import store_loop as sl
from cs_console.tui.commands import DeskCommands, GoToBuyer
from cs_console.tui.desk_opening import DeskOpening, prepared_store
from cs_console.tui.desk_screen import DeskContext, DeskScreen
from cs_console.tui.error_path import ErrorPathMixin
from cs_console.tui.keys import install_terminal_keys
from cs_console.tui.store_events import StoreChange
from cs_console.tui.store_snapshots import Committed, Done, Notices, Published, SessionExpired

NARROW_WIDTH = 110  # below: the side panel folds away (F9), see app.tcss
FIRST_READ_SECONDS = 10.0  # the desk waits this long for its first snapshot, then shows what it has

if TYPE_CHECKING:
    from cs_console.services.desk import Desk
    from cs_console.tui.draft_journal import DraftJournal
    from cs_console.tui.sign_in import SignInScreen



#: app actions that need no store: they work from the first frame on
_ACTIONS_WITHOUT_STORE = frozenset({"quit", "command_palette", "help_quit", "focus_next", "focus_previous"})

class CsConsoleApp(ErrorPathMixin, App[None]):
    """客服工作台: sessions on the left, the chat in the middle, tools on the right."""

    TITLE = "客服工作台"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {GoToBuyer, DeskCommands}
    # Textual sets the class on every screen as the terminal's width crosses these (app.tcss)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]
    # the desk's keys are the desk screen's (desk_screen.py), active only while the desk is on
    # top: a key never acts on the desk behind a dialog, a report or the supervisor view.
    # These two work (and show) over every screen.
    # the header line (agent, presence, the store's health) changes as the store does: the
    # Header redraws itself; App's own reactive would repaint the whole screen each time
    sub_title: Reactive[str] = Reactive("", compute=False, repaint=False)
    BINDINGS = [
        Binding("ctrl+p", "command_palette", "命令", priority=True, id="app.palette"),
        Binding("ctrl+q", "quit", "退出", id="app.quit", priority=True),  # from a dialog too
    ]

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
        self.desk: Desk | None = desk if hasattr(desk, "chats") else None
        self._open_desk = None if self.desk is not None else desk
        # the store's opening, shared by the worker that opens it and the sign-in check
        self._opening = DeskOpening(self._open_desk) if self.desk is None else DeskOpening.of(self.desk)
        self._sign_in_screen: SignInScreen | None = None  # the first sign-in, while it is up
        self._started = False  # the store loop was started (once)
        self._prepared = None  # the store loop's own desk and watcher, opened while signing in
        self._desk_screen: DeskScreen | None = None  # the default screen, once Textual asked for it
        self.started_at = started_at or time.perf_counter()
        self.ready_seconds: float | None = None  # process start → first frame
        self.desk_seconds: float | None = None  # process start → store open and panes filled
        self._journal_dir = journal_dir
        self.journal: DraftJournal | None = None
        self.loop: sl.StoreLoop | None = None
        self._direct: set[int] = set()  # snapshots applied before their message arrived
        self.store_changes: Signal[StoreChange] = Signal(self, "store-changes")  # see store_events
        self._store_seq = 0
        self.morning = morning  # show the morning checklist on the first start of the day
        self.notice = notice  # shown once the desk is open (e.g. where the demo store is)

    # ---- start-up -----------------------------------------------------------------------------
    def get_default_screen(self) -> DeskScreen:
        ready = self.desk is not None and not self._waits_for_sign_in()
        self._desk_screen = DeskScreen(self.desk.policy if ready else None)
        return self._desk_screen

    @property
    def desk_screen(self) -> DeskScreen:
        """The screen the desk's panes and state live on (the default one), whatever dialog is on
        top: snapshots that arrive while a dialog is open are applied to the panes behind it."""
        return self._desk_screen

    def _waits_for_sign_in(self) -> bool:
        return self._sign_in_mode == "screen" and self.principal is None

    async def on_mount(self) -> None:
        self.call_after_refresh(self._mark_ready)
        if self.desk is None and self._waits_for_sign_in():
            self._push_sign_in()  # the first frame: the store opens behind it while the agent types
        if self.desk is not None:
            if self._waits_for_sign_in():
                self.call_after_refresh(self._attach, self.desk)
            else:
                await self.desk_screen.composed.wait()  # the default screen composes in its own task
                await self._start()

    @property
    def actor(self):
        """Who acts in service calls: the signed-in principal (tests without sign-in: the name)."""
        return self.principal or self.agent

    def _open_in_thread(self) -> None:
        try:
            desk = self._opening.get()
            signed = self._automatic_sign_in(desk)
        except Exception as exc:  # config or store problem: say it on screen, never a traceback
            self.call_from_thread(self._open_failed, exc)
            return
        if signed is None and self._sign_in_screen is not None:
            _warm_up(desk, self.agent)  # while the agent types: what Enter → session list would wait for
            try:
                prepared = prepared_store(desk)
            except Exception:  # noqa: BLE001 - the store loop opens its own and says what is wrong
                prepared = None
            if prepared is not None:
                self.call_from_thread(self._hand_prepared, prepared)
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

    def _hand_prepared(self, prepared) -> None:
        """The store loop's connection, opened ahead: the loop takes it if it does not run yet."""
        if self.loop is None and self._prepared is None:
            self._prepared = prepared
        else:
            prepared[0].close()

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

        message = clean_text(report(exc, 'tui'))
        if self._sign_in_screen is not None and self._sign_in_screen.is_attached:
            if self._opening.desk is None:  # the agent's Enter tries again (name and password kept)
                self._sign_in_screen.store_not_opened(f"无法打开店铺数据：{message}")
            return
        self.desk_screen.say(Text(f"无法打开店铺数据：{message}\n按 Ctrl+Q 退出"))

    def _push_sign_in(self) -> None:
        from cs_console.tui.sign_in import SignInScreen

        if self.desk_screen.composed.is_set():
            self.desk_screen.say("请登录")
        self._sign_in_screen = SignInScreen(self._opening, self.agent, first=True)
        self.push_screen(self._sign_in_screen, self._after_sign_in)

    async def _attach(self, desk: Desk) -> None:
        """The store is open (the sign-in may be up, or done already)."""
        self.desk = desk
        if self._started:
            return
        if self._sign_in_mode == "screen" and self.principal is None:
            signed = self._automatic_sign_in(desk)  # the OS account, where the shop chose that
            if signed is not None:
                self._signed_in(signed)
                if self._sign_in_screen is not None:  # the desk takes over from the sign-in
                    self._sign_in_screen, screen = None, self._sign_in_screen
                    if screen.is_current:
                        screen.dismiss(None)
                await self._show_desk()
                return
            if self._sign_in_screen is None:
                self._push_sign_in()
            else:
                self._sign_in_screen.store_opened()
            # the panes are built behind the sign-in while the agent types, shown once signed in
            await self.desk_screen.show_panes(desk.policy, hidden=True)
            return
        await self._show_desk()

    async def _after_sign_in(self, signed) -> None:
        if self.principal is not None and signed is None:
            return  # the OS account signed in while the screen was up
        self._sign_in_screen = None
        if signed is None:
            self.exit()
            return
        self._signed_in(signed)
        self.desk = self._opening.desk  # the sign-in opened the store (or waited for its opening)
        await self._show_desk()

    async def _show_desk(self) -> None:
        if self._started:
            return
        self._started = True
        await self.desk_screen.show_panes(self.desk.policy)
        await self._start()

    async def _start(self) -> None:
        """The store is open and the panes exist: start the store loop, show its first snapshot."""
        self._started = True
        from cs_console.config.locations import draft_journal_dir
        from cs_console.tui.draft_journal import DraftJournal, journal_path

        self.sub_title = f"{self.agent} · {self.desk.policy.shop.name}"
        self.journal = DraftJournal(journal_path(self._journal_dir or draft_journal_dir(), self.desk.store.url,
                                                 self.agent))
        prepared, self._prepared = self._prepared, None
        self.loop = sl.StoreLoop(self.desk, self.agent, lambda: self.actor, self.journal, self.post_message,
                                 token=lambda: self._session_token, prepared=prepared)
        self.loop.start()
        screen = self.desk_screen
        screen.start(DeskContext(self.desk, self.loop, self.journal, agent=lambda: self.agent,
                                 actor=lambda: self.actor))
        try:  # the loop thread reads; the event loop only waits here, before the desk is usable
            self._apply_now(await asyncio.wait_for(asyncio.wrap_future(self.loop.first), FIRST_READ_SECONDS))
            if screen.selection.opening is not None:  # the first snapshot opened a chat: its window too
                opened = await asyncio.wait_for(asyncio.wrap_future(screen.selection.opening), FIRST_READ_SECONDS)
                if opened is not None:
                    self._apply_now(opened)
        except TimeoutError:
            pass  # the store is slow to answer: the snapshots arrive as messages when it does
        screen.ready()
        self.call_after_refresh(screen.build_side_tabs)  # the list first, then the other side tabs
        if self.morning:
            self.call_after_refresh(screen.day.show_morning_if_due)
        if self.notice:
            self.notify(self.notice, timeout=10)
        self.desk_seconds = time.perf_counter() - self.started_at
        self.log.info(f"store ready {self.desk_seconds:.3f}s after start")
        # what start-up built (modules, tables, the phrase index) lives as long as the app: keep it
        # out of the collector's full passes, which otherwise stall a keystroke now and then
        self.call_after_refresh(gc.freeze)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the store is open only quitting, the palette and moving the focus work (Tab
        between the sign-in's fields while the store opens behind it); the desk's keys wait for
        the store loop."""
        if action in _ACTIONS_WITHOUT_STORE:
            return True
        return self.desk is not None

    def action_quit(self) -> None:
        """Ctrl+Q: with buyers waiting, ask first (Ctrl+Q again, or the 退出 button, quits)."""
        from cs_console.tui.confirm import GuardedConfirm

        waiting = sum(1 for c in self.desk_screen.session_chats if c.status == ChatStatus.WAITING)
        if not waiting or self.screen.id == "quit-confirm":
            self.call_later(self._exit_once_settled)
            return
        self.push_screen(GuardedConfirm("还有买家在等待回复", f"还有 {waiting} 位买家在等待回复，退出后他们会回到排队中。\n确定要退出吗？",
                                        "退出", extra_hint="再按 Ctrl+Q 退出", id="quit-confirm"),
                         callback=lambda ok: self.call_later(self._exit_once_settled) if ok else None)

    async def _exit_once_settled(self) -> None:
        """Quit, once the side tabs built after the session list are mounted (a moment at most:
        leaving halfway through a mount breaks it)."""
        from cs_console.tui.side import SidePanel

        sides = self.desk_screen.query(SidePanel) if self._desk_screen is not None else ()
        for side in sides:
            await side.settled()
        self.exit()

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
        if self._desk_screen is not None:
            self._desk_screen.capture_draft()
        if self.loop is not None:
            self.loop.stop()
        if self._prepared is not None:  # left before signing in
            self._prepared[0].close()
            self._prepared = None
        if self.journal is not None:
            self.journal.close()

    # ---- store → screen -----------------------------------------------------------------------
    @on(Published)
    def _published(self, message: Published) -> None:
        if id(message.item) in self._direct:
            self._direct.discard(id(message.item))
            return
        if self.desk_screen.panes_alive():
            self._apply(message.item)

    @on(Done)
    def _loop_done(self, message: Done) -> None:
        if self.desk_screen.panes_alive():
            message.callback(message.result)

    def _apply_now(self, item: object) -> None:
        """A snapshot awaited at start-up: applied now, its message skipped when it arrives."""
        self._apply(item)
        self._direct.add(id(item))

    def _apply(self, item: object) -> None:
        """One snapshot from the store loop: the app's own (store changes, the session), or the desk's."""
        match item:
            case Notices():
                for n in item.items:
                    self.notify(n.text, title=n.title, severity=n.severity, timeout=n.timeout)
            case Committed():
                self._store_seq += 1
                self.store_changes.publish(StoreChange(self._store_seq))
            case SessionExpired():
                self._session_expired(item.reason)
            case _:
                self.desk_screen.apply(item)

    def _heartbeat(self) -> None:
        """Heartbeat now (the store loop beats every ``team.heartbeat_seconds`` by itself)."""
        if self.loop is not None:
            self.loop.heartbeat()


def _warm_up(desk: Desk, name: str) -> None:
    """What signing in and the first session list use, imported while the agent types (worker
    thread). The sign-in's first: the password check, its service and its reads of the agent
    named on the screen (the ORM's first-use work), so an Enter typed meanwhile waits for no
    more than that; then the services the store loop's first pass reads through."""
    import argon2  # noqa: F401

    desk.identity  # noqa: B018  (cached properties: the service modules and their SQL)
    try:
        desk.identity.warm_up(name)
    except Exception:  # noqa: BLE001 - only a head start: the sign-in reads again and says what is wrong
        pass
    desk.chats  # noqa: B018
    desk.team  # noqa: B018
