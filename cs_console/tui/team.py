"""Team dialogs: forward a chat to a teammate (转发), request a hang-up (挂起)."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cs_console.domain.team import FORWARD_REASON_MAX, ROLE_LABELS, STATUS_LABELS, AgentStatus, Role


def presence_label(agent: str, role: str, status: str) -> str:
    """``小美 · 客服 · 在线`` for the header."""
    return f"{agent} · {ROLE_LABELS.get(Role(role), role)} · {STATUS_LABELS.get(AgentStatus(status), status)}"


class ForwardScreen(ModalScreen[tuple[str, str] | None]):
    """Pick an online teammate and give a short reason; returns (teammate, reason) or None."""

    DEFAULT_CSS = """
    ForwardScreen { align: center middle; }
    ForwardScreen > Vertical { width: 60; height: auto; max-height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    ForwardScreen OptionList { height: auto; max-height: 10; }
    ForwardScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "取消")]

    def __init__(self, buyer: str, teammates: list[tuple[str, str]]):
        super().__init__()
        self.buyer, self.teammates = buyer, teammates  # (name, label)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"转发 {self.buyer} 的会话给同事"))
            yield OptionList(*[Option(Text(label), id=name) for name, label in self.teammates], id="forward-to")
            yield Input(placeholder=f"转发原因（必填，≤{FORWARD_REASON_MAX} 字）", max_length=FORWARD_REASON_MAX,
                        id="forward-reason")
            yield Label("↑↓ 选择同事 · Tab 切换 · Enter 确认 · Esc 取消", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        self.query_one(Input).focus()

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        self.query_one(Input).focus()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        reason = event.value.strip()
        if options.highlighted is None:
            self.notify("没有在线的同事", severity="warning")
            return
        if not reason:
            self.notify("请填写转发原因", severity="warning")
            return
        self.dismiss((self.teammates[options.highlighted][0], reason))


class HangupScreen(ModalScreen[str | None]):
    """Ask for a hang-up: returns the reason, or None."""

    DEFAULT_CSS = """
    HangupScreen { align: center middle; }
    HangupScreen > Vertical { width: 60; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    HangupScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "取消")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("申请挂起（暂停接收新会话，需主管批准）")
            yield Input(placeholder="原因（必填）", max_length=100, id="hangup-reason")
            yield Label("Enter 提交 · Esc 取消", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.notify("请填写原因", severity="warning")


STATUS_NOTICES = {("hung_up", "online"): "已恢复接收新会话"}


class TeamActions:
    """The app's team actions (mixed into ``CsConsoleApp``; bindings live there).

    Uses the app's ``loop`` (store loop: every read and write runs there), ``presence`` and
    ``current`` (the desk's shared state), ``agent`` and ``actor``."""

    def _presence_changed(self, old: tuple[str, str] | None, new: tuple[str, str] | None) -> None:
        """Tell the agent when their status changes by someone else's hand (a hang-up ends)."""
        if old is not None and new is not None and (old[1], new[1]) in STATUS_NOTICES:
            self.notify(STATUS_NOTICES[(old[1], new[1])], timeout=5)

    def _skip_if_dialog_open(self) -> None:
        """Team keys act from the desk itself: while a dialog or another screen is up the key
        goes on to that screen's own bindings (e.g. the quick-reply picker's alt+s)."""
        if len(self.screen_stack) > 1:
            raise SkipAction()

    def _team_refused(self, exc: BaseException) -> None:
        from cs_console.services.errors import user_message

        self.notify(user_message(exc), severity="error", markup=False)

    def action_forward_chat(self) -> None:
        self._skip_if_dialog_open()
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        chat, me = self.current, self.agent
        self.loop.submit(lambda d: [(a.name, f"{a.name}  接待 {a.open_chats}/{a.capacity}")
                                    for a in d.team.teammates(me)],
                         write=False, on_done=partial(self._forward_to, chat), on_error=self._team_refused)

    def _forward_to(self, chat, mates: list[tuple[str, str]]) -> None:
        if not mates:
            self.notify("没有在线的同事可以转发", severity="warning")
            return
        if len(self.screen_stack) > 1:
            return  # a dialog opened meanwhile

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            to, reason = result
            self.loop.submit(lambda d: d.team.forward(chat.chat_id, to, reason, self.agent), refresh=True,
                             announce=True, patience=10.0, on_error=self._team_refused,
                             on_done=lambda _: self.notify(f"已转发给 {to}", timeout=3, markup=False))

        self.push_screen(ForwardScreen(chat.buyer_nick, mates), done)

    def action_hangup(self) -> None:
        """Request a hang-up (supervisor approves), or resume when hung up."""
        self._skip_if_dialog_open()
        me = self.agent
        if self.presence is not None and self.presence[1] == "hung_up":
            self.loop.submit(lambda d: d.team.resume(me), refresh=True, announce=True, patience=10.0,
                             on_error=self._team_refused)  # the refresh tells the agent
            return

        def done(reason: str | None) -> None:
            if not reason:
                return

            def request(d) -> int:
                rid = d.team.request_hangup(me, reason)
                self.loop.hangup_requested(rid)
                return rid

            self.loop.submit(request, announce=True, patience=10.0, on_error=self._team_refused,
                             on_done=lambda rid: self.notify(f"挂起申请 {rid} 已提交，等待主管审批", timeout=4))

        self.push_screen(HangupScreen(), done)

    def action_supervisor(self) -> None:
        from cs_console.domain.team import is_supervisor
        from cs_console.tui.supervisor import SupervisorScreen

        if isinstance(self.screen, SupervisorScreen):
            self.pop_screen()  # the same key closes it
            return
        self._skip_if_dialog_open()
        if self.presence is None or not is_supervisor(self.presence[0]):
            self.notify("主管视图只对主管开放", severity="warning")
            return
        self.push_screen(SupervisorScreen(self.desk, self.agent))

    def action_broadcast(self) -> None:
        from cs_console.tui.broadcast import BroadcastScreen

        self._skip_if_dialog_open()

        def done(count: int | None) -> None:
            if count:
                self.notify(f"已群发 {count} 条消息", timeout=4)

        self.push_screen(BroadcastScreen(self.desk, self.agent), done)
