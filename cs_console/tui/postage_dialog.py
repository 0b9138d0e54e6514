"""Confirm proposing the calculator's postage as a postage change on the buyer's unpaid order:
old → new (and the order total), the reason prefilled from the quote and editable."""

from __future__ import annotations

from decimal import Decimal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from cs_console.domain.money import format_money
from cs_console.domain.postage import Quote


def quote_reason(q: Quote) -> str:
    """``运费计算器：韵达发广东实际运费 ¥12.00；实际运费超过 10 元，加 5 元 ¥5.00``"""
    steps = "；".join(f"{ln.label} {format_money(ln.amount)}" for ln in q.postage_lines)
    return f"运费计算器：{steps}"


class ProposePostage(ModalScreen[str | None]):
    """Returns the (edited) reason when confirmed with Enter, None on Escape."""

    DEFAULT_CSS = """
    ProposePostage { align: center middle; }
    ProposePostage > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    ProposePostage .title { text-style: bold; color: $accent; }
    ProposePostage .hint { color: $text-muted; }
    ProposePostage .error { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "取消", id="postage.cancel")]

    def __init__(self, order_no: str, old_postage: Decimal, old_total: Decimal, new_postage: Decimal, reason: str):
        super().__init__()
        self.order_no, self.old_postage, self.old_total = order_no, old_postage, old_total
        self.new_postage, self.reason = new_postage, reason

    def compose(self) -> ComposeResult:
        new_total = self.old_total - self.old_postage + self.new_postage
        with Vertical():
            yield Label(f"改运费 · 订单 {self.order_no}", classes="title")
            yield Label(f"运费 {format_money(self.old_postage)} → {format_money(self.new_postage)}   "
                        f"合计 {format_money(self.old_total)} → {format_money(new_total)}", id="change")
            yield Input(self.reason, placeholder="原因（必填，记入操作记录）", id="reason")
            yield Label("", id="error", classes="error")
            yield Label("Enter 确认修改 · Esc 取消", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _confirm(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#error", Label).update("请填写原因")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
