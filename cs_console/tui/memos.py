"""备忘录: the quick memo prompt (one key from anywhere, type, Enter) and the side tab 备忘
(search as you type, Enter ticks a memo done)."""

from __future__ import annotations

import re

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from cs_console.domain.clock import local
from cs_console.tui.dialogs import DIALOG_CSS
from cs_console.tui.store_reads import FollowStore, WriteFailed, deliver, write_now

ORDER_TAG = re.compile(r"#([A-Za-z0-9_-]{4,64})")


class MemoPrompt(ModalScreen[tuple[str, str, str] | None]):
    """Returns (text, buyer, order_no). ``#订单号`` in the text links the order. ``entry``: what
    the agent entered last time (a memo the store did not take), shown again as it was."""

    DEFAULT_CSS = "MemoPrompt { align: center middle; }\n" + DIALOG_CSS
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="dialog.cancel"),
        Binding("tab", "toggle_link", "关联买家", priority=True, id="memo.link"),
    ]

    def __init__(self, buyer: str | None, entry: tuple[str, str, str] | None = None):
        super().__init__()
        self.buyer = buyer
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("备忘（写下问题或想法）", classes="dialog-title")
            text, linked = (self.entry[0], bool(self.entry[1])) if self.entry else ("", False)
            yield Input(text, placeholder="内容；#订单号 关联订单", id="memo-input")
            if self.buyer:
                yield Checkbox(f"关联买家 {self.buyer}", value=linked, id="memo-link")
            yield Label("Enter 保存 · Tab 关联/不关联买家 · Esc 取消", classes="dialog-hint")

    def on_mount(self) -> None:
        for box in self.query(Checkbox):
            box.can_focus = False
        self.query_one(Input).focus()

    def action_toggle_link(self) -> None:
        for box in self.query(Checkbox):
            box.value = not box.value

    @on(Input.Submitted)
    def _save(self, event: Input.Submitted) -> None:
        event.stop()
        link = self.query("#memo-link")
        buyer = self.buyer if link and link.first(Checkbox).value else ""
        m = ORDER_TAG.search(event.value)
        self.dismiss((event.value, buyer or "", m.group(1) if m else ""))

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoTab(Vertical):
    """The agent's memos, newest first; type to search; Enter ticks done; p promotes the
    highlighted memo to a handover note (交接本)."""

    DEFAULT_CSS = """
    MemoTab { height: 1fr; }
    MemoTab OptionList { height: 1fr; }
    """

    BINDINGS = [Binding("p", "promote", "转交接本", id="memo.promote")]

    def __init__(self) -> None:
        super().__init__(id="memo-tab")
        self.memos = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="搜索备忘（内容/买家/订单号）", id="memo-search")
        yield OptionList(id="memo-list")

    def on_mount(self) -> None:
        self._follow = FollowStore(self, self.refresh_memos)  # memos written with the CLI too
        self.refresh_memos()

    def on_show(self) -> None:
        self._follow.shown()

    @on(Input.Changed, "#memo-search")
    def _search(self) -> None:
        self.refresh_memos()

    def refresh_memos(self) -> Worker:
        """Search in a thread (every keystroke of the search field); the list follows."""
        return self._read(self.query_one("#memo-search", Input).value)

    @work(thread=True, exclusive=True, group="memo-read")
    def _read(self, query: str) -> None:
        app = self.app
        deliver(self, lambda: app.desk.memos.search(app.agent, query), lambda memos: self._show(query, memos), "备忘")

    def _show(self, query: str, memos: list) -> None:
        if query != self.query_one("#memo-search", Input).value:
            return  # typed on meanwhile
        ol = self.query_one(OptionList)
        keep = ol.highlighted_option.id if ol.highlighted_option is not None else None
        self.memos = memos
        tz = self.app.desk.policy.shop.timezone
        options = []
        for m in self.memos:
            t = Text(f"{local(m.at, tz):%m-%d %H:%M} ", style="dim")
            t.append(m.text, style="strike dim" if m.done else "")
            if m.buyer:
                t.append(f" @{m.buyer}", style="cyan")
            if m.order_no:
                t.append(f" #{m.order_no}", style="cyan")
            if m.promoted_at:
                t.append(" ↗交接", style="green")
            options.append(Option(t, id=str(m.id)))
        ol.set_options(options)
        if keep is not None:  # the highlighted memo stays highlighted
            ol.highlighted = next((i for i, m in enumerate(self.memos) if str(m.id) == keep), None)

    # Writes run in a thread (``write_now``): a locked store makes them wait, never the desk.
    @on(OptionList.OptionSelected, "#memo-list")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        memo = next(m for m in self.memos if str(m.id) == event.option.id)
        self._set_done(memo.id, not memo.done)

    @work(group="memo-write")
    async def _set_done(self, memo_id: int, done: bool) -> None:
        app = self.app
        try:
            await write_now(self, lambda: app.desk.memos.set_done(memo_id, app.agent, done), "备忘")
        except WriteFailed:
            return
        self.refresh_memos()

    @work(group="memo-write")
    async def action_promote(self) -> None:
        i = self.query_one(OptionList).highlighted
        if i is None or not (0 <= i < len(self.memos)):
            return
        app, memo_id = self.app, self.memos[i].id
        try:
            await write_now(self, lambda: app.desk.memos.promote(memo_id, app.agent), "转交接本")
        except WriteFailed:
            return
        self.app.notify("已转入交接本", timeout=2)
        self.refresh_memos()
