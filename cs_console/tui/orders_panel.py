"""The 订单 side tab: the selected buyer's orders, newest first, and the actions their state allows.

Only the current chat's buyer is ever listed (privacy rule); phones are masked here and shown
in full only in the detail view. The keys of the actions the order's state does not allow are
hidden (``check_action``); pressing one anyway says in Chinese why the order's state does not
allow it (a key that silently does nothing looks broken), and the service refuses them anyway.

The letters act only while the order list has the keyboard (Alt+O). A finished action, a chat
switch and Esc put the caret back in the draft, so text typed for the buyer never reaches these
letters; 核对地址, which sends the buyer their phone and address, asks in a dialog typing cannot
answer (``tui.confirm``).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from cs_console.config import ConfigError
from cs_console.domain.clock import local
from cs_console.domain.flags import FlagConvention
from cs_console.domain.money import format_money
from cs_console.domain.orders import (
    ACTION_LABELS,
    Action,
    OrderRefused,
    OrderState,
    OrderView,
)
from cs_console.domain.text import display_text
from cs_console.tui.order_actions import OrderActions
from cs_console.tui.order_dialogs import (
    DetailDialog,
    detail_text,
    flag_text,
)
from cs_console.tui.store_reads import (
    FollowStore,
    deliver,
)

# panel action → the domain action it performs
_KEYS: dict[str, Action] = {
    "confirm_address": Action.CONFIRM_ADDRESS, "set_price": Action.SET_PRICE, "set_postage": Action.SET_POSTAGE,
    "close_order": Action.CLOSE_ORDER, "flag": Action.FLAG, "logistics": Action.VIEW_LOGISTICS,
    "extend_receipt": Action.EXTEND_RECEIPT,
}
# Why a state allows none of the panel's changes but these (said when a hidden key is pressed).
_STATE_HINT: dict[OrderState, str] = {
    OrderState.WAIT_BUYER_PAY: "付款前不能这样做",
    OrderState.PAID: "买家已付款，只能写旗帜备注（改价、改运费、关闭请写进备注交给售后）",
    OrderState.SHIPPED: "卖家已发货，只能查看物流、延长收货和写旗帜备注",
    OrderState.SUCCESS: "交易已成功，只能查看",
    OrderState.CLOSED: "交易已关闭，只能查看",
}


def refusal_reason(order: OrderView, action: Action, allowed: tuple[Action, ...]) -> str:
    """Chinese reason why ``action`` is not offered on ``order`` (state or shop kind)."""
    what = ACTION_LABELS[action]
    if action == Action.SET_PRICE and Action.SET_POSTAGE in allowed:
        return f"不能{what}：天猫（商城店）不能修改商品价格，只能改运费"
    return f"不能{what}：{_STATE_HINT[order.state]}"


class OrdersPanel(Vertical):
    """Orders of the selected buyer with state, amount, flag (colour + meaning), remark, items."""

    DEFAULT_CSS = """
    OrdersPanel { height: 1fr; }
    OrdersPanel #orders-title { height: 1; width: 100%; color: $text-muted; }
    OrdersPanel #orders-list { height: 1fr; border: none; }
    OrdersPanel #orders-actions { height: auto; width: 100%; color: $accent; }
    """
    BINDINGS = [
        Binding("enter,v", "detail", "详情", id="orders.detail"),
        Binding("a", "confirm_address", "核对地址", id="orders.confirm_address"),
        Binding("p", "set_price", "改价", id="orders.set_price"),
        Binding("y", "set_postage", "改运费", id="orders.set_postage"),
        Binding("c", "close_order", "关闭", id="orders.close"),
        Binding("f", "flag", "旗帜备注", id="orders.flag"),
        Binding("l", "logistics", "物流", id="orders.logistics"),
        Binding("e", "extend_receipt", "延长收货", id="orders.extend_receipt"),
        Binding("escape", "leave", "回到输入框", id="orders.leave"),
    ]

    def __init__(self, *, id: str | None = "orders-panel"):
        super().__init__(id=id)
        self.buyer: str | None = None
        self.orders: list[OrderView] = []
        self._convention: FlagConvention | None = None
        self._shown_for: str | None = None  # whose orders the list shows
        self.order_actions = OrderActions(self)  # the flows behind the letters

    def compose(self) -> ComposeResult:
        yield Label("（未选择会话）", id="orders-title")
        yield OptionList(id="orders-list")
        yield Label("", id="orders-actions")

    def on_mount(self) -> None:
        self._follow = FollowStore(self, self._reread)

    def on_show(self) -> None:
        self._follow.shown()

    # ---- data --------------------------------------------------------------------------------
    @property
    def desk(self):
        return self.app.desk

    @property
    def service(self):
        return self.app.desk.orders

    @property
    def convention(self) -> FlagConvention:
        """The shop's flag convention (read with the first orders, in the reading thread)."""
        return self._convention or FlagConvention(label="（旗帜配置有误）", colours={})

    def _read_convention(self) -> str | None:
        """In the reading thread: load the convention once; a broken data/flags.yaml is a
        problem to say once, not a crash."""
        if self._convention is not None:
            return None
        try:
            self._convention = self.service.convention
        except (ConfigError, OrderRefused) as exc:
            self._convention = FlagConvention(label="（旗帜配置有误）", colours={})
            return f"旗帜配置有误：{exc}"
        return None

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """Follow the selected chat: list only this buyer's orders."""
        if buyer != self.buyer:
            self.buyer = buyer
            self.reload(keep=None)

    def _reread(self) -> None:
        """After a store change: read again, the highlighted order stays highlighted."""
        if self.buyer is not None:
            self.reload(keep=self.current.order_no if self.current else None)

    def reload(self, keep: str | None = None) -> Worker | None:
        """Read the buyer's orders in a thread; the list follows when they are read (await the
        worker's ``wait()`` to act on the fresh list)."""
        if self.buyer is None:
            self._show(None, keep, ([], [], None))
            return None
        return self._read(self.buyer, keep)

    @work(thread=True, exclusive=True, group="orders-read")
    def _read(self, buyer: str, keep: str | None) -> None:
        def read():
            problem = self._read_convention()
            orders = self.service.for_buyer(buyer)
            return orders, [self._order_text(o) for o in orders], problem

        deliver(self, read, lambda result: self._show(buyer, keep, result), "订单")

    def _show(self, buyer: str | None, keep: str | None, result) -> None:
        orders, texts, problem = result
        if problem:
            self.notify(problem, severity="error", timeout=10)
        if buyer != self.buyer:
            return  # the agent moved on to another chat meanwhile
        if buyer == self._shown_for and orders == self.orders and buyer is not None:
            return  # nothing of this buyer's orders changed (most commits are chat messages)
        self.orders, self._shown_for = orders, buyer
        title = self.query_one("#orders-title", Label)
        # one line of the panel's width: a new title needs no layout pass
        if self.buyer is None:
            title.update("（未选择会话）", layout=False)
        else:
            title.update(Text(f"{display_text(self.buyer)} 的订单 · {len(self.orders)}"), layout=False)
        lst = self.query_one("#orders-list", OptionList)
        lst.set_options([Option(text, id=o.order_no) for o, text in zip(orders, texts, strict=True)])
        if not self.orders:
            lst.add_option(Option(Text("（这位买家没有订单）", style="dim"), disabled=True))
        index = next((i for i, o in enumerate(self.orders) if o.order_no == keep), 0 if self.orders else None)
        lst.highlighted = index
        self._update_actions()

    def _order_text(self, o: OrderView) -> Text:
        tz = self.desk.policy.shop.timezone
        t = Text()
        t.append(f"{o.state.label}", style="bold")
        t.append(f"  {format_money(o.amount)}  ")
        t.append(f"{local(o.placed_at, tz):%m-%d %H:%M}\n", style="dim")
        t.append(f"{o.order_no}  ", style="dim")
        t.append(Text(f"{display_text(o.receiver_name)} {o.masked_phone}\n"))
        t.append(flag_text(o.flag, self.convention))
        t.append("\n")
        if o.remark:
            t.append("备注：", style="bold")
            t.append(Text(display_text(o.remark) + "\n"))
        for i in o.items:
            spec = "/".join(x for x in (i.colour, i.size) if x)
            closed = "（已关闭）" if i.closed else ""  # said in words too: strike-through is lost on some terminals
            listing = f"（原价 {format_money(i.listing_price)}）" if i.listing_price is not None else ""
            t.append(Text(f"  {i.line_no}. {display_text(i.title)} {display_text(spec)} {format_money(i.unit_price)}×{i.quantity}"
                          f"{listing}{closed}\n", style="strike dim" if i.closed else ""))
            hint = self._stock_hint(i)
            if hint:
                t.append(Text(f"     {display_text(hint)}\n", style="cyan"))
        return t

    def _stock_hint(self, item) -> str | None:
        """The same goods' current stock in other sizes (商品 linked by merchant code, item id or title)."""
        goods = getattr(self.desk, "goods", None)
        return None if goods is None or item.closed else goods.stock_hint(item)

    @property
    def current(self) -> OrderView | None:
        i = self.query_one("#orders-list", OptionList).highlighted
        return self.orders[i] if i is not None and 0 <= i < len(self.orders) else None

    def allowed(self) -> tuple[Action, ...]:
        return self.service.allowed(self.current) if self.current else ()

    @on(OptionList.OptionHighlighted, "#orders-list")
    def _highlighted(self) -> None:
        self._update_actions()

    @on(OptionList.OptionSelected, "#orders-list")
    def _selected(self) -> None:
        self.action_detail()

    def _update_actions(self) -> None:
        o = self.current
        label = self.query_one("#orders-actions", Label)
        if o is None:
            text = ""
        else:
            keys = [f"{b.key.split(',')[0].upper()} {b.description}" for b in self.BINDINGS
                    if b.action in _KEYS and _KEYS[b.action] in self.allowed()]
            text = "Enter 详情  " + "  ".join(keys) if keys else "Enter 详情  （此状态只可查看）"
        if str(label.content) != text:  # the same keys again (most orders): no layout pass
            label.update(text)
        self.refresh_bindings()

    def on_key(self, event) -> None:
        """A letter of an action this order does not allow: say why instead of doing nothing."""
        o = self.current
        for binding in self.BINDINGS:
            if binding.action in _KEYS and event.key in binding.key.split(","):
                action = _KEYS[binding.action]
                allowed = self.allowed()
                if action not in allowed:
                    event.stop()
                    event.prevent_default()
                    reason = refusal_reason(o, action, allowed) if o else f"不能{ACTION_LABELS[action]}：这位买家没有订单"
                    self.notify(reason, severity="warning", timeout=5)
                return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of actions the highlighted order's state (and shop kind) do not allow."""
        if action in _KEYS:
            return _KEYS[action] in self.allowed()
        if action == "detail":
            return self.current is not None
        return True

    # ---- actions (the flows: order_actions) --------------------------------------------------
    def action_leave(self) -> None:
        composer = self.app.query("#composer")
        if composer:
            composer.first().focus()

    def action_detail(self) -> None:
        if self.current is not None:
            self._read_detail(self.current)

    @work(thread=True, exclusive=True, group="orders-detail-read")
    def _read_detail(self, o: OrderView) -> None:
        """The order's audit trail is read in this thread; the dialog opens when it is read."""
        from cs_console.domain.audit_text import describe

        tz = self.desk.policy.shop.timezone

        def read() -> Text:
            audit = [f"{local(a.at, tz):%m-%d %H:%M} {a.agent} {describe(a.field, a.old, a.new)}"
                     + (f"（{a.reason}）" if a.reason else "") for a in self.service.audit(o.order_no)]
            return detail_text(o, self.convention, tz, audit)

        deliver(self, read, lambda body: self.app.push_screen(DetailDialog(f"订单详情 {o.order_no}", body)), "订单详情")

    def action_logistics(self) -> None:
        self.action_detail()


    @work(exclusive=True, group="orders-action")
    async def action_confirm_address(self) -> None:
        await self.order_actions.confirm_address()

    @work(exclusive=True, group="orders-action")
    async def action_set_price(self) -> None:
        await self.order_actions.set_price()

    @work(exclusive=True, group="orders-action")
    async def action_set_postage(self) -> None:
        await self.order_actions.set_postage()

    @work(exclusive=True, group="orders-action")
    async def action_close_order(self) -> None:
        await self.order_actions.close_order()

    @work(exclusive=True, group="orders-action")
    async def action_flag(self) -> None:
        await self.order_actions.flag()

    @work(exclusive=True, group="orders-action")
    async def action_extend_receipt(self) -> None:
        await self.order_actions.extend_receipt()
