"""Broadcast dialog (群发): filter + text → a preview per buyer (their own data only) → Ctrl+S sends."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cs_console.domain.broadcast import parse_filter
from cs_console.domain.team import TeamRuleError
from cs_console.services.broadcast import Plan
from cs_console.services.desk import Desk
from cs_console.tui.store_reads import ReadFailed, WriteFailed, read_now, write_now


class BroadcastScreen(ModalScreen[int | None]):
    """Returns how many messages were sent, or None."""

    DEFAULT_CSS = """
    BroadcastScreen { align: center middle; }
    BroadcastScreen > Vertical { width: 90%; max-width: 100; height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    BroadcastScreen #bc-preview { height: 1fr; border: round $primary-darken-2; }
    BroadcastScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "取消"), Binding("ctrl+s", "send", "确认发送", id="broadcast.send")]

    def __init__(self, desk: Desk, agent: str):
        super().__init__()
        self.desk, self.agent = desk, agent
        self.plan: Plan | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("群发：筛选买家 → 逐个预览 → Ctrl+S 确认发送")
            yield Input(placeholder="筛选：unpaid（24 小时内未付款）/ unpaid:48 / item:连体衣 / tag:老客户", id="bc-filter")
            yield Input(placeholder="内容（或 /短语代码），可用 {buyer} {order_no} {items} {total} …", id="bc-text")
            yield VerticalScroll(id="bc-preview")
            yield Label("Enter 预览 · Ctrl+S 发送 · Esc 取消", classes="hint", id="bc-hint")

    def on_mount(self) -> None:
        self.query_one("#bc-filter", Input).focus()

    @on(Input.Submitted)
    async def _preview(self, event: Input.Submitted) -> None:
        if event.input.id == "bc-filter" and not self.query_one("#bc-text", Input).value.strip():
            self.query_one("#bc-text", Input).focus()
            return
        await self.build_preview()

    async def build_preview(self) -> None:
        self.plan = None
        box = self.query_one("#bc-preview", VerticalScroll)
        await box.remove_children()
        typed, spec = self.query_one("#bc-text", Input).value, self.query_one("#bc-filter", Input).value

        def read() -> tuple[str, Plan | TeamRuleError]:
            text = typed
            if text.startswith("/") and (phrase := self.desk.replies.get(text[1:].strip(), self.agent)):
                text = phrase.text  # "/code": a quick reply's text
            try:
                return text, self.desk.broadcasts.preview(parse_filter(spec), text, self.agent)
            except TeamRuleError as exc:  # a bad filter or placeholder: said under the preview
                return text, exc

        try:  # the buyers and their orders are read in a thread
            self.text, plan = await read_now(self, read, "群发预览")
        except ReadFailed:
            return
        if isinstance(plan, TeamRuleError):
            self.query_one("#bc-hint", Label).update(Text(str(plan), style="bold red"))
            return
        self.plan = plan
        lines = [Static(Text.assemble((("跳过 " if ln.skip else "发送 ") + ln.buyer + "：", "bold" if not ln.skip else "dim"),
                                      (ln.text, "" if not ln.skip else "dim"),
                                      (f"（{ln.skip}）" if ln.skip else "", "yellow")))
                 for ln in plan.lines] or [Static("没有符合条件的买家")]
        await box.mount_all(lines)
        self.query_one("#bc-hint", Label).update(
            f"{plan.filter.label()}：{len(plan.sendable)} 位买家将收到消息，{len(plan.lines) - len(plan.sendable)} 位跳过 · Ctrl+S 确认发送 · Esc 取消")

    @work(exclusive=True, group="broadcast-send")
    async def action_send(self) -> None:
        """Send in a thread (a locked store makes it wait, not the desk); the dialog, with the
        filter and the text, stays until the messages are written, so a failure loses nothing."""
        if self.plan is None:
            self.notify("先按 Enter 预览", severity="warning")
            return
        plan, text = self.plan, self.text
        self.plan = None  # a second Ctrl+S while this one is written does not send twice
        hint = self.query_one("#bc-hint", Label)
        hint.update("正在发送…")
        try:
            sent = await write_now(self, lambda: self.desk.broadcasts.send(plan, text, self.agent), "群发")
        except WriteFailed:
            self.plan = plan
            hint.update("群发未保存 · Ctrl+S 再试 · Esc 取消")
            return
        self.dismiss(sent.count)
