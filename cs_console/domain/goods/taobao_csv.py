"""The 淘宝助理 goods file (宝贝 CSV): decode, recognise the layout, read goods and SKUs.

Line 1 ``version 1.00``; line 2 the English field names (columns are keyed by these); line 3
the Chinese names (mojibake on a non-Chinese Windows: never read); data from line 4.
Tab-separated, ``""``-escaped quotes, HTML descriptions with newlines inside quotes. Written
as UTF-16LE with BOM by 淘宝助理; other tools write UTF-16BE with BOM or GBK.

Every problem is ``FILE:LINE: reason`` (the line where the record starts); one bad row refuses
the file (the caller writes nothing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from cs_console.domain.goods.model import GoodsItem
from cs_console.domain.goods.sku_props import GoodsFormatError, parse_skus

# 淘宝助理 5.5 (57 columns); later versions append columns
BASE_COLUMNS = (
    "title", "cid", "seller_cids", "stuff_status", "location_state", "location_city", "item_type", "price",
    "auction_increment", "num", "valid_thru", "freight_payer", "post_fee", "ems_fee", "express_fee", "has_invoice",
    "has_warranty", "approve_status", "has_showcase", "list_time", "description", "cateProps", "postage_id",
    "has_discount", "modified", "upload_fail_msg", "picture_status", "auction_point", "picture", "video", "skuProps",
    "inputPids", "inputValues", "outer_id", "propAlias", "auto_fill", "num_id", "local_cid", "navigation_type",
    "user_name", "syncStatus", "is_lighting_consigment", "is_xinpin", "foodparame", "features", "buyareatype",
    "global_stock_type", "global_stock_country", "sub_stock_type", "item_size", "item_weight", "sell_promise",
    "custom_design_flag", "wireless_desc", "barcode", "sku_barcode", "newprepay",
)
LAYOUTS: dict[int, tuple[str, tuple[str, ...]]] = {
    57: ("淘宝助理 5.5", BASE_COLUMNS),
    58: ("淘宝助理 5.6", BASE_COLUMNS + ("subtitle",)),
    60: ("淘宝助理 2015", BASE_COLUMNS + ("subtitle", "cpv_memo", "input_custom_cpv")),
    63: ("淘宝助理 2016", BASE_COLUMNS + ("subtitle", "cpv_memo", "input_custom_cpv", "qualification",
                                       "add_qualification", "o2o_bind_service")),
    67: ("淘宝助理 2018", BASE_COLUMNS + ("subtitle", "cpv_memo", "input_custom_cpv", "qualification",
                                       "add_qualification", "o2o_bind_service", "tmall_extend", "product_combine",
                                       "tmall_item_prop_combine", "taoschema_extend")),
}
REQUIRED = ("title", "price", "num", "outer_id", "num_id", "skuProps")
MAX_WEIGHT_KG = Decimal("1000")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class GoodsFile:
    """What one file held: its layout, encoding, the goods (with their lines), problems."""

    encoding: str
    layout: str
    columns: int
    goods: list[tuple[int, GoodsItem]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stock_mismatches: list[tuple[int, GoodsItem]] = field(default_factory=list)


class GoodsFileError(ValueError):
    """The file cannot be read at all (wrong format, not text); ``problems`` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-16LE/BE by BOM, UTF-8 (BOM optional), else GBK (GB18030)."""
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "UTF-16LE"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be"), "UTF-16BE"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GBK"


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its fields); quoted cells may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"', doublequote=True, strict=True)
    start = 1
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _RecordError(start, f"CSV 格式错误：{exc}（引号未闭合？）") from None
        yield start, row
        start = reader.line_num + 1


class _RecordError(Exception):
    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason


def _decimal(text: str, column: str, places: int) -> Decimal | None:
    t = text.strip()
    if not t:
        return None
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise GoodsFormatError(f"{column}: 不是数字 {text!r}") from None
    if not value.is_finite() or value < 0:
        raise GoodsFormatError(f"{column}: 数字无效 {text!r}")
    q = Decimal(1).scaleb(-places)
    if value != value.quantize(q):
        raise GoodsFormatError(f"{column}: 最多 {places} 位小数 {text!r}")
    return value.quantize(q)


def parse_volume(text: str) -> Decimal | None:
    """``bulk:0.001200`` (m³) or ``weight:30;breadth:20;height:10`` (length × breadth × height, cm)."""
    t = text.strip().rstrip(";")
    if not t:
        return None
    parts = dict(p.split(":", 1) for p in t.split(";") if ":" in p)
    if "bulk" in parts:
        value = _decimal(parts["bulk"], "item_size", 6)
        return None if not value else value
    if {"weight", "breadth", "height"} <= parts.keys():
        dims = [_decimal(parts[k], "item_size", 2) or Decimal(0) for k in ("weight", "breadth", "height")]
        value = (dims[0] * dims[1] * dims[2] / Decimal(1_000_000)).quantize(Decimal("0.000001"))
        return value or None
    raise GoodsFormatError(f"item_size: 看不懂 {text!r}（应为 bulk:体积 或 weight:长;breadth:宽;height:高）")


def _row(cells: dict[str, str]) -> GoodsItem:
    title = cells["title"].strip()
    if not title:
        raise GoodsFormatError("title: 宝贝名称为空")
    price = _decimal(cells["price"], "price", 2)
    if price is None:
        raise GoodsFormatError("price: 宝贝价格为空")
    num = cells["num"].strip()
    if not num.isdigit():
        raise GoodsFormatError(f"num: 宝贝数量须为非负整数 {cells['num']!r}")
    item_id = cells["num_id"].strip()
    if item_id and not item_id.isdigit():
        raise GoodsFormatError(f"num_id: 数字ID 须为数字 {item_id!r}")
    item_id = "" if not item_id or int(item_id) == 0 else item_id
    code = cells["outer_id"].strip()
    if not item_id and not code:
        raise GoodsFormatError("num_id/outer_id: 既没有数字ID也没有商家编码，无法识别这件宝贝")
    weight = _decimal(cells.get("item_weight", ""), "item_weight", 3)
    if weight is not None and weight > MAX_WEIGHT_KG:
        raise GoodsFormatError(f"item_weight: 重量超过 {MAX_WEIGHT_KG} kg {cells['item_weight']!r}")
    template = cells.get("postage_id", "").strip()
    if template and not template.isdigit():
        raise GoodsFormatError(f"postage_id: 邮费模版ID 须为数字 {template!r}")
    skus = parse_skus(cells["skuProps"], cells.get("propAlias", ""), cells.get("input_custom_cpv", ""),
                      cells.get("sku_barcode", ""))
    return GoodsItem(title=title, price=price, stock=int(num), item_id=item_id, merchant_code=code,
                     weight_kg=weight or None, volume_m3=parse_volume(cells.get("item_size", "")),
                     freight_template="" if not template or int(template) == 0 else template, skus=skus)


def parse_goods_file(data: bytes, name: str) -> GoodsFile:
    """Read the whole file; raises :class:`GoodsFileError` when its header is not 淘宝助理's.

    Bad rows are collected in ``problems`` (all of them, so the user fixes the file once)."""
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise GoodsFileError([Problem(name, 1, "不是文本文件（无法按 UTF-16/UTF-8/GBK 解码）")]) from None
    records = _records(text)
    try:
        first = next(records, None)
        if first is None or "".join(first[1]).strip().lower() != "version 1.00":
            raise GoodsFileError([Problem(name, 1, "第一行应为 version 1.00（淘宝助理导出的宝贝 CSV）")])
        second = next(records, None)
        if second is None:
            raise GoodsFileError([Problem(name, 2, "缺少英文字段名行")])
        line2, header = second
        names = [h.strip() for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise GoodsFileError([Problem(name, line2, f"缺少字段 {', '.join(missing)}（第2行应为英文字段名）")])
        layout = LAYOUTS.get(len(names))
        label = layout[0] if layout and list(layout[1]) == names else f"{len(names)} 列（未知版本，按字段名读取）"
        out = GoodsFile(encoding=encoding, layout=label, columns=len(names))
        next(records, None)  # line 3: Chinese names, possibly mojibake — never read
        index = {n: i for i, n in enumerate(names)}
        seen: dict[str, int] = {}
        for line, row in records:
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(names):
                out.problems.append(Problem(name, line, f"有 {len(row)} 个字段，应为 {len(names)} 个（引号未闭合或分隔符不是 Tab？）"))
                continue
            cells = {n: row[i] for n, i in index.items()}
            try:
                item = _row(cells)
            except GoodsFormatError as exc:
                out.problems.append(Problem(name, line, str(exc)))
                continue
            if item.key in seen:
                out.problems.append(Problem(name, line, f"与第 {seen[item.key]} 行是同一件宝贝（{item.key}）"))
                continue
            seen[item.key] = line
            out.goods.append((line, item))
            if not item.stock_adds_up:
                out.stock_mismatches.append((line, item))
    except _RecordError as exc:
        raise GoodsFileError([Problem(name, exc.line, exc.reason)]) from None
    return out
