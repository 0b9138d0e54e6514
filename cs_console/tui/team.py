"""Team dialogs: forward a chat to a teammate (转发), request a hang-up (挂起)."""

from __future__ import annotations

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
    """The app's team actions (mixed into ``CsConsoleApp``; bindings live there)."""

    _team_status: str | None = None
    _notice_cursor: tuple[int, int] | None = None
    _my_requests: set[int] | None = None  # my hang-up requests still waiting for a decision

    def _team_refresh(self) -> None:
        """Header (who, role, status) and notices: forwards to me, status changes, new hang-up
        requests for a supervisor. Called on every store change."""
        role, status = self.desk.team.presence(self.agent)
        self.sub_title = f"{presence_label(self.agent, role, status)} · {self.desk.policy.shop.name}"
        if (self._team_status, status) in STATUS_NOTICES:
            self.notify(STATUS_NOTICES[(self._team_status, status)], timeout=5)
        self._team_status = status
        self._hangup_decisions()
        if self._notice_cursor is None:
            self._notice_cursor = self.desk.team.notice_cursor()
            return
        lines, self._notice_cursor = self.desk.team.notices(self.agent, self._notice_cursor)
        for line in lines:
            self.notify(line, title="转发" if "转发" in line else "挂起申请", timeout=8, markup=False)

    def _hangup_decisions(self) -> None:
        """Tell the agent when a supervisor decides one of their hang-up requests."""
        if self._my_requests is None:
            self._my_requests = {h.id for h in self.desk.team.hangups(pending_only=True) if h.agent == self.agent}
        if not self._my_requests:
            return
        for h in self.desk.team.hangups_by_id(self._my_requests):
            if h.state == "pending":
                continue
            self._my_requests.discard(h.id)
            verdict = "批准了你的挂起申请：暂停接收新会话（Ctrl+O 恢复）" if h.state == "approved" else "拒绝了你的挂起申请"
            self.notify(f"{h.decided_by} {verdict}" + (f"（{h.note}）" if h.note else ""), title="挂起",
                        timeout=8, markup=False)

    def _heartbeat(self) -> None:
        """Tell the store I am alive; run distribution (every running TUI is a distributor)."""
        if not self._panes_alive():  # shutting down: never revive after going offline
            return
        self.check_session()
        self.desk.team.heartbeat(self.agent)
        self.desk.team.distribute(self.agent)
        if self._team_status is not None and self.desk.team.is_supervisor(self.agent):
            self._announce_breaches()

    def _announce_breaches(self) -> None:
        """Flag chats that newly waited past the breach threshold to a supervisor (once each)."""
        seen = getattr(self, "_breaches_seen", set())
        now = self.desk.clock()
        breaches = self.desk.team.breaches()
        for c in breaches:
            if c.chat_id not in seen:
                who = c.agent or "排队中"
                self.notify(f"{c.buyer_nick}（{who}）已等待 {int(c.waiting_seconds(now))} 秒未回复",
                            title="超时", severity="error", timeout=10, markup=False)
        self._breaches_seen = {c.chat_id for c in breaches}

    def _skip_if_dialog_open(self) -> None:
        """Team keys act from the desk itself: while a dialog or another screen is up the key
        goes on to that screen's own bindings (e.g. the quick-reply picker's alt+s)."""
        if len(self.screen_stack) > 1:
            raise SkipAction()

    def action_forward_chat(self) -> None:
        self._skip_if_dialog_open()
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        mates = [(a.name, f"{a.name}  接待 {a.open_chats}/{a.capacity}") for a in self.desk.team.teammates(self.agent)]
        if not mates:
            self.notify("没有在线的同事可以转发", severity="warning")
            return
        chat = self.current

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            to, reason = result
            try:
                self.desk.team.forward(chat.chat_id, to, reason, self.agent)
            except (ValueError, LookupError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.notify(f"已转发给 {to}", timeout=3, markup=False)
            self.poll_store()

        self.push_screen(ForwardScreen(chat.buyer_nick, mates), done)

    def action_hangup(self) -> None:
        """Request a hang-up (supervisor approves), or resume when hung up."""
        self._skip_if_dialog_open()
        _, status = self.desk.team.presence(self.agent)
        if status == "hung_up":
            self.desk.team.resume(self.agent)  # the refresh tells the agent
            self.refresh_sessions()
            return

        def done(reason: str | None) -> None:
            if not reason:
                return
            try:
                rid = self.desk.team.request_hangup(self.agent, reason)
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            if self._my_requests is not None:
                self._my_requests.add(rid)
            self.notify(f"挂起申请 {rid} 已提交，等待主管审批", timeout=4)

        self.push_screen(HangupScreen(), done)

    def action_supervisor(self) -> None:
        from cs_console.tui.supervisor import SupervisorScreen

        if isinstance(self.screen, SupervisorScreen):
            self.pop_screen()  # the same key closes it
            return
        self._skip_if_dialog_open()
        if not self.desk.team.is_supervisor(self.agent):
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
