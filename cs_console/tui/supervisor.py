"""The supervisor's view (主管视图): every agent's status and load, today's first responses,
the queue, breaches, and pending hang-up requests to approve (a) or refuse (r)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label

from cs_console.domain.clock import local
from cs_console.domain.kpi import format_wait
from cs_console.domain.team import ROLE_LABELS, STATUS_LABELS, AgentStatus, Role, TeamRuleError
from cs_console.services.desk import Desk
from cs_console.tui.footer import DeskFooter

REFRESH_SECONDS = 1.0


class SupervisorScreen(Screen[None]):
    DEFAULT_CSS = """
    SupervisorScreen DataTable { height: auto; max-height: 14; margin-bottom: 1; }
    SupervisorScreen .pane-title { height: 1; background: $primary-darken-2; padding: 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("escape,ctrl+s,alt+v", "app.pop_screen", "返回", id="supervisor.close"),
        Binding("a", "decide(True)", "批准挂起", id="supervisor.approve"),
        Binding("r", "decide(False)", "拒绝挂起", id="supervisor.refuse"),
    ]

    def __init__(self, desk: Desk, agent: str):
        super().__init__()
        self.desk, self.agent = desk, agent
        self.pending_ids: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("主管视图", classes="pane-title", id="sv-title")
            yield Label("挂起申请（a 批准 · r 拒绝）", classes="pane-title")
            yield DataTable(id="sv-hangups", cursor_type="row")
            yield Label("客服", classes="pane-title")
            yield DataTable(id="sv-agents", cursor_type="row")
            yield Label("排队与超时", classes="pane-title", id="sv-queue-title")
            yield DataTable(id="sv-queue", cursor_type="row")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#sv-hangups", DataTable).add_columns("编号", "客服", "原因", "申请时间")
        self.query_one("#sv-agents", DataTable).add_columns(
            "客服", "角色", "状态", "接待", "等待", "容量", "今日首响", "平均秒", "超标准", "超时")
        self.query_one("#sv-queue", DataTable).add_columns("买家", "客服", "等待", "")
        self.refresh_view()
        self.query_one("#sv-hangups", DataTable).focus()
        self.set_interval(REFRESH_SECONDS, self.refresh_view, name="supervisor-refresh")

    def refresh_view(self) -> None:
        ov = self.desk.team.overview()
        now = self.desk.clock()
        tz = self.desk.policy.shop.timezone
        hangups = self.query_one("#sv-hangups", DataTable)
        row = hangups.cursor_row
        hangups.clear()
        self.pending_ids = [h.id for h in ov.pending]
        for h in ov.pending:
            hangups.add_row(str(h.id), Text(h.agent), Text(h.reason), local(h.requested_at, tz).strftime("%H:%M:%S"))
        if ov.pending:
            hangups.move_cursor(row=min(row, len(ov.pending) - 1))
        agents = self.query_one("#sv-agents", DataTable)
        agents.clear()
        for a in ov.agents:
            agents.add_row(Text(a.name), ROLE_LABELS.get(Role(a.role), a.role),
                           STATUS_LABELS.get(AgentStatus(a.status), a.status), str(a.open_chats),
                           str(a.waiting_chats), str(a.capacity), str(a.first_responses),
                           "" if a.first_response_avg is None else f"{a.first_response_avg:.0f}",
                           str(a.first_response_slow),
                           Text(str(a.first_response_breaches), style="bold red" if a.first_response_breaches else ""))
        queue = self.query_one("#sv-queue", DataTable)
        queue.clear()
        breach_ids = {c.chat_id for c in ov.breaches}
        for c in ov.breaches + [c for c in ov.queue if c.chat_id not in breach_ids]:
            flag = Text("超时", style="bold white on red") if c.chat_id in breach_ids else Text("排队")
            queue.add_row(Text(c.buyer_nick), Text(c.agent or "—"), format_wait(c.waiting_seconds(now)), flag)
        self.query_one("#sv-queue-title", Label).update(f"排队 {len(ov.queue)} · 超时 {len(ov.breaches)}")

    def action_decide(self, approve: bool) -> None:
        table = self.query_one("#sv-hangups", DataTable)
        if not self.pending_ids:
            self.notify("没有待审批的挂起申请", timeout=2)
            return
        rid = self.pending_ids[min(table.cursor_row, len(self.pending_ids) - 1)]
        try:
            view = self.desk.team.decide_hangup(rid, self.agent, approve)
        except TeamRuleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(f"已{'批准' if approve else '拒绝'} {view.agent} 的挂起申请", timeout=3, markup=False)
        self.refresh_view()
