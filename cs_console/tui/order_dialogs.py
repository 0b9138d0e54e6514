"""Dialogs of the orders panel: pick one of a list, change an amount (old → new + reason),
set a flag with its remark, confirm a change, and the order detail view.

Each is a ``ModalScreen[T]`` returning its value (``None`` when cancelled with Escape).
Buyer-supplied text is shown as ``rich.text.Text`` (never parsed as markup).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from cs_console.domain.clock import local
from cs_console.domain.flags import COLOUR_STYLES, FlagColour, FlagConvention
from cs_console.domain.money import MoneyError, format_money, parse_money
from cs_console.domain.orders import OrderView, line_total
from cs_console.domain.text import clean_text

DIALOG_CSS = """
OrderDialog { align: center middle; }
OrderDialog > Vertical {
    width: 64; max-width: 95%; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1;
}
OrderDialog .dialog-title { text-style: bold; color: $accent; }
OrderDialog .dialog-hint { color: $text-muted; }
OrderDialog .dialog-error { color: $error; }
OrderDialog OptionList { height: auto; max-height: 12; }
OrderDialog Input { margin: 0; }
OrderDialog VerticalScroll { height: auto; max-height: 30; }
"""


def flag_text(colour: str, convention: FlagConvention) -> Text:
    """``● 红旗 客服备注：…`` in the flag's colour (grey: 无旗帜)."""
    try:
        c = FlagColour(colour)
    except ValueError:
        return Text(colour)
    t = Text("● ", style=COLOUR_STYLES[c])
    t.append(c.label, style=COLOUR_STYLES[c])
    meaning = convention.meaning(c)
    t.append(f" {meaning}" if meaning else (" 无旗帜" if c == FlagColour.GREY else " （本规范无含义）"))
    return t


class OrderDialog(ModalScreen[Any]):
    """Base: Escape cancels; a title and a hint line."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "取消", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickDialog(OrderDialog):
    """Choose one of ``options`` (label, value) with the arrow keys and Enter."""

    def __init__(self, title: str, options: Sequence[tuple[str | Text, Any]], hint: str = "↑↓ 选择 · Enter 确定 · Esc 取消"):
        super().__init__()
        self.title_text, self.options, self.hint = title, list(options), hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=str(i)) for i, (label, _) in enumerate(self.options)], id="pick")
            yield Label(self.hint, classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#pick")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[int(event.option.id)][1])


class AmountDialog(OrderDialog):
    """New amount and a required reason; shows old → new (and the order total) as you type.

    Returns ``(new_amount_text, reason)``; ``entry`` (the same pair) prefills both fields, when
    the dialog opens again after the change was not saved."""

    def __init__(self, title: str, old: Decimal, total_after: Callable[[Decimal], Decimal], old_total: Decimal,
                 *, entry: tuple[str, str] | None = None):
        super().__init__()
        self.title_text, self.old, self.total_after, self.old_total = title, old, total_after, old_total
        self.entry = entry or ("", "")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Label(f"原价 {format_money(self.old)}")
            yield Input(self.entry[0], placeholder="新金额（元）", id="amount")
            yield Input(self.entry[1], placeholder="原因（必填，记入操作记录）", id="reason")
            yield Label("", id="preview")
            yield Label("", id="error", classes="dialog-error")
            yield Label("Tab 切换 · Enter 确定 · Esc 取消", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    def _new(self) -> Decimal | None:
        try:
            return parse_money(self.query_one("#amount", Input).value, allow_negative=True)
        except MoneyError:
            return None

    @on(Input.Changed, "#amount")
    def _preview(self) -> None:
        self.query_one("#error", Label).update("")
        new = self._new()
        label = self.query_one("#preview", Label)
        if new is None:
            label.update("")
            return
        label.update(f"{format_money(self.old)} → {format_money(new)}   合计 {format_money(self.old_total)} → "
                     f"{format_money(self.total_after(new))}")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        error = self.query_one("#error", Label)
        new = self._new()
        if new is None:
            error.update("请输入有效金额")
            self.query_one("#amount", Input).focus()
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            if event.input.id == "reason":
                error.update("请填写原因")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss((self.query_one("#amount", Input).value, reason))


class PriceDialog(AmountDialog):
    """A unit-price change: shows unit price and line total side by side, the listing price
    (the line's price before any change), and asks once more when ``warn`` has a reason
    (a raise, or a cut beyond the shop's share). Returns ``(new_amount_text, reason)``."""

    def __init__(self, title: str, old: Decimal, total_after: Callable[[Decimal], Decimal], old_total: Decimal,
                 *, quantity: int, listing: Decimal, warn: Callable[[Decimal], str | None],
                 entry: tuple[str, str] | None = None):
        super().__init__(title, old, total_after, old_total, entry=entry)
        self.quantity, self.listing, self.warn = quantity, listing, warn
        self._confirmed: tuple[Decimal, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Label(f"原价 {format_money(self.listing)}  ·  现单价 {format_money(self.old)} × {self.quantity}"
                        f" = 小计 {format_money(line_total(self.old, self.quantity))}", id="listing")
            yield Input(self.entry[0], placeholder="新单价（元）", id="amount")
            yield Input(self.entry[1], placeholder="原因（必填，记入操作记录）", id="reason")
            yield Label("", id="preview")
            yield Label("", id="error", classes="dialog-error")
            yield Label("Tab 切换 · Enter 确定 · Esc 取消", classes="dialog-hint")

    @on(Input.Changed, "#amount")
    def _preview_unit(self, event: Input.Changed) -> None:
        event.prevent_default()  # replaces the plain amount preview of the base dialog
        self.query_one("#error", Label).update("")
        self._confirmed = None
        new = self._new()
        label = self.query_one("#preview", Label)
        if new is None:
            label.update("")
            return
        label.update(f"单价 {format_money(self.old)} → {format_money(new)}   "
                     f"小计 {format_money(line_total(self.old, self.quantity))} → {format_money(line_total(new, self.quantity))}   "
                     f"合计 {format_money(self.old_total)} → {format_money(self.total_after(new))}")

    @on(Input.Submitted)
    def _submit_checked(self, event: Input.Submitted) -> None:
        event.prevent_default()  # the base dialog's submit runs below, once the warning was seen
        new, reason = self._new(), self.query_one("#reason", Input).value.strip()
        warning = self.warn(new) if new is not None and reason else None
        if warning and self._confirmed != (new, reason):
            self._confirmed = (new, reason)  # the same Enter again means "yes, I mean it"
            self.query_one("#error", Label).update(f"{warning}。确认改价请再按 Enter，或 Esc 取消")
            return
        self._submit(event)


class FlagDialog(OrderDialog):
    """Pick a flag colour (with its meaning) and write the remark; shows old → new.

    Returns ``(colour, remark)``; ``entry`` (the same pair) prefills both, with the caret in the
    remark, when the dialog opens again after the change was not saved."""

    def __init__(self, order: OrderView, convention: FlagConvention, *, entry: tuple[str, str] | None = None):
        super().__init__()
        self.order, self.convention, self.entry = order, convention, entry
        self.colours = list(convention.colours)

    def compose(self) -> ComposeResult:
        o = self.order
        with Vertical():
            yield Label(f"旗帜备注 · 订单 {o.order_no}", classes="dialog-title")
            yield Static(Text.assemble("当前 ", flag_text(o.flag, self.convention), "  备注 ",
                                       Text(clean_text(o.remark) or "—")))
            yield OptionList(*[Option(flag_text(c, self.convention), id=c.value) for c in self.colours], id="colours")
            yield Input(value=self.entry[1] if self.entry else o.remark, placeholder="备注：其他部门需要知道的信息（必填）", id="remark")
            yield Label("", id="preview")
            yield Label("", id="error", classes="dialog-error")
            yield Label("↑↓ 选旗帜 · Tab 写备注 · Enter 确定 · Esc 取消", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one("#colours", OptionList)
        colour = self.entry[0] if self.entry else self.order.flag
        if colour in self.convention.colours:
            options.highlighted = self.colours.index(FlagColour(colour))
        else:
            options.highlighted = 0
        (self.query_one("#remark", Input) if self.entry else options).focus()
        self._preview()

    def _colour(self) -> FlagColour | None:
        i = self.query_one("#colours", OptionList).highlighted
        return None if i is None else self.colours[i]

    @on(OptionList.OptionHighlighted)
    @on(Input.Changed)
    def _preview(self) -> None:
        c = self._colour()
        if c is None:
            return
        self.query_one("#preview", Label).update(Text.assemble(
            flag_text(self.order.flag, self.convention), " → ", flag_text(c, self.convention)))

    @on(OptionList.OptionSelected)
    def _to_remark(self) -> None:
        self.query_one("#remark", Input).focus()

    @on(Input.Submitted)
    def _submit(self) -> None:
        remark = self.query_one("#remark", Input).value.strip()
        c = self._colour()
        if not remark:
            self.query_one("#error", Label).update("请填写备注（其他部门需要的信息）")
            return
        if c is not None:
            self.dismiss((c.value, remark))


class ConfirmDialog(OrderDialog):
    """Show what will change (old → new); Enter/y confirms, Escape/n cancels. Returns True."""

    BINDINGS = [Binding("enter,y", "ok", "确定", id="dialog.ok"), Binding("escape,n", "cancel", "取消", id="dialog.cancel")]
    HINT = "Enter/Y 确定 · Esc/N 取消"

    def __init__(self, title: str, body: str | Text):
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll():
                yield Static(self.body if isinstance(self.body, Text) else Text(self.body), id="body")
            yield Label(self.HINT, classes="dialog-hint")

    def action_ok(self) -> None:
        self.dismiss(True)


def detail_text(o: OrderView, convention: FlagConvention, tz: str, audit_lines: Sequence[str] = ()) -> Text:
    """Everything about one order, phone unmasked (the detail view is the only place it is)."""
    t = Text()

    def line(label: str, value: str | Text) -> None:
        t.append(f"{label}  ", style="bold")
        t.append(value if isinstance(value, Text) else Text(clean_text(value)))
        t.append("\n")

    line("订单", f"{o.order_no}  {o.state.label}")
    line("买家", o.buyer)
    line("拍下", f"{local(o.placed_at, tz):%Y-%m-%d %H:%M}")
    if o.paid_at:
        line("付款", f"{local(o.paid_at, tz):%Y-%m-%d %H:%M}")
    line("收货人", f"{o.receiver_name}  {o.phone}")
    line("地址", o.address)
    for i in o.items:
        spec = "/".join(x for x in (i.colour, i.size) if x)
        closed = f"  [已关闭：{i.close_reason}]" if i.closed else ""
        listing = f"（原价 {format_money(i.listing_price)}）" if i.listing_price is not None else ""
        line(f"  {i.line_no}.", f"{i.title} {spec} {format_money(i.unit_price)} ×{i.quantity}{listing}{closed}")
    line("金额", f"货款 {format_money(o.items_total)}  运费 {format_money(o.postage)}  合计 {format_money(o.amount)}")
    line("物流", f"{o.courier or '—'}  {o.tracking_no or ''}")
    if o.shipped_at:
        line("发货", f"{local(o.shipped_at, tz):%Y-%m-%d %H:%M}")
    if o.receipt_deadline:
        line("自动确认收货", f"{local(o.receipt_deadline, tz):%Y-%m-%d %H:%M}")
    if o.buyer_message:
        line("买家留言", o.buyer_message)
    if o.close_reason:
        line("关闭原因", o.close_reason)
    line("旗帜", flag_text(o.flag, convention))
    line("备注", o.remark or "—")
    if audit_lines:
        t.append("操作记录\n", style="bold")
        for a in audit_lines:
            t.append(Text(clean_text(a)))
            t.append("\n")
    return t


class DetailDialog(ConfirmDialog):
    """The order's detail view (read-only); any of Enter/Escape closes it."""

    BINDINGS = [Binding("escape,enter,q", "cancel", "关闭", id="dialog.cancel")]
    HINT = "Esc/Enter 关闭"
