"""The supervisor's view (主管视图): every agent's status and load, today's first responses,
the queue, breaches, and pending hang-up requests to approve (a) or refuse (r)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label
from textual.worker import Worker

from cs_console.domain.clock import local
from cs_console.domain.kpi import format_wait
from cs_console.domain.team import ROLE_LABELS, STATUS_LABELS, AgentStatus, Role
from cs_console.services.desk import Desk
from cs_console.services.team import Overview
from cs_console.tui.footer import DeskFooter
from cs_console.tui.store_reads import FollowStore, WriteFailed, deliver, write_now

TICK_SECONDS = 1.0


def _cursor_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def _refill(table: DataTable, rows: list[tuple[str, tuple]]) -> None:
    """Replace the rows (``(key, cells)``); the cursor stays on the row with the same key, or
    at the same place when that row is gone."""
    keep, index = _cursor_key(table), table.cursor_row
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not rows:
        return
    keys = [key for key, _cells in rows]
    table.move_cursor(row=keys.index(keep) if keep in keys else min(index, len(rows) - 1), animate=False)


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
        self._overview: Overview | None = None

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
        queue = self.query_one("#sv-queue", DataTable)
        for label, key in (("买家", "buyer"), ("客服", "agent"), ("等待", "wait"), ("", "flag")):
            queue.add_column(label, key=key)
        self.query_one("#sv-hangups", DataTable).focus()
        self._follow = FollowStore(self, self.refresh_view)
        self.refresh_view()
        # the waits count up between store changes: re-drawn from what was read, no store read
        self.set_interval(TICK_SECONDS, self._tick, name="supervisor-waits")

    def refresh_view(self) -> Worker:
        """Read the overview in a thread; the tables follow, each cursor stays on its row (by key)."""
        return self._read()

    @work(thread=True, exclusive=True, group="supervisor-read")
    def _read(self) -> None:
        deliver(self, self.desk.team.overview, self._show, "主管视图")

    def _show(self, ov: Overview) -> None:
        self._overview = ov
        tz = self.desk.policy.shop.timezone
        self.pending_ids = [h.id for h in ov.pending]
        _refill(self.query_one("#sv-hangups", DataTable), [
            (str(h.id), (str(h.id), Text(h.agent), Text(h.reason), local(h.requested_at, tz).strftime("%H:%M:%S")))
            for h in ov.pending])
        _refill(self.query_one("#sv-agents", DataTable), [
            (a.name, (Text(a.name), ROLE_LABELS.get(Role(a.role), a.role),
                      STATUS_LABELS.get(AgentStatus(a.status), a.status), str(a.open_chats),
                      str(a.waiting_chats), str(a.capacity), str(a.first_responses),
                      "" if a.first_response_avg is None else f"{a.first_response_avg:.0f}",
                      str(a.first_response_slow),
                      Text(str(a.first_response_breaches), style="bold red" if a.first_response_breaches else "")))
            for a in ov.agents])
        now = self.desk.clock()
        _refill(self.query_one("#sv-queue", DataTable), [
            (str(c.chat_id), (Text(c.buyer_nick), Text(c.agent or "—"), format_wait(c.waiting_seconds(now)),
                              self._flag(c, now)))
            for c in self._queued(ov)])
        self.query_one("#sv-queue-title", Label).update(f"排队 {len(ov.queue)} · 超时 {len(ov.breaches)}")

    @staticmethod
    def _queued(ov: Overview) -> list:
        breach_ids = {c.chat_id for c in ov.breaches}
        return ov.breaches + [c for c in ov.queue if c.chat_id not in breach_ids]

    def _flag(self, chat, now) -> Text:
        late = any(b.chat_id == chat.chat_id for b in self._overview.breaches) \
            or chat.waiting_seconds(now) > self.desk.policy.response.breach
        return Text("超时", style="bold white on red") if late else Text("排队")

    def _tick(self) -> None:
        if self._overview is None:
            return
        queue, now = self.query_one("#sv-queue", DataTable), self.desk.clock()
        for c in self._queued(self._overview):
            if str(c.chat_id) in queue.rows:
                queue.update_cell(str(c.chat_id), "wait", format_wait(c.waiting_seconds(now)))
                queue.update_cell(str(c.chat_id), "flag", self._flag(c, now))

    def selected_key(self, table_id: str) -> str | None:
        """The key of the row under the cursor of one table (a hang-up id, an agent, a chat id)."""
        return _cursor_key(self.query_one(table_id, DataTable))

    @work(group="supervisor-write")
    async def action_decide(self, approve: bool) -> None:
        """The decision is written in a thread (a locked store makes it wait, not the view)."""
        table = self.query_one("#sv-hangups", DataTable)
        if not self.pending_ids:
            self.notify("没有待审批的挂起申请", timeout=2)
            return
        key = _cursor_key(table)
        if key is None:
            return
        rid = int(key)
        try:
            view = await write_now(self, lambda: self.desk.team.decide_hangup(rid, self.agent, approve), "挂起审批")
        except WriteFailed:
            return
        self.notify(f"已{'批准' if approve else '拒绝'} {view.agent} 的挂起申请", timeout=3, markup=False)
        self.refresh_view()
