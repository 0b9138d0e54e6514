"""Reading the seller backend's order export (pure rules: bytes/rows in, parsed rows or reasons out).

Shops download two CSV files from 已卖出的宝贝: one row per order and one row per item line.
They come in GBK/GB18030 or UTF-8 (with or without BOM), with Chinese headers, numbers wrapped as
``="2023…"`` so spreadsheets keep them, the backend's long state names, item attributes like
``颜色分类：红色;尺码：M`` and the address as ``省 市 区 详细地址 (邮编)``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from cs_console.domain.money import MoneyError, parse_money
from cs_console.domain.orders import OrderState
from cs_console.domain.text import one_line

PROGRESS_EVERY = 2000
ORDER_HEADERS: dict[str, str] = {
    "订单编号": "order_no", "买家会员名": "buyer", "收货人姓名": "receiver_name",
    "联系手机": "phone", "联系电话": "phone_alt", "收货地址": "address", "订单状态": "state",
    "买家应付货款": "items_total", "买家应付邮费": "postage", "总金额": "amount",
    "订单创建时间": "placed_at", "订单付款时间": "paid_at", "发货时间": "shipped_at",
    "物流公司": "courier", "物流单号": "tracking_no", "运单号": "tracking_no",
    "订单备注": "remark", "买家留言": "buyer_message", "订单关闭原因": "close_reason",
    "关闭原因": "close_reason",
}
ITEM_HEADERS: dict[str, str] = {
    "订单编号": "order_no", "标题": "title", "宝贝标题": "title", "价格": "unit_price",
    "购买数量": "quantity", "商品属性": "attributes", "包邮": "free_postage",
}
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
COLOUR_KEYS = ("颜色分类", "颜色", "主要颜色", "颜色分类名称")
SIZE_KEYS = ("尺码", "尺寸", "参考身高", "鞋码", "适用年龄")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_PLAIN_AMOUNT = re.compile(r"^\d{1,12}\.\d\d$")
_POSTCODE = re.compile(r"\s*[(（]\s*\d{6}\s*[)）]\s*$|\s+\d{6}$")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_ATTRIBUTE = re.compile(r"\s*([^:：]+)[:：](.*)$")
_ADDRESS = re.compile(
    r"^(?P<province>(?:北京|天津|上海|重庆)市?|.+?(?:省|自治区|特别行政区))"
    r"(?P<city>.+?(?:市|自治州|地区|盟))?(?P<district>.+?(?:区|县|市|旗))?(?P<detail>.*)$"
)


def _one_line(text: str) -> str:
    """``text.one_line`` with a fast path for the usual already-clean value."""
    if text.isprintable() and "  " not in text and text.strip() == text:
        return text
    return one_line(text)


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason."""


class ParsedItem(NamedTuple):  # NamedTuple: immutable and ~3× cheaper to build than a frozen dataclass
    line: int
    order_no: str
    title: str
    colour: str
    size: str
    unit_price: Decimal
    quantity: int
    free_postage: bool


class ParsedOrder(NamedTuple):
    line: int
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
    remark: str
    buyer_message: str
    close_reason: str


@dataclass(slots=True)
class Rejected:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(slots=True)
class Parsed:
    orders: list[ParsedOrder] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


# ---- bytes → text → rows -------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with BOM, UTF-8, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise RowError(f"not UTF-8 or GBK/GB18030 text (byte {exc.start})") from exc


def unwrap(value: str) -> str:
    """``="2023112012345"`` → ``2023112012345`` (spreadsheet-proof values); trims spaces."""
    if not value or (value[0] not in "= \t" and value[-1] not in " \t"):
        return value  # the usual case: nothing to trim or unwrap
    v = value.strip()
    if not v or v[0] != "=":
        return v
    if v.startswith('="') and v.endswith('"') and len(v) >= 3:
        v = v[2:-1]
    elif v.startswith("=") and len(v) > 1 and v[1:].replace(".", "", 1).isdigit():
        v = v[1:]
    return v.strip()


def rows(text: str, headers: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {field: value}) for every data row; unknown columns are ignored."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        head = next(reader)
    except StopIteration:
        return
    wanted: dict[str, int] = {}  # field → first column carrying it
    for i, h in enumerate(head):
        name = headers.get(h.strip().lstrip("\ufeff"))
        if name and name not in wanted:
            wanted[name] = i
    if "order_no" not in wanted:
        raise RowError("no 订单编号 column in the header")
    picks = list(wanted.items())
    width = max(wanted.values()) + 1
    line = reader.line_num
    for raw in reader:
        start, line = line + 1, reader.line_num
        if not any(raw) or not "".join(raw).strip():
            continue
        if len(raw) < width:
            raw += [""] * (width - len(raw))
        # unwrap() only where a value starts with "=" or has spaces around it (rare): the hot loop
        yield start, {name: unwrap(v) if v and (v[0] in "= \t" or v[-1] in " \t") else v
                      for name, i in picks for v in (raw[i],)}


# ---- single values -------------------------------------------------------------------------
def parse_state(text: str) -> OrderState:
    key = text.strip().replace("，", ",").replace(" ", "")
    try:
        return STATE_NAMES[key]
    except KeyError:
        raise RowError(f"unknown order state {text!r}") from None


@lru_cache(maxsize=8)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def parse_time(text: str, tz: str) -> datetime | None:
    """Backend times are the shop's local time (``tz``); returned aware in UTC; empty → None."""
    t = text.strip()
    if not t or t in ("-", "null"):
        return None
    try:
        value = datetime.fromisoformat(t)  # 2026-11-23 09:40:12, 2026-11-23 09:40, 2026-11-23
    except ValueError:
        value = None
        for fmt in _TIME_FORMATS:
            try:
                value = datetime.strptime(t, fmt)
                break
            except ValueError:
                continue
        if value is None:
            raise RowError(f"unreadable time {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(tz))
    return value.astimezone(UTC)


def parse_amount(text: str, what: str, *, default: Decimal | None = None) -> Decimal:
    if _PLAIN_AMOUNT.match(text):  # the export's usual form, e.g. 137.90
        return Decimal(text)
    if not text.strip() and default is not None:
        return default
    try:
        return parse_money(text)
    except MoneyError:
        raise RowError(f"unparseable amount in {what}: {text!r}") from None


def parse_attributes(text: str) -> tuple[str, str]:
    """``颜色分类：红色;尺码：M`` → ``("红色", "M")``."""
    colour = size = ""
    for part in re.split(r"[;；]", text):
        m = _ATTRIBUTE.match(part)
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
    a = _POSTCODE.sub("", _one_line(text)).strip()
    if not a:
        return "", "", "", ""
    parts = a.split(" ")
    if len(parts) >= 4:
        return parts[0], parts[1], parts[2], " ".join(parts[3:])
    m = _ADDRESS.match(a.replace(" ", ""))
    if not m:
        return "", "", "", a
    province = m.group("province")
    city = m.group("city") or ""
    if not city and province.rstrip("市") in _MUNICIPALITIES:
        city = province.rstrip("市") + "市"
    district = m.group("district") or ""
    return province, city, district, m.group("detail") or ""


# ---- rows → parsed records ----------------------------------------------------------------
def parse_order(line: int, row: dict[str, str], tz: str) -> ParsedOrder:
    no = row.get("order_no", "")
    if not no:
        raise RowError("missing order number (订单编号)")
    buyer = _one_line(row.get("buyer", ""))
    if not buyer:
        raise RowError("missing buyer nick (买家会员名)")
    if not row.get("state"):
        raise RowError("missing order state (订单状态)")
    state = parse_state(row["state"])
    placed = parse_time(row.get("placed_at", ""), tz)
    if placed is None:
        raise RowError("missing order time (订单创建时间)")
    items_total = parse_amount(row.get("items_total", ""), "买家应付货款", default=Decimal("0.00"))
    postage = parse_amount(row.get("postage", ""), "买家应付邮费", default=Decimal("0.00"))
    amount = parse_amount(row.get("amount", ""), "总金额", default=items_total + postage)
    province, city, district, detail = split_address(row.get("address", ""))
    return ParsedOrder(
        line=line, order_no=no, buyer=buyer, state=state, placed_at=placed,
        paid_at=parse_time(row.get("paid_at", ""), tz), shipped_at=parse_time(row.get("shipped_at", ""), tz),
        receiver_name=_one_line(row.get("receiver_name", "")),
        phone=(row.get("phone") or row.get("phone_alt") or "").lstrip("'"),
        province=province, city=city, district=district, address_detail=detail,
        items_total=items_total, postage=postage, amount=amount,
        courier=_one_line(row.get("courier", "")), tracking_no=row.get("tracking_no", "").removeprefix("No:"),
        remark=row.get("remark", ""), buyer_message=row.get("buyer_message", ""),
        close_reason=row.get("close_reason", ""),
    )


def parse_item(line: int, row: dict[str, str]) -> ParsedItem:
    no = row.get("order_no", "")
    if not no:
        raise RowError("missing order number (订单编号)")
    title = _one_line(row.get("title", ""))
    if not title:
        raise RowError("missing item title (标题)")
    price = parse_amount(row.get("unit_price", ""), "价格")
    qty_text = row.get("quantity", "").strip() or "1"
    if not qty_text.isdigit() or int(qty_text) < 1:
        raise RowError(f"unreadable quantity (购买数量): {qty_text!r}")
    colour, size = parse_attributes(row.get("attributes", ""))
    free = row.get("free_postage", "").strip() in ("是", "包邮", "1", "true", "yes", "Y")
    return ParsedItem(line, no, title, colour, size, price, int(qty_text), free)


def parse_export(orders_text: str, orders_name: str, items_text: str | None = None,
                 items_name: str = "", *, tz: str = "Asia/Shanghai",
                 progress: Callable[[int], None] | None = None) -> Parsed:
    """Parse both files; every bad row becomes a :class:`Rejected` (nothing raised per row).

    ``progress(n)`` is called every ``PROGRESS_EVERY`` rows with the rows parsed since."""
    out = Parsed()
    seen: dict[str, int] = {}
    try:
        for count, (line, row) in enumerate(rows(orders_text, ORDER_HEADERS), 1):
            if progress and count % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
            try:
                order = parse_order(line, row, tz)
            except RowError as exc:
                out.rejected.append(Rejected(orders_name, line, str(exc)))
                continue
            if order.order_no in seen:
                out.rejected.append(Rejected(orders_name, line, f"order {order.order_no} repeats line {seen[order.order_no]}"))
                continue
            seen[order.order_no] = line
            out.orders.append(order)
    except RowError as exc:
        out.rejected.append(Rejected(orders_name, 1, str(exc)))
    if items_text is not None:
        try:
            for count, (line, row) in enumerate(rows(items_text, ITEM_HEADERS), 1):
                if progress and count % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY)
                try:
                    out.items.append(parse_item(line, row))
                except RowError as exc:
                    out.rejected.append(Rejected(items_name, line, str(exc)))
        except RowError as exc:
            out.rejected.append(Rejected(items_name, 1, str(exc)))
    return out
