"""Team work at the desk: forward a chat to a teammate (转发), request a hang-up (挂起), the
supervisor view (主管视图) and 群发 — the dialogs and the actions behind the desk's keys."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cs_console.domain.team import FORWARD_REASON_MAX, ROLE_LABELS, STATUS_LABELS, AgentStatus, Role

if TYPE_CHECKING:
    from cs_console.tui.desk_screen import DeskContext, DeskScreen


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

# priority: keys that must work while a text input has focus (alt+f is ctrl+right in Textual)
TEAM_BINDINGS = [
    Binding("ctrl+f,alt+w", "forward_chat", "转发", id="team.forward", priority=True),
    Binding("ctrl+o,alt+h", "hangup", "挂起", id="team.hangup", priority=True),
    Binding("alt+v,ctrl+s", "supervisor", "主管视图", id="team.supervisor", priority=True),
]


class TeamActions:
    """The desk's team actions: 转发, 挂起 (or resume), 主管视图, 群发 (keys in ``TEAM_BINDINGS``).

    Every store read and write runs as a job of the store loop (``ctx.loop``); the open chat and
    the agent's presence are the desk screen's state."""

    def __init__(self, ctx: DeskContext, desk: DeskScreen):
        self.ctx, self.desk = ctx, desk

    def presence_changed(self, old: tuple[str, str] | None, new: tuple[str, str] | None) -> None:
        """Tell the agent when their status changes by someone else's hand (a hang-up ends)."""
        if old is not None and new is not None and (old[1], new[1]) in STATUS_NOTICES:
            self.desk.app.notify(STATUS_NOTICES[(old[1], new[1])], timeout=5)

    def _refused(self, exc: BaseException) -> None:
        from cs_console.services.errors import user_message

        self.desk.app.notify(user_message(exc), severity="error", markup=False)

    def forward_chat(self) -> None:
        app = self.desk.app
        if self.desk.current is None:
            app.notify("先选择一个会话", severity="warning")
            return
        chat, me = self.desk.current, self.ctx.agent()
        self.ctx.loop.submit(lambda d: [(a.name, f"{a.name}  接待 {a.open_chats}/{a.capacity}")
                                        for a in d.team.teammates(me)],
                             write=False, on_done=partial(self._forward_to, chat, me), on_error=self._refused)

    def _forward_to(self, chat, me: str, mates: list[tuple[str, str]]) -> None:
        app = self.desk.app
        if not mates:
            app.notify("没有在线的同事可以转发", severity="warning")
            return
        if len(app.screen_stack) > 1:
            return  # a dialog opened meanwhile

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            to, reason = result
            self.ctx.loop.submit(lambda d: d.team.forward(chat.chat_id, to, reason, me), refresh=True,
                                 announce=True, patience=10.0, on_error=self._refused,
                                 on_done=lambda _: app.notify(f"已转发给 {to}", timeout=3, markup=False))

        app.push_screen(ForwardScreen(chat.buyer_nick, mates), done)

    def hangup(self) -> None:
        """Request a hang-up (supervisor approves), or resume when hung up."""
        app, loop, me = self.desk.app, self.ctx.loop, self.ctx.agent()
        presence = self.desk.presence
        if presence is not None and presence[1] == "hung_up":
            loop.submit(lambda d: d.team.resume(me), refresh=True, announce=True, patience=10.0,
                        on_error=self._refused)  # the refresh tells the agent
            return

        def done(reason: str | None) -> None:
            if not reason:
                return

            def request(d) -> int:
                rid = d.team.request_hangup(me, reason)
                loop.hangup_requested(rid)
                return rid

            loop.submit(request, announce=True, patience=10.0, on_error=self._refused,
                        on_done=lambda rid: app.notify(f"挂起申请 {rid} 已提交，等待主管审批", timeout=4))

        app.push_screen(HangupScreen(), done)

    def supervisor(self) -> None:
        from cs_console.domain.team import is_supervisor
        from cs_console.tui.supervisor import SupervisorScreen

        presence = self.desk.presence
        if presence is None or not is_supervisor(presence[0]):
            self.desk.app.notify("主管视图只对主管开放", severity="warning")
            return
        self.desk.app.push_screen(SupervisorScreen(self.ctx.desk, self.ctx.agent()))

    def broadcast(self) -> None:
        from cs_console.tui.broadcast import BroadcastScreen

        app = self.desk.app

        def done(count: int | None) -> None:
            if count:
                app.notify(f"已群发 {count} 条消息", timeout=4)

        app.push_screen(BroadcastScreen(self.ctx.desk, self.ctx.agent()), done)
