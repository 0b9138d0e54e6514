"""The backend export importer: encodings, headers, ="…", long states, bad rows, re-import."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from cs_console.domain import order_import
from cs_console.domain.order_import import parse_attributes, parse_state, split_address, unwrap
from cs_console.domain.orders import OrderState
from cs_console.services.orders import ImportRejected
from tests.signin import sign_in

ORDERS_HEAD = "订单编号,买家会员名,收货人姓名,联系手机,收货地址,订单状态,买家应付货款,买家应付邮费,总金额,订单创建时间,订单付款时间,物流公司,物流单号,订单备注,不认识的列\n"
ITEMS_HEAD = "订单编号,标题,价格,购买数量,商品属性,外部系统编号\n"


def order_row(no="1001", buyer="小王", state="等待买家付款", goods="118.00", post="0.00", total="118.00",
              remark="", when="2026-11-23 09:40:12") -> str:
    return (f'="{no}",{buyer},王小丽,="13812345678",浙江省 杭州市 西湖区 文三路90号 (310000),"{state}",'
            f"{goods},{post},{total},{when},,,,{remark},whatever\n")


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def files(tmp_path: Path):
    orders = write(tmp_path / "orders.csv", ORDERS_HEAD + order_row()
                   + order_row("1002", "tb_88213", "买家已付款，等待卖家发货", "129.00", "6.00", "135.00"), "gbk")
    items = write(tmp_path / "items.csv", ITEMS_HEAD + '="1001",婴儿连体衣,59.00,2,颜色分类：粉色;尺码：73cm,X1\n'
                  '="1002",公主裙,129.00,1,颜色分类：红色;尺码：110cm,\n', "utf-8-sig")
    return orders, items


def test_gbk_orders_and_bom_items(desk, files):
    summary = desk.orders.import_files(*files)
    assert (summary.imported, summary.updated, summary.rejected) == (2, 0, [])
    assert summary.encoding == {str(files[0]): "gb18030", str(files[1]): "utf-8-sig"}
    o = desk.orders.show("1001")
    assert (o.buyer, o.state, o.receiver_name, o.phone) == ("小王", OrderState.WAIT_BUYER_PAY, "王小丽", "13812345678")
    assert (o.province, o.city, o.district, o.address_detail) == ("浙江省", "杭州市", "西湖区", "文三路90号")
    assert o.amount == Decimal("118.00") and o.placed_at.hour == 1  # 09:40 Shanghai = 01:40 UTC
    assert [(i.title, i.colour, i.size, i.unit_price, i.quantity) for i in o.items] == [
        ("婴儿连体衣", "粉色", "73cm", Decimal("59.00"), 2)]
    assert desk.orders.show("1002").state == OrderState.PAID


def test_plain_utf8_without_items(desk, tmp_path):
    f = write(tmp_path / "o.csv", ORDERS_HEAD + order_row(), "utf-8")
    assert desk.orders.import_files(f).imported == 1


def test_bad_rows_reject_everything(desk, tmp_path):
    f = write(tmp_path / "o.csv", ORDERS_HEAD + order_row() + order_row(no="")
              + order_row("1003", goods="12.3.x") + order_row("1004", state="已发货到火星"), "gbk")
    with pytest.raises(ImportRejected) as exc:
        desk.orders.import_files(f)
    assert [str(r) for r in exc.value.rejected] == [
        f"{f}:3: 缺少订单编号",
        f"{f}:4: 买家应付货款不是有效金额：「12.3.x」",
        f"{f}:5: 未知的订单状态「已发货到火星」",
    ]
    assert desk.orders.list() == []


def test_skip_bad_imports_good_rows(desk, tmp_path):
    f = write(tmp_path / "o.csv", ORDERS_HEAD + order_row() + order_row("1003", total="abc"), "utf-8")
    items = write(tmp_path / "i.csv", ITEMS_HEAD + '="1003",x,1,1,,\n="9999",y,1,1,,\n', "utf-8")
    summary = desk.orders.import_files(f, items, skip_bad=True)
    assert summary.imported == 1
    assert summary.as_dict()["rejected"] == [
        {"file": str(f), "line": 3, "reason": "总金额不是有效金额：「abc」"},
        {"file": str(items), "line": 2, "reason": "订单 1003 既不在订单报表里，也不在存储里"},
        {"file": str(items), "line": 3, "reason": "订单 9999 既不在订单报表里，也不在存储里"},
    ]
    assert [o.order_no for o in desk.orders.list()] == ["1001"]


def test_reimport_updates_without_duplicates_and_keeps_local_flag(desk, files, tmp_path):
    desk.orders.import_files(*files)
    desk.orders.flag("1002", "red", "发顺丰", sign_in(desk, "小美"))
    orders = write(tmp_path / "orders2.csv", ORDERS_HEAD + order_row(remark="后台备注")
                   + order_row("1002", "tb_88213", "卖家已发货，等待买家确认", "129.00", "6.00", "135.00",
                               remark="后台备注"), "gbk")
    summary = desk.orders.import_files(orders, files[1])
    assert (summary.imported, summary.updated) == (0, 2)
    paid = desk.orders.show("1002")
    assert paid.state == OrderState.SHIPPED
    assert (paid.flag, paid.remark) == ("red", "发顺丰")  # local flag/remark not overwritten
    assert desk.orders.show("1001").remark == "后台备注"  # untouched locally → takes the export's
    assert len(desk.orders.show("1001").items) == 1
    assert [(a.field, a.old, a.new, a.agent) for a in desk.orders.audit("1002")][-1] == (
        "state", "PAID", "SHIPPED", "导入")


def test_line_numbers_count_multiline_fields(desk, tmp_path):
    f = write(tmp_path / "o.csv", ORDERS_HEAD + order_row(remark='"两行\n备注"') + order_row(no=""), "utf-8")
    with pytest.raises(ImportRejected) as exc:
        desk.orders.import_files(f)
    assert exc.value.rejected[0].line == 4


def test_missing_order_number_column(desk, tmp_path):
    f = write(tmp_path / "o.csv", "买家会员名\n小王\n", "utf-8")
    with pytest.raises(ImportRejected, match="缺少必需的列：订单编号、订单状态、订单创建时间"):
        desk.orders.import_files(f)


@pytest.mark.parametrize(("raw", "value"), [('="2023112012345"', "2023112012345"), (" 12 ", "12"), ("=12", "12"),
                                            ('="', '="'), ("abc", "abc")])
def test_unwrap(raw, value):
    assert unwrap(raw) == value


@pytest.mark.parametrize(("text", "state"), [
    ("等待买家付款", OrderState.WAIT_BUYER_PAY), ("买家已付款，等待卖家发货", OrderState.PAID),
    ("买家已付款,等待卖家发货", OrderState.PAID), ("卖家已发货，等待买家确认", OrderState.SHIPPED),
    ("交易成功", OrderState.SUCCESS), ("交易关闭", OrderState.CLOSED),
])
def test_long_state_names(text, state):
    assert parse_state(text) == state


@pytest.mark.parametrize(("text", "parts"), [
    ("颜色分类：红色;尺码：M", ("红色", "M")), ("尺码:73cm；颜色分类:粉色", ("粉色", "73cm")),
    ("颜色分类：混色", ("混色", "")), ("", ("", "")), ("套餐一", ("", "")),
])
def test_attributes(text, parts):
    assert parse_attributes(text) == parts


@pytest.mark.parametrize(("text", "parts"), [
    ("浙江省 杭州市 西湖区 文三路 90号 (310000)", ("浙江省", "杭州市", "西湖区", "文三路 90号")),
    ("北京市朝阳区望京街道10号", ("北京市", "北京市", "朝阳区", "望京街道10号")),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放北路5号", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路5号")),
    ("江苏省苏州市昆山市前进中路1号", ("江苏省", "苏州市", "昆山市", "前进中路1号")),
    ("上海 上海市 浦东新区 世纪大道100号 200120", ("上海", "上海市", "浦东新区", "世纪大道100号")),
    ("某个地方", ("", "", "", "某个地方")),
])
def test_split_address(text, parts):
    assert split_address(text) == parts


# ``$`` also matches just before a final newline: every pattern of the importer is anchored at
# the very end of the text, so a trailing newline is either whitespace the rule strips on
# purpose or part of what it refuses, never silently cut off
@pytest.mark.parametrize(("parse", "text", "expected"), [
    (split_address, "浙江省 杭州市 西湖区 文三路90号 (310000)\n", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    (split_address, "浙江省 杭州市 西湖区 文三路90号 310000\n", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    (split_address, "浙江省 杭州市 西湖区 文三路90号 310000\n2号楼", ("浙江省", "杭州市", "西湖区", "文三路90号 310000 2号楼")),
    (split_address, "浙江省杭州市西湖区文三路90号\n", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    (parse_attributes, "颜色分类：红色\n;尺码：M\n", ("红色", "M")),
    (parse_attributes, "颜色分类：红\n色;尺码：M", ("", "M")),
])
def test_trailing_newline_is_never_cut_off_silently(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(("pattern", "text"), [
    ("_POSTCODE", "310000\n广场"), ("_POSTCODE", "(310000)\n1"), ("_ATTRIBUTE", "颜色:红\n"),
    ("_ADDRESS", "浙江省杭州市西湖区文三路\n"),
])
def test_patterns_end_at_the_end_of_the_text(pattern, text):
    compiled = getattr(order_import, pattern)
    assert compiled.fullmatch(text) is None and compiled.search(text) is None
    assert not [name for name, value in vars(order_import).items()
                if isinstance(value, re.Pattern) and "$" in value.pattern]


def test_demo_files_import(desk):
    from cs_console.config.locations import data_dir

    folder = data_dir() / "demo"
    summary = desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    assert summary.rejected == [] and summary.imported >= 10
    assert {o.state for o in desk.orders.list()} == set(OrderState)


def test_bulk_rows_stored_exactly_as_the_orm_stores_them(desk, files):
    """store/bulk.py encodes money/time itself on SQLite: it must match the column types."""
    from sqlalchemy import text

    from cs_console.store.tables import Order

    desk.orders.import_files(*files)
    imported = desk.orders.show("1001")
    with desk.store.write() as s:
        buyer_id = s.exec(text("SELECT buyer_id FROM orders WHERE order_no = '1001'")).one()[0]
        s.add(Order(order_no="orm", buyer_id=buyer_id, placed_at=imported.placed_at, state="PAID",
                    items_total=imported.items_total, postage=imported.postage, amount=imported.amount))
    with desk.store.read() as s:
        rows = s.exec(text("SELECT placed_at, items_total, amount FROM orders WHERE order_no IN ('1001', 'orm')")).all()
    assert rows[0] == rows[1] and rows[0][1] == 11800


def test_reimport_over_a_local_postage_change_is_audited(desk, files, tmp_path):
    """The backend is the source of truth for amounts; putting its figure back is on the trail."""
    desk.orders.import_files(*files)
    desk.orders.set_postage("1001", "8", "顺丰补差", sign_in(desk, "小美"))
    desk.orders.import_files(*files)  # the export still says postage 0.00, total 118.00
    o = desk.orders.show("1001")
    assert (o.postage, o.amount) == (Decimal("0.00"), Decimal("118.00"))
    trail = [(a.field, a.old, a.new, a.agent) for a in desk.orders.audit("1001")]
    assert ("postage", "8.00", "0.00", "导入") in trail and ("amount", "126.00", "118.00", "导入") in trail
    desk.orders.import_files(*files)  # nothing changed: no new rows
    assert len(desk.orders.audit("1001")) == len(trail)


def test_import_settings_stay_on_the_importing_connection(desk, files):
    """The import's big page cache and skipped checkpoints are its own: the store's other
    connections keep SQLite's defaults (each TUI would otherwise hold 64 MB of cache)."""
    with desk.store.engine.connect() as conn:
        defaults = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "wal_autocheckpoint")]
    desk.orders.import_files(*files)
    connections = [desk.store.engine.connect() for _ in range(3)]  # the pool's, and new ones
    try:
        for conn in connections:
            assert [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "wal_autocheckpoint")] \
                == defaults
    finally:
        for conn in connections:
            conn.close()


@pytest.mark.parametrize(("text", "utc"), [
    ("2026-10-01 10:59:59", "2026-10-01 02:59:59"), ("2026-10-01 10:60:00", None), ("2026-10-01 10:00:5x", None),
    ("2026-10-01 10:00:00:00", None), ("2026-10-01 10:0", None), ("2026-10-01 10:00", "2026-10-01 02:00:00"),
    ("2026-10-01T10:00:00+08:00", "2026-10-01 02:00:00"), ("2026/10/01 10:00:00", "2026-10-01 02:00:00"),
])
def test_times_of_a_known_hour_are_still_checked_whole(text, utc):
    times = order_import.LocalTimes("Asia/Shanghai")
    assert times("2026-10-01 10:00:00") == "2026-10-01 02:00:00"  # the hour is known from here on
    if utc is None:
        with pytest.raises(order_import.RowError):
            times(text)
    else:
        assert times(text) == utc
