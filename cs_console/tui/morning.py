"""早上三件事 (morning checklist), shown on an agent's first start of the day: yesterday's
after-sales cases with reasons, reviews needing follow-up, and yesterday's chats to read.
Enter on a chat opens its log; Esc closes (the day is marked as seen)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cs_console.domain.aftersales import HANDLING_LABELS, REASON_LABELS, STATE_LABELS
from cs_console.domain.clock import local
from cs_console.domain.followups import RATING_LABELS
from cs_console.domain.kpi import format_wait
from cs_console.services.reports import MorningChecklist
from cs_console.tui.dialogs import DIALOG_CSS


class MorningScreen(ModalScreen[int | None]):
    """Dismisses with a chat id to read (or None)."""

    DEFAULT_CSS = "MorningScreen { align: center middle; }\n" + DIALOG_CSS + """
    MorningScreen .dialog-box { width: 100; }
    MorningScreen .section { text-style: bold; color: $accent; }
    """
    BINDINGS = [Binding("escape", "close", "关闭", id="morning.close")]

    def __init__(self, checklist: MorningChecklist, tz: str):
        super().__init__()
        self.c, self.tz = checklist, tz

    def compose(self) -> ComposeResult:
        c = self.c
        with Vertical(classes="dialog-box"):
            yield Label(f"早上三件事 · {c.day}（昨天）", classes="dialog-title")
            yield Label(f"1. 退款/售后 {len(c.cases)}", classes="section")
            yield Label(Text("\n".join(
                f"#{x.id} {x.order_no} {x.buyer} {REASON_LABELS[x.reason]} {HANDLING_LABELS[x.handling]} "
                f"[{STATE_LABELS[x.state]}] {x.note}" for x in c.cases[:8]) or "（无）"), id="morning-cases")
            yield Label(f"2. 待回访中差评 {len(c.reviews)}", classes="section")
            yield Label(Text("\n".join(
                f"{r.day} {RATING_LABELS[r.rating]} {r.order_no} {r.buyer}: {r.text}" for r in c.reviews[:5])
                or "（无）"), id="morning-reviews")
            if not c.chats:
                yield Label("3. 昨天的聊天记录 0", classes="section")
                yield Label("（无）", id="morning-no-chats")
                yield Label("Esc 开始工作", classes="dialog-hint")
                return
            yield Label(f"3. 昨天的聊天记录 {len(c.chats)}（Enter 查看）", classes="section")
            yield OptionList(*[Option(Text(
                f"{local(x.opened_at, self.tz):%H:%M} {x.buyer} · {x.agent or '无人接待'} · {x.messages}条"
                + (f" · 首响 {format_wait(x.first_response_seconds)}" if x.first_response_seconds is not None else "")),
                id=str(x.chat_id)) for x in c.chats], id="morning-chats")
            yield Label("Enter 查看聊天 · Esc 开始工作", classes="dialog-hint")

    def on_mount(self) -> None:
        for chats in self.query(OptionList):
            chats.focus()

    @on(OptionList.OptionSelected)
    def _read(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_close(self) -> None:
        self.dismiss(None)
