"""Team dialogs: forward a chat to a teammate (转发), request a hang-up (挂起)."""

from __future__ import annotations

from textual import on
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
            yield Label(f"转发 {self.buyer} 的会话给同事")
            yield OptionList(*[Option(label, id=name) for name, label in self.teammates], id="forward-to")
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
