"""The 计算器 side tab: item lines from the keyboard or the buyer's latest order, courier and
province prefilled from that order, a breakdown that updates as you type, and one key to put
the polite summary into the chat draft (another copies it)."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from cs_console.config import ConfigError
from cs_console.domain.freight import FACT_RULES
from cs_console.domain.money import MoneyError, format_money, parse_money
from cs_console.domain.orders import Action, OrderRefused, check, check_postage
from cs_console.domain.postage import (
    ItemLine,
    PostageError,
    Quote,
    QuoteRequest,
    item_line,
    summary,
)
from cs_console.domain.postage_entry import parse_entry
from cs_console.domain.text import clean_text
from cs_console.tui.inputs import CommandAwareInput
from cs_console.tui.messages import InsertIntoDraft
from cs_console.tui.postage_dialog import ProposePostage, quote_reason
from cs_console.tui.store_reads import ReadFailed, ask_until_saved, deliver, read_now

START_DELAY = 0.5  # seconds after mount before the rates table is read


class EntryInput(CommandAwareInput):
    """The item entry; Backspace in an empty entry drops the last item line."""

    class DropLast(Message):
        pass

    def action_delete_left(self) -> None:
        if not self.value:
            self.post_message(self.DropLast())
            return
        super().action_delete_left()


class Calculator(Vertical):
    """Shipping calculator for the selected chat's buyer."""

    DEFAULT_CSS = """
    Calculator { height: 1fr; padding: 0 1; }
    Calculator .calc-row { height: 1; margin-top: 1; }
    Calculator #calc-entry { margin-top: 1; }
    Calculator #calc-courier { width: 14; }
    Calculator #calc-province { width: 12; margin-left: 1; }
    Calculator #calc-city { width: 1fr; margin-left: 1; }
    Calculator .calc-label { width: auto; margin-right: 1; color: $text-muted; }
    Calculator #calc-fee { width: 8; margin-right: 1; }
    Calculator #calc-addresses { width: 3; }
    Calculator #calc-pickup { width: 1fr; margin-left: 1; }
    Calculator #calc-scroll { height: 1fr; margin-top: 1; }
    Calculator #calc-status { height: auto; color: $error; }
    Calculator #calc-keys { height: auto; color: $text-muted; }
    """

    # priority: in a real terminal alt+letter arrives with a printable character, which the
    # focused Input would otherwise type (Pilot's press("alt+i") does not show this).
    BINDINGS = [
        Binding("alt+i,f7", "insert_summary", "插入草稿", id="calc.insert", priority=True),
        Binding("alt+y", "copy_summary", "复制", id="calc.copy", priority=True),
        Binding("alt+l", "load_order", "订单商品", id="calc.order", priority=True),
        Binding("alt+p", "propose_postage", "改订单运费", id="calc.propose", priority=True),
        Binding("escape", "back_to_draft", "回到草稿", id="calc.back"),
    ]

    def action_back_to_draft(self) -> None:
        from cs_console.tui.composer import Composer

        self.app.query_one(Composer).focus()

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.items: list[ItemLine] = []
        self.buyer: str | None = None
        self.quote: Quote | None = None
        self.error: str = ""
        self._active = False  # rates loaded, form prefilled

    # ---- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield EntryInput(placeholder="59 x2 包邮 / 59x2 0.3kg / @商家编码 x2 / 韵达 / 广东，Enter", id="calc-entry", compact=True)
        with Horizontal(classes="calc-row"):
            yield Select([], prompt="快递", allow_blank=True, id="calc-courier", compact=True)
            yield CommandAwareInput(placeholder="省份", id="calc-province", compact=True)
            yield CommandAwareInput(placeholder="城市", id="calc-city", compact=True)
        with Horizontal(classes="calc-row"):
            yield Label("实际运费", classes="calc-label")
            yield CommandAwareInput(placeholder="查表", id="calc-fee", compact=True)
            yield Label("地址", classes="calc-label")
            yield CommandAwareInput("1", id="calc-addresses", restrict=r"\d*", max_length=2, compact=True)
            yield Checkbox("沈阳自提", id="calc-pickup", compact=True)
        with VerticalScroll(id="calc-scroll"):
            yield Static(id="calc-breakdown")
            yield Static(id="calc-status")
        yield Static("Enter 添加  ⌫ 删末行  -2 删第2行  -- 清空\nalt+l 订单商品  alt+i 插入草稿  alt+y 复制  alt+p 改订单运费", id="calc-keys")

    def on_mount(self) -> None:
        self._draw(None)
        # the rates table costs ~60 ms of YAML parsing: load it after the first frame, or at once
        # when the agent opens the tab (activate)
        self.set_timer(START_DELAY, self.activate, name="calc-rates")

    def activate(self) -> None:
        """Load the rates table (once), fill the courier choices, prefill for the current buyer."""
        if self._active or not self.is_attached or not self.app.screen_stack:
            return  # (also: a timer firing while the app shuts down)
        try:
            rates = self.app.desk.postage.rates
        except ConfigError as exc:
            self.error = _message(exc)
            self._draw(None)
            return
        select = self.query_one("#calc-courier", Select)
        select.set_options([(f"{c.name}{'·合作' if code == rates.partner else ''}", code)
                            for code, c in rates.couriers.items()])
        select.value = rates.partner
        self._active = True
        self._prefill()

    def on_descendant_focus(self) -> None:
        self.activate()

    # ---- following the selected chat ----------------------------------------------------------
    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """A different buyer: start over, prefilled from their latest order's address/courier."""
        if buyer == self.buyer:
            return
        previous, self.buyer = self.buyer, buyer
        if previous is not None:  # lines typed before any chat was selected are kept
            self.items.clear()
            self.error = ""
        if self._active:
            self._prefill(keep_entry=previous is None)

    def _prefill(self, keep_entry: bool = False) -> None:
        """Reset the form (unless ``keep_entry``) and take courier/address from the latest order."""
        select = self.query_one("#calc-courier", Select)
        province, city = self.query_one("#calc-province", Input), self.query_one("#calc-city", Input)
        if not keep_entry:
            for name, value in (("#calc-entry", ""), ("#calc-fee", ""), ("#calc-addresses", "1")):
                self.query_one(name, Input).value = value
            self.query_one("#calc-pickup", Checkbox).value = False
            select.value = self.app.desk.postage.rates.partner
            province.value = city.value = ""
        self.recompute()
        if self.buyer:
            self._read_order_context(self.buyer, self._fill_address, "address")

    def _read_order_context(self, buyer: str, apply, purpose: str) -> None:
        """The buyer's latest order, read in a thread worker (a store that does not answer is a
        notice, never a frozen screen); ``apply(ctx)`` on the event loop if the buyer is still shown."""
        self.run_worker(lambda: deliver(self, lambda: self.app.desk.postage.order_context(buyer),
                                        lambda ctx: buyer == self.buyer and apply(ctx), "订单"),
                        thread=True, exclusive=True, group=f"calc-{purpose}-read", exit_on_error=False)

    def _fill_address(self, ctx) -> None:
        """Courier and address from the latest order, unless the agent has typed some already."""
        province, city = self.query_one("#calc-province", Input), self.query_one("#calc-city", Input)
        if ctx is None or province.value or city.value:
            return
        self.query_one("#calc-courier", Select).value = ctx.courier or self.app.desk.postage.rates.partner
        province.value, city.value = ctx.province, ctx.city
        self.recompute()

    def action_load_order(self) -> None:
        """Take the item lines of the buyer's latest order (replacing the current lines)."""
        if not self.buyer:
            self.app.notify("这位买家没有订单商品", timeout=2)
            return
        self._read_order_context(self.buyer, self._load_items, "items")

    def _load_items(self, ctx) -> None:
        if ctx is None or not ctx.items:
            self.app.notify("这位买家没有订单商品", timeout=2)
            return
        self.items = list(ctx.items)
        self.recompute()
        self.app.notify(f"已载入订单 {ctx.order_no} 的 {len(ctx.items)} 行商品", timeout=2)

    # ---- entry --------------------------------------------------------------------------------
    @on(Input.Submitted, "#calc-entry")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        try:
            entry = parse_entry(self.app.desk.postage.rates, text)
        except (PostageError, ConfigError) as exc:
            self.error = _message(exc)
            self.recompute(typing=False)
            return
        if entry.kind == "item":
            self.items.append(entry.item)
        elif entry.kind == "goods":  # read from the catalogue in a thread; the line follows
            self._add_goods(entry.value, entry.index, entry.free, text)
            return
        elif entry.kind == "courier":
            self.query_one("#calc-courier", Select).value = entry.value
        elif entry.kind == "province":  # another province: the order's city no longer applies
            self.query_one("#calc-province", Input).value = entry.value
            self.query_one("#calc-city", Input).value = ""
        elif entry.kind == "pickup":
            box = self.query_one("#calc-pickup", Checkbox)
            box.value = not box.value
        elif entry.kind == "remove":
            self._remove(entry.index)
        elif entry.kind == "clear":
            self.items.clear()
        event.input.value = ""
        self.recompute()

    @work(group="calc-goods-read")
    async def _add_goods(self, ref: str, quantity: int, free: bool, typed: str) -> None:
        """A catalogue item as a line; the entry stays in the field until it is read (a store that
        does not answer is said, the entry is not lost)."""
        from cs_console.store.goods import GoodsNotFound

        def read():
            try:
                return self.app.desk.postage.item_for_goods(ref, quantity, free)
            except GoodsNotFound as exc:
                return exc

        try:
            item = await read_now(self, read, "商品")
        except ReadFailed:
            return
        if isinstance(item, GoodsNotFound):
            self.error = str(item)
            self.recompute(typing=False)
            return
        self.items.append(item)
        field = self.query_one("#calc-entry", Input)
        if field.value.strip() == typed:  # not typed on meanwhile
            field.value = ""
        self.recompute()

    @on(EntryInput.DropLast)
    def _drop_last(self) -> None:
        self._remove(0)
        self.recompute()

    def _remove(self, index: int) -> None:
        if not self.items:
            return
        if index == 0:
            self.items.pop()
        elif 1 <= index <= len(self.items):
            self.items.pop(index - 1)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self._active:
            self.recompute()

    # ---- quoting ------------------------------------------------------------------------------
    def request(self, pending: ItemLine | None = None) -> QuoteRequest:
        """The request from the form; raises PostageError/MoneyError for unreadable fields."""
        fee_text = self.query_one("#calc-fee", Input).value.strip()
        fee = parse_money(fee_text) if fee_text else None
        courier = self.query_one("#calc-courier", Select).value
        addresses = self.query_one("#calc-addresses", Input).value.strip() or "1"
        items = tuple(self.items) + ((pending,) if pending else ())
        return QuoteRequest(items, "" if courier is Select.NULL else str(courier),
                            self.query_one("#calc-province", Input).value,
                            self.query_one("#calc-city", Input).value,
                            self.query_one("#calc-pickup", Checkbox).value, fee, int(addresses))

    def recompute(self, typing: bool = True) -> None:
        """Quote the lines (plus the item being typed, shown as pending) and redraw."""
        pending = None
        if typing:
            self.error = ""
            entry_text = self.query_one("#calc-entry", Input).value.strip()
            if entry_text:
                try:
                    entry = parse_entry(self.app.desk.postage.rates, entry_text)
                    pending = entry.item if entry.kind == "item" else None
                except (PostageError, ConfigError):
                    pending = None
        self.quote = None
        if self.items or pending:
            try:
                self.quote = self.app.desk.postage.quote(self.request(pending))
            except (PostageError, MoneyError, ConfigError) as exc:
                self.error = self.error or _message(exc)
        self._draw(pending)

    def _draw(self, pending: ItemLine | None) -> None:
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(justify="right", no_wrap=True)
        if self.quote is None:
            for n, item in enumerate(self.items, 1):
                ln = item_line(item, n)
                grid.add_row(Text(f"{n}. {clean_text(ln.label)}"), Text(format_money(ln.amount)))
            if not self.items:
                grid.add_row(Text("（输入商品：59 x2 包邮，或 alt+l 载入订单商品）", style="dim"), "")
        else:
            q = self.quote
            for n, ln in enumerate(q.item_lines, 1):
                style = "italic dim" if pending is not None and n == len(q.item_lines) else ""
                grid.add_row(Text(f"{n}. {clean_text(ln.label)}", style=style), Text(format_money(ln.amount), style=style))
            grid.add_row(Text("商品合计", style="bold"), Text(format_money(q.items_total), style="bold"))
            for ln in q.postage_lines:
                amount = "" if ln.rule in FACT_RULES and not ln.amount else _signed(ln.amount)
                grid.add_row(Text(f"  {clean_text(ln.label)}", style="dim"), Text(amount, style="dim"))
            grid.add_row(Text("运费", style="bold"), Text(format_money(q.postage), style="bold"))
            grid.add_row(Text("共计", style="bold reverse"), Text(format_money(q.total), style="bold reverse"))
            for note in q.notes:
                grid.add_row(Text(f"提示：{note}", style="yellow"), "")
            grid.add_row(Text(summary(q), style="green"), "")
        self.query_one("#calc-breakdown", Static).update(grid)
        self.query_one("#calc-status", Static).update(Text(self.error))

    # ---- output -------------------------------------------------------------------------------
    def summary_text(self) -> str | None:
        if self.quote is None:
            self.app.notify(self.error or "还没有可用的报价", severity="warning", timeout=3)
            return None
        return summary(self.quote)

    def action_insert_summary(self) -> None:
        text = self.summary_text()
        if text:
            self.post_message(InsertIntoDraft(text))

    def action_copy_summary(self) -> None:
        text = self.summary_text()
        if text:
            self.app.copy_to_clipboard(text)
            self.app.notify("已复制报价", timeout=2)

    def action_propose_postage(self) -> None:
        """Propose the quoted postage as a postage change on the buyer's unpaid latest order."""
        q = self.quote
        if q is None:
            self.app.notify(self.error or "还没有可用的报价", severity="warning", timeout=3)
            return
        if not self.buyer:
            self.app.notify("这位买家没有订单", severity="warning", timeout=3)
            return
        self._read_order_context(self.buyer, lambda ctx: self._propose(q, ctx), "propose")

    def _propose(self, q, ctx) -> None:
        orders = getattr(self.app.desk, "orders", None)
        if orders is None or ctx is None:
            self.app.notify("这位买家没有订单", severity="warning", timeout=3)
            return
        try:  # the orders rules first: WAIT_BUYER_PAY only, postage never below 0
            check(Action.SET_POSTAGE, ctx.state, self.app.desk.policy.shop.kind)
            check_postage(q.postage)
        except OrderRefused as exc:
            self.app.notify(f"订单 {ctx.order_no}：{exc}", severity="warning", timeout=4)
            return
        if q.postage == ctx.postage:
            self.app.notify(f"订单运费已是 {format_money(q.postage)}", timeout=3)
            return

        self._apply_postage(orders, q, ctx)

    @work(exclusive=True, group="calc-postage-write")
    async def _apply_postage(self, orders, q, ctx) -> None:
        """Confirm, then write in a thread; a refused or failed change asks again with the reason."""
        done = await ask_until_saved(
            self, lambda last: self.app.push_screen_wait(
                ProposePostage(ctx.order_no, ctx.postage, ctx.amount, q.postage, last or quote_reason(q))),
            lambda reason: orders.set_postage(ctx.order_no, q.postage, reason, self.app.actor), "运费")
        if done is not None:
            self.app.notify(f"订单 {ctx.order_no} 运费已改为 {format_money(q.postage)}", timeout=3)

    def add_item(self, item: ItemLine) -> None:
        """An item line from another tool (the 商品 tab's chosen SKU, with its weight and template)."""
        self.activate()
        self.items.append(item)
        self.recompute()

    def focus_entry(self) -> None:
        self.activate()
        self.query_one("#calc-entry", Input).focus()


def _signed(amount: Decimal) -> str:
    return f"+{format_money(amount)}" if amount > 0 else format_money(amount)


def _message(exc: Exception) -> str:
    return f"运费表有误：{exc}" if isinstance(exc, ConfigError) else str(exc)
