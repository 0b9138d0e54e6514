"""Orders (订单): the five states, what an agent may do in each, and the value rules.

DOMAIN.md "Orders": WAIT_BUYER_PAY allows address confirmation, price changes (C-shop: item
price and postage; Tmall: postage only; never below 0) and closing the order or one item with
a reason; PAID allows only flag + remark; SHIPPED allows viewing logistics and extending the
receipt deadline; SUCCESS and CLOSED are view-only. :func:`check` refuses everything else
with a reason an agent can act on — the UI offers only :func:`allowed_actions`, but the rule
lives here, so the CLI and every other caller are refused too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from cs_console.domain.messages import UserError
from cs_console.domain.money import ZERO, format_money, quantize, shown

if TYPE_CHECKING:
    from cs_console.domain.shop import ShopKind


class OrderState(StrEnum):
    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    SUCCESS = "SUCCESS"
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[OrderState, str] = {
    OrderState.WAIT_BUYER_PAY: "等待买家付款",
    OrderState.PAID: "买家已付款",
    OrderState.SHIPPED: "卖家已发货",
    OrderState.SUCCESS: "交易成功",
    OrderState.CLOSED: "交易关闭",
}


class Action(StrEnum):
    """What an agent can do to an order (viewing is always allowed and not listed)."""

    CONFIRM_ADDRESS = "confirm_address"
    SET_PRICE = "set_price"
    SET_POSTAGE = "set_postage"
    CLOSE_ORDER = "close_order"
    CLOSE_ITEM = "close_item"
    FLAG = "flag"
    VIEW_LOGISTICS = "view_logistics"
    EXTEND_RECEIPT = "extend_receipt"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.CONFIRM_ADDRESS: "核对地址",
    Action.SET_PRICE: "改价",
    Action.SET_POSTAGE: "改运费",
    Action.CLOSE_ORDER: "关闭订单",
    Action.CLOSE_ITEM: "关闭商品",
    Action.FLAG: "旗帜备注",
    Action.VIEW_LOGISTICS: "查看物流",
    Action.EXTEND_RECEIPT: "延长收货",
}

# DOMAIN.md's table, per state (shop kind is applied in allowed_actions).
# Flag + remark is how CS, warehouse and after-sales talk on every live order (DOMAIN.md "Flags"):
# the pre-sale convention flags unpaid orders, and no order an agent handled may stay grey at the
# end of the shift, whatever its state. Finished orders (SUCCESS, CLOSED) are view-only.
_BY_STATE: dict[OrderState, tuple[Action, ...]] = {
    OrderState.WAIT_BUYER_PAY: (Action.CONFIRM_ADDRESS, Action.SET_PRICE, Action.SET_POSTAGE,
                                Action.CLOSE_ORDER, Action.CLOSE_ITEM, Action.FLAG),
    OrderState.PAID: (Action.FLAG,),
    OrderState.SHIPPED: (Action.VIEW_LOGISTICS, Action.EXTEND_RECEIPT, Action.FLAG),
    OrderState.SUCCESS: (),
    OrderState.CLOSED: (),
}

# Why an action is refused in a state (the first matching line wins).
_REFUSALS: dict[OrderState, str] = {
    OrderState.PAID: "order.refused_paid",
    OrderState.SHIPPED: "order.refused_shipped",
    OrderState.SUCCESS: "order.refused_success",
    OrderState.CLOSED: "order.refused_closed",
    OrderState.WAIT_BUYER_PAY: "order.refused_unpaid",
}
_WHAT: dict[Action, str] = {
    Action.CONFIRM_ADDRESS: "核对地址（请问买家后在备注里写明改动）",
    Action.SET_PRICE: "改价",
    Action.SET_POSTAGE: "改运费",
    Action.CLOSE_ORDER: "关闭",
    Action.CLOSE_ITEM: "关闭单件商品",
    Action.FLAG: "设旗",
    Action.VIEW_LOGISTICS: "查看物流",
    Action.EXTEND_RECEIPT: "延长收货",
}
MAX_LINE = 999  # item lines of one order
MAX_REASON = 200  # characters of a reason kept in the audit log

AUTO_CONFIRM_DAYS = 10  # SUCCESS automatically 10 days after shipping (DOMAIN.md)


class OrderRefused(UserError, ValueError):
    """The rules do not allow this change; the message says why (nothing was written)."""


class StaleEdit(OrderRefused):
    """A flag/remark edit made on an older version: refused, with what the order says now."""

    def __init__(self, order_no: str, flag: str, remark: str, version: int, by: str = ""):
        self.order_no, self.flag, self.remark, self.version, self.by = order_no, flag, remark, version, by
        who = f"{by} " if by else "其他人"
        super().__init__(f"订单 {order_no} 的旗帜/备注刚被{who}改过，你的修改没有保存。"
                         f"现在是：旗帜 {flag}，备注「{remark or '—'}」（版本 {version}）。请在此基础上重新修改。")


def parse_state(value: str) -> OrderState:
    """``PAID`` / ``paid`` / ``买家已付款`` → the state; raises OrderRefused otherwise."""
    text = value.strip()
    try:
        return OrderState(text.upper())
    except ValueError:
        pass
    for state, label in STATE_LABELS.items():
        if text == label:
            return state
    raise OrderRefused("order.unknown_state", value=shown(value), choices=", ".join(OrderState))


def allowed_actions(state: OrderState | str, kind: ShopKind | str) -> tuple[Action, ...]:
    """Exactly the actions an agent may take on an order in ``state`` in a shop of ``kind``."""
    from cs_console.domain.shop import ShopKind  # with pydantic: a listing of orders needs neither

    actions = _BY_STATE[OrderState(state)]
    if ShopKind(kind) == ShopKind.TMALL:
        actions = tuple(a for a in actions if a != Action.SET_PRICE)
    return actions


def check(action: Action | str, state: OrderState | str, kind: ShopKind | str) -> None:
    """Refuse ``action`` unless the state and shop kind allow it."""
    from cs_console.domain.shop import ShopKind

    action, state, kind = Action(action), OrderState(state), ShopKind(kind)
    if action in allowed_actions(state, kind):
        return
    if action == Action.SET_PRICE and kind == ShopKind.TMALL and state == OrderState.WAIT_BUYER_PAY:
        raise OrderRefused("order.tmall_price")
    raise OrderRefused(_REFUSALS[state], what=_WHAT[action])


def require_reason(reason: str | None, what: str = "这次修改") -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise OrderRefused("order.reason_required", what=what)
    if len(text) > MAX_REASON:
        raise OrderRefused("text.too_long", what="原因", limit=MAX_REASON, length=len(text))
    return text


def check_line(line: int) -> int:
    """An item line number as typed (1, 2, …): never 0, negative or beyond any real order."""
    if isinstance(line, bool) or not isinstance(line, int) or not 1 <= line <= MAX_LINE:
        raise OrderRefused("line.range", line=shown(line), limit=MAX_LINE)
    return line


def check_price(new: Decimal) -> Decimal:
    """An item price may go down to 0, never below."""
    if new < 0:
        raise OrderRefused("order.price_negative")
    return quantize(new)


def check_postage(new: Decimal) -> Decimal:
    """Postage may be 0, never negative."""
    if new < 0:
        raise OrderRefused("order.postage_negative")
    return quantize(new)


def check_close_reason(reason: str, reasons: Iterable[str]) -> str:
    options = list(reasons)
    if reason not in options:
        raise OrderRefused("order.close_reason", choices="、".join(options))
    return reason


@dataclass(frozen=True, slots=True)
class Totals:
    items_total: Decimal
    postage: Decimal
    amount: Decimal


def retotal(current: Totals, *, items_delta: Decimal = ZERO, postage: Decimal | None = None) -> Totals:
    """New totals after an item line changes by ``items_delta`` and/or postage is replaced.

    Works by exact difference, so discounts already inside an imported amount are kept."""
    new_postage = current.postage if postage is None else quantize(postage)
    items_total = quantize(current.items_total + items_delta)
    amount = quantize(current.amount + items_delta + (new_postage - current.postage))
    if items_total < 0 or amount < 0:
        raise OrderRefused("order.total_negative")
    return Totals(items_total, new_postage, amount)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    return quantize(unit_price * quantity)


def listing_prices(changes: Iterable[tuple[str, str]]) -> dict[int, Decimal]:
    """Each line's original (listing) unit price from an order's audit trail, oldest first:
    the old value of the line's first unit-price change. Lines never changed are absent."""
    found: dict[int, Decimal] = {}
    for field, old in changes:
        head, _, tail = field.partition(" ")
        if head == "line" and tail.endswith(" unit_price"):
            line = tail.removesuffix(" unit_price")
            if line.isdigit() and int(line) not in found:
                found[int(line)] = Decimal(old)
    return found


def price_change_warning(listing: Decimal, new: Decimal, cut_share: Decimal) -> str | None:
    """Why a unit-price change needs a second look, or None. Agents must never change a
    price on their own (DOMAIN.md): a raise above the listing price is unusual, and a cut of
    more than ``cut_share`` of it is charged to the operations team."""
    if new > listing:
        return f"新单价高于原价 {format_money(listing)}（涨价 {format_money(new - listing)}）"
    if listing > 0 and (listing - new) > listing * cut_share:
        share = ((listing - new) / listing * 100).quantize(Decimal("1"))
        return f"降价 {share}%，超过 {(cut_share * 100).quantize(Decimal('1'))}%（原价 {format_money(listing)}）"
    return None


def extend_deadline(*, current: datetime | None, shipped_at: datetime | None, now: datetime,
                    days: int, allowed_days: Iterable[int], extensions_so_far: int,
                    max_extensions: int) -> datetime:
    """The new receipt deadline (自动确认收货时间) after extending by ``days``.

    Without a recorded deadline it is shipping time + 10 days (or now + 10 days)."""
    options = sorted(set(allowed_days))
    if days not in options:
        raise OrderRefused("order.extend_days", choices="/".join(map(str, options)), days=shown(days))
    if extensions_so_far >= max_extensions:
        raise OrderRefused("order.extend_limit", count=extensions_so_far, limit=max_extensions)
    base = current or (shipped_at or now) + timedelta(days=AUTO_CONFIRM_DAYS)
    return base + timedelta(days=days)


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678`` (privacy rule: full number only in the detail view)."""
    p = phone.strip()
    if not p:
        return ""
    if len(p) >= 8:
        return p[:3] + "*" * (len(p) - 7) + p[-4:]
    return "*" * max(0, len(p) - 2) + p[-2:]


# ---- plain views (what services hand to the CLI and the UI) --------------------------------
@dataclass(frozen=True, slots=True)
class ItemView:
    line_no: int
    title: str
    colour: str
    size: str
    unit_price: Decimal
    quantity: int
    free_postage: bool
    closed: bool
    close_reason: str
    listing_price: Decimal | None = None  # the unit price before any change (None: never changed)
    merchant_code: str = ""  # 商家编码 from the export: links the line to the goods (SKU-level when a SKU's)
    item_id: str = ""  # 商品id from the export

    @property
    def total(self) -> Decimal:
        return line_total(self.unit_price, self.quantity)


@dataclass(frozen=True, slots=True)
class OrderView:
    order_no: str
    buyer: str
    state: OrderState
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    receiver_name: str
    phone: str
    province: str
    city: str
    district: str
    address_detail: str
    items_total: Decimal
    postage: Decimal
    amount: Decimal
    courier: str
    tracking_no: str
    flag: str
    remark: str
    buyer_message: str
    close_reason: str
    receipt_deadline: datetime | None
    items: tuple[ItemView, ...] = ()
    flag_version: int = 0  # the flag/remark version this view shows (edits carry it back)

    @property
    def address(self) -> str:
        return " ".join(x for x in (self.province, self.city, self.district, self.address_detail) if x)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def open_items(self) -> tuple[ItemView, ...]:
        return tuple(i for i in self.items if not i.closed)


def describe_items(items: Iterable) -> str:
    """``连体衣 粉色/73 ×2，袜子 ×1``: an order's open lines (anything with ``title``, ``colour``,
    ``size``, ``quantity`` and ``closed``)."""
    parts = []
    for it in items:
        if it.closed:
            continue
        spec = "/".join(x for x in (it.colour, it.size) if x)
        parts.append(f"{it.title}{' ' + spec if spec else ''} ×{it.quantity}")
    return "，".join(parts)
