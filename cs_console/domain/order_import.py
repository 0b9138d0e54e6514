"""Reading the seller backend's order export (pure rules: raw rows in, parsed rows or reasons out).

Shops download two files from 已卖出的宝贝: 订单报表 (one row per order) and 宝贝报表 (one row per
item line), as GBK CSV or xlsx, with Chinese headers (``domain.order_columns``), numbers
wrapped as ``="2023…"`` or ``'139…`` so spreadsheets keep them, ``--`` for empty cells, the
backend's long state names, item attributes like ``颜色分类：红色;尺码：M`` and the address as
``省 市 区 详细地址 (邮编)``. Every value is checked before it may reach the store: a row that
cannot be imported raises :class:`RowError` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from cs_console.domain.messages import UserError
from cs_console.domain.order_columns import Header
from cs_console.domain.order_times import MINUTE_SECOND_TAILS, LocalTimes
from cs_console.domain.orders import OrderState
from cs_console.domain.text import clean_text, one_line

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("99999999.99")  # far above any order; keeps fen inside 64-bit integers
MAX_QUANTITY = 99_999
MAX_TEXT = 2000  # characters of one free-text cell (titles, remarks, addresses)
MAX_NUMBER = 64  # characters of an order / tracking number
STATE_NAMES: dict[str, OrderState] = {
    "等待买家付款": OrderState.WAIT_BUYER_PAY,
    "买家已付款,等待卖家发货": OrderState.PAID,
    "买家已付款": OrderState.PAID,
    "等待卖家发货": OrderState.PAID,
    "卖家已发货,等待买家确认": OrderState.SHIPPED,
    "卖家已发货": OrderState.SHIPPED,
    "交易成功": OrderState.SUCCESS,
    "交易关闭": OrderState.CLOSED,
    "交易已关闭": OrderState.CLOSED,
    **{s.value: s for s in OrderState},
}
NOT_CLOSED = ("订单未关闭", "未关闭")
COLOUR_KEYS = ("颜色分类", "颜色", "主要颜色", "颜色分类名称")
SIZE_KEYS = ("尺码", "尺寸", "参考身高", "鞋码", "适用年龄")
_AMOUNT = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,2})?")
_NUMBER = re.compile(r"[0-9A-Za-z_\-]{1,64}")
_QUANTITY = re.compile(r"[0-9]{1,5}")
# every pattern is anchored with \Z (``$`` would also match before a trailing newline)
_POSTCODE = re.compile(r"\s*[(（]\s*\d{6}\s*[)）]\s*\Z|\s+\d{6}\s*\Z")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_ATTRIBUTE = re.compile(r"\s*([^:：]+)[:：](.*)\Z")
_ADDRESS = re.compile(
    r"(?P<province>(?:北京|天津|上海|重庆)市?|.+?(?:省|自治区|特别行政区))"
    r"(?P<city>.+?(?:市|自治州|地区|盟))?(?P<district>.+?(?:区|县|市|旗))?(?P<detail>.*)\Z"
)


class RowError(UserError, ValueError):
    """A row (or file) that cannot be imported; the message (from the catalogue) is the reason."""


@dataclass(frozen=True, slots=True)
class Rejected:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class ParsedItem(NamedTuple):  # NamedTuple: immutable and ~3× cheaper to build than a frozen dataclass
    line: int
    order_no: str
    sub_no: str
    title: str
    colour: str
    size: str
    unit_price: str  # exact yuan as canonical Decimal text, "59.00"
    quantity: int
    free_postage: bool
    merchant_code: str  # 商家编码 (the SKU's or the goods'): links the line to the goods catalogue
    item_id: str  # 商品id (数字ID), when the file has it


class ParsedOrder(NamedTuple):
    line: int
    order_no: str
    buyer: str
    state: OrderState
    placed_at: str  # UTC as ISO text, "YYYY-MM-DD HH:MM:SS" (see LocalTimes)
    paid_at: str | None
    shipped_at: str | None
    receiver_name: str
    phone: str
    province: str
    city: str
    district: str
    address_detail: str
    items_total: str  # exact yuan as canonical Decimal text, "129.00" (see yuan_text)
    postage: str
    amount: str
    courier: str
    tracking_no: str
    remark: str
    buyer_message: str
    close_reason: str


# ---- single values -------------------------------------------------------------------------
def unwrap(value: str) -> str:
    """``="2023112012345"`` → ``2023112012345`` (spreadsheet-proof values); ``--`` → empty; trims."""
    if not value or (value[0] not in "= \t-" and value[-1] not in " \t"):
        return value  # the usual case: nothing to trim or unwrap
    v = value.strip()
    if v == "--":
        return ""
    if not v or v[0] != "=":
        return v
    if v.startswith('="') and v.endswith('"') and len(v) >= 3:
        v = v[2:-1]
    elif v.startswith("=") and len(v) > 1 and v[1:].replace(".", "", 1).isdigit():
        v = v[1:]
    return v.strip()


def _shown(value: str, limit: int = 40) -> str:
    """A cell quoted in a reason: cut to ``limit`` characters, control and escape characters
    written visibly (``\\x1b``), never sent to the terminal raw."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return cut if cut.isprintable() else repr(cut)[1:-1]


def _text(value: str, what: str, *, single_line: bool = True) -> str:
    if len(value) > MAX_TEXT:
        raise RowError("import.too_long", what=what, length=len(value), limit=MAX_TEXT)
    if value.isprintable() and (not single_line or ("  " not in value and value.strip() == value)):
        return value  # the usual already-clean value
    return one_line(value) if single_line else clean_text(value).strip()


def _number(value: str, what: str, *, required: bool = False) -> str:
    """Order / tracking numbers: ASCII letters and digits, always kept as strings."""
    v = value.lstrip("'").strip()
    if not v:
        if required:
            raise RowError("import.missing", what=what)
        return ""
    if not _NUMBER.fullmatch(v):
        raise RowError("import.bad_number", what=what, value=_shown(v), limit=MAX_NUMBER)
    return v


def _phone(value: str) -> str:
    v = _text(value.lstrip("'"), "联系手机")
    if len(v) > 40:
        raise RowError("import.too_long", what="联系手机", length=len(v), limit=40)
    return v


def parse_state(text: str) -> OrderState:
    key = text.strip().replace("，", ",").replace(" ", "")
    try:
        return STATE_NAMES[key]
    except KeyError:
        raise RowError("import.unknown_state", value=_shown(text)) from None


_PLAIN_NUMBER = _NUMBER.fullmatch  # an order / tracking number as it is stored
_PLAIN_PHONE = re.compile(r"[0-9+\-*]{0,40}").fullmatch  # a phone that needs no cleaning
_new = tuple.__new__
def _plain_digits(value: str, limit: int) -> bool:
    """ASCII digits only, at most ``limit`` of them (the usual order number or phone)."""
    return value.isdigit() and value.isascii() and len(value) <= limit


def parse_amount(text: str, what: str, *, default: Decimal | None = None) -> Decimal:
    """ASCII digits with at most two decimals (``137.90``, ``0``, ``0元``), at most 99,999,999.99."""
    t = text.strip().removesuffix("元").replace(",", "") if not _AMOUNT.fullmatch(text) else text
    if not t and default is not None:
        return default
    if not _AMOUNT.fullmatch(t):
        shown = _shown(t, 30)
        if re.fullmatch(r"[0-9]{9,}(\.[0-9]*)?", t):
            raise RowError("import.amount_too_large", what=what, value=shown, limit=MAX_AMOUNT)
        raise RowError("import.bad_amount", what=what, value=shown)
    return Decimal(t).quantize(Decimal("0.01"))


def yuan_text(value: Decimal) -> str:
    """The canonical exact text of an amount (two decimals): what an import row carries, so the
    store turns it into integer fen without a float (``"129.00"`` → 12900)."""
    return f"{value:.2f}"


def parse_quantity(text: str) -> int:
    t = text.strip() or "1"
    if not _QUANTITY.fullmatch(t) or not 1 <= int(t) <= MAX_QUANTITY:
        shown = _shown(t, 20)
        raise RowError("import.bad_quantity", value=shown, limit=MAX_QUANTITY)
    return int(t)


def parse_attributes(text: str) -> tuple[str, str]:
    """``颜色分类：红色;尺码：M`` → ``("红色", "M")``."""
    colour = size = ""
    for part in re.split(r"[;；]", text):
        m = _ATTRIBUTE.fullmatch(part.strip())
        if not m:
            continue
        key, value = m.group(1).strip(), m.group(2).strip()
        if key in COLOUR_KEYS and not colour:
            colour = value
        elif key in SIZE_KEYS and not size:
            size = value
    return colour, size


def split_address(text: str) -> tuple[str, str, str, str]:
    """``浙江省 杭州市 西湖区 文三路90号 (310000)`` → (province, city, district, detail)."""
    a = text
    if len(a) > 8 and a[-1] in ")）" and a[-8] in "(（" and a[-7:-1].isdigit():  # the usual "…(310000)"
        a = a[:-8]
    else:
        a = _POSTCODE.sub("", a)
    if not a.isprintable() or "  " in a:
        a = one_line(a)
    a = a.strip()
    if not a:
        return "", "", "", ""
    parts = a.split(" ", 3)
    if len(parts) == 4:
        return parts[0], parts[1], parts[2], parts[3]
    m = _ADDRESS.fullmatch(a.replace(" ", ""))
    if not m:
        return "", "", "", a
    province = m.group("province")
    city = m.group("city") or ""
    if not city and province.rstrip("市") in _MUNICIPALITIES:
        city = province.rstrip("市") + "市"
    district = m.group("district") or ""
    return province, city, district, m.group("detail") or ""


# ---- rows → parsed records ----------------------------------------------------------------
_ORDER_ORDER = ("order_no", "buyer", "state", "placed_at", "paid_at", "shipped_at", "receiver_name", "phone",
                "phone_alt", "address", "items_total", "postage", "amount", "paid_amount", "courier",
                "tracking_no", "remark", "buyer_message", "close_reason")
_ITEM_ORDER = ("order_no", "sub_no", "title", "unit_price", "quantity", "attributes", "free_postage", "merchant_code",
               "item_id")


def _getter(header: Header, names: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """Picks the named fields out of a row in one C call; an absent column reads the "" that
    :meth:`OrderRows.parse` appends to every row (index -1)."""
    return itemgetter(*(header.picks.get(n, -1) for n in names))


def _id(value: str) -> str:
    """``="…"`` / ``'…`` (spreadsheet-proof numbers) → the number."""
    if not value:
        return value
    first = value[0]
    if first == "=":
        if value[1:2] == '"' and value[-1] == '"' and len(value) > 2:
            return value[2:-1].strip()
        return unwrap(value)
    if first == "'":
        return value[1:].strip()
    return value.strip() if first in " \t" or value[-1] in " \t" else value


class _Memo(dict):
    """Parsed values of one column by raw text: a shop's states, couriers, amounts and buyers
    repeat, so most rows cost a dict lookup per such column. Bounded, never evicts."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[str], object]):
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> object:
        value = self.fn(key)
        if len(self) < 50_000:
            self[key] = value
        return value


def _buyer(text: str) -> str:
    buyer = _text(text, "买家会员名")
    if not buyer:
        raise RowError("import.missing", what="买家会员名")
    if len(buyer) > 128:
        raise RowError("import.too_long", what="买家会员名", length=len(buyer), limit=128)
    return buyer


def _state(text: str) -> OrderState:
    if not text.strip():
        raise RowError("import.missing", what="订单状态")
    return parse_state(text)


def _close(text: str) -> str:
    close = _text(text, "订单关闭原因")
    return "" if close in NOT_CLOSED else close


class OrderRows:
    """Parses 订单报表 rows of one header (column picks computed once)."""

    def __init__(self, header: Header, tz: str):
        self.pick, self.utc = _getter(header, _ORDER_ORDER), LocalTimes(tz)
        self.buyer, self.state, self.close = _Memo(_buyer), _Memo(_state), _Memo(_close)
        self.courier = _Memo(lambda t: _text(t, "物流公司"))
        self.receiver = _Memo(lambda t: _text(t, "收货人姓名"))
        self.goods = _Memo(lambda t: yuan_text(parse_amount(t, "买家应付货款", default=ZERO)))
        self.post = _Memo(lambda t: yuan_text(parse_amount(t, "买家应付邮费", default=ZERO)))
        self.total = _Memo(lambda t: yuan_text(parse_amount(t, "总金额")) if t.strip() else None)
        self.address = _Memo(lambda t: split_address(_text(t, "收货地址")))

    def parse(self, line: int, raw: list[str]) -> ParsedOrder:
        raw.append("")
        (no, buyer, state, placed, paid, shipped, receiver, phone, phone_alt, address, goods, post, total,
         paid_amount, courier, tracking, remark, message, close) = self.pick(raw)
        # the usual shapes inline (="…" numbers, 'phones): anything else takes the checked path
        n = no[2:-1] if no[:2] == '="' and no[-1:] == '"' else no
        no = n if _plain_digits(n, MAX_NUMBER) or _PLAIN_NUMBER(n) else _number(_id(no), "订单编号", required=True)
        utc, hours = self.utc, self.utc.hours
        hour = hours.get(placed[:13])  # LocalTimes' usual case inline: an hour seen before
        placed_at = hour + placed[13:] if hour is not None and placed[13:] in MINUTE_SECOND_TAILS else utc(placed)
        if placed_at is None:
            raise RowError("import.missing", what="订单创建时间")
        if paid:
            hour = hours.get(paid[:13])
            paid_at = hour + paid[13:] if hour is not None and paid[13:] in MINUTE_SECOND_TAILS else utc(paid)
        else:
            paid_at = None
        items_total, postage = self.goods[goods], self.post[post]
        amount = self.total[total or paid_amount]
        if amount is None:
            amount = yuan_text(Decimal(items_total) + Decimal(postage))
        province, city, district, detail = self.address[address]
        if remark:
            remark = _text(remark, "订单备注", single_line=False)
        if message:
            message = _text(message, "买家留言", single_line=False)
        p = phone or phone_alt
        if p[:1] == "'":
            p = p[1:]
        if not (_plain_digits(p, 40) or _PLAIN_PHONE(p)):
            p = _phone(_id(phone or phone_alt))
        if tracking:
            t = tracking[2:-1] if tracking[:2] == '="' and tracking[-1:] == '"' else tracking
            tracking = t if not t or _plain_digits(t, MAX_NUMBER) or _PLAIN_NUMBER(t) else _number(_id(tracking).removeprefix("No:"), "物流单号")
        return _new(ParsedOrder, (  # tuple.__new__: the NamedTuple without its Python-level __new__
            line, no, self.buyer[buyer], self.state[state], placed_at, paid_at,
            utc(shipped) if shipped else None, self.receiver[receiver], p, province, city, district, detail,
            items_total, postage, amount, self.courier[courier], tracking, remark, message, self.close[close],
        ))


def _code(value: str) -> str:
    """A merchant code (商家编码): free text of the seller's, at most 64 characters."""
    code = _text(_id(value), "商家编码")
    if len(code) > MAX_NUMBER:
        raise RowError("import.too_long", what="商家编码", length=len(code), limit=MAX_NUMBER)
    return code


class ItemRows:
    """Parses 宝贝报表 rows of one header; 2020s files link by 主订单编号 and number by 子订单编号."""

    def __init__(self, header: Header):
        self.pick = _getter(header, _ITEM_ORDER)

    def parse(self, line: int, raw: list[str]) -> ParsedItem:
        no, sub, title, price, qty, attributes, free, code, item_id = self.pick([*raw, ""])
        no = _number(_id(no), "订单编号（主订单编号）", required=True)
        sub = _id(sub)
        title = _text(title, "标题")
        if not title:
            raise RowError("import.missing", what="宝贝标题")
        colour, size = parse_attributes(_text(attributes, "商品属性"))
        return ParsedItem(line, no, _number(sub, "子订单编号") if sub else "", title, colour, size,
                          yuan_text(parse_amount(price, "价格")), parse_quantity(qty),
                          free.strip() in ("是", "包邮", "1", "true", "yes", "Y"),
                          _code(code) if code else "",
                          _number(_id(item_id), "商品id") if item_id else "")
