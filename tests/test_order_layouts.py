"""Every 订单报表 / 宝贝报表 layout of FORMATS.md, CSV and xlsx, imports by column name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cs_console.domain.order_columns import resolve
from cs_console.domain.orders import OrderState
from cs_console.services.orders import ImportRejected
from tests.export_fixtures import (
    ERP,
    ITEMS10,
    ITEMS27,
    ITEMS28,
    L61,
    ORDER_LAYOUTS,
    Line,
    Ord,
    items_csv,
    items_xlsx,
    orders_csv,
    orders_xlsx,
)

NO16, NO18, NO19 = "3515313147329357", "183515313147329357", "3515313147329357912"


def three_orders() -> list[Ord]:
    return [Ord(NO16, state="等待买家付款", paid=""),
            Ord(NO18, state="卖家已发货，等待买家确认", tracking="773011223344", courier="中通快递",
              address="广东省 深圳市 其它区 科技园1栋(000000)"),
            Ord(NO19, state="交易关闭", close="买家不想买了", buyer="妈咪宝贝_2019")]


@pytest.mark.parametrize("layout", list(ORDER_LAYOUTS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_order_layout(desk, tmp_path, layout, fmt):
    header = ORDER_LAYOUTS[layout]
    path = tmp_path / f"ExportOrderList201911110000.{fmt}"
    (orders_csv if fmt == "csv" else orders_xlsx)(path, header, three_orders())
    summary = desk.orders.import_files(path)
    assert (summary.imported, summary.updated, summary.rejected) == (3, 0, [])
    assert summary.layout[str(path)] == f"订单报表 {len(header)} 列"
    assert summary.encoding[str(path)] == ("gb18030" if fmt == "csv" else "xlsx")
    assert summary.ignored_columns == {}  # every name of every era is known
    a, b, c = (desk.orders.show(n) for n in (NO16, NO18, NO19))
    assert (a.order_no, b.order_no, c.order_no) == (NO16, NO18, NO19)  # 16–19 digits kept as strings
    assert (a.state, a.paid_at, a.close_reason) == (OrderState.WAIT_BUYER_PAY, None, "")  # 订单未关闭 = none
    assert (a.receiver_name, a.phone) == ("王小丽", "13912345678")  # ERP's 收货人; ' before the phone dropped
    assert (a.province, a.city, a.district, a.address_detail) == ("浙江省", "杭州市", "西湖区", "文三路90号")
    assert (a.items_total, a.postage, a.amount) == (Decimal("129.00"), Decimal("6.00"), Decimal("135.00"))
    assert (b.state, b.tracking_no, b.courier, b.district) == (OrderState.SHIPPED, "773011223344", "中通快递", "其它区")
    assert (c.state, c.close_reason, c.buyer) == (OrderState.CLOSED, "买家不想买了", "妈咪宝贝_2019")
    assert a.placed_at.hour == 16  # 00:01 Shanghai = 16:01 UTC the day before


@pytest.mark.parametrize(("header", "fmt", "linked_by"), [
    (ITEMS10, "csv", "订单编号"), (ITEMS28, "csv", "主订单编号"), (ITEMS27, "xlsx", "主订单编号"),
    (ITEMS28, "xlsx", "主订单编号"), (ITEMS27, "csv", "主订单编号"),
])
def test_every_item_layout(desk, tmp_path, header, fmt, linked_by):
    orders = orders_csv(tmp_path / "orders.csv", L61, three_orders())
    items = [Line(NO19, title="婴儿连体衣,纯棉", price="59.00", qty="2", sub_no="4000000000000000001"),
             Line(NO19, sub_no="4000000000000000002", attributes="颜色分类：混色;尺码：S"),
             Line(NO16, title="公主裙", price="129.00", sub_no="4000000000000000003", attributes="颜色分类：红色;尺码：110cm")]
    path = tmp_path / f"ExportOrderDetailList201911110000.{fmt}"
    (items_csv if fmt == "csv" else items_xlsx)(path, header, items)
    assert resolve(header).picks["order_no"] == header.index(linked_by)
    summary = desk.orders.import_files(orders, path)
    assert (summary.imported, summary.items, summary.rejected) == (3, 3, [])
    assert summary.layout[str(path)] == f"宝贝报表 {len(header)} 列"
    lines = [(i.line_no, i.title, i.colour, i.size, i.unit_price, i.quantity) for i in desk.orders.show(NO19).items]
    assert lines == [(1, "婴儿连体衣,纯棉", "粉色", "73cm", Decimal("59.00"), 2),
                     (2, "宝宝袜子,三双装", "混色", "S", Decimal("19.90"), 1)]
    assert [i.title for i in desk.orders.show(NO16).items] == ["公主裙"]
    again = desk.orders.import_files(orders, path)  # idempotent: same lines, no audit rows
    assert (again.imported, again.updated) == (0, 3)
    assert len(desk.orders.show(NO19).items) == 2 and desk.orders.audit(NO19) == []


def test_utf8_bom_export_and_unknown_columns_listed_once(desk, tmp_path):
    header = ERP + ["自定义列", "自定义列", "旺旺备注"]
    path = orders_csv(tmp_path / "o.csv", header, three_orders(), encoding="utf-8-sig")
    summary = desk.orders.import_files(path)
    assert summary.imported == 3 and summary.encoding[str(path)] == "utf-8-sig"
    assert summary.ignored_columns == {str(path): ["自定义列", "旺旺备注"]}


@pytest.mark.parametrize(("drop", "named"), [("订单编号", "订单编号"), ("订单状态", "订单状态"),
                                             ("订单创建时间", "订单创建时间"), ("买家会员名", "买家会员名")])
def test_missing_required_column_is_named(desk, tmp_path, drop, named):
    header = [h for h in L61 if h.strip() != drop]
    path = orders_csv(tmp_path / "o.csv", header, three_orders())
    with pytest.raises(ImportRejected) as exc:
        desk.orders.import_files(path)
    assert [str(r) for r in exc.value.rejected] == [f"{path}:1: 缺少必需的列：{named}"]
    assert desk.orders.list() == []


def test_files_given_the_wrong_way_round(desk, tmp_path):
    orders = orders_csv(tmp_path / "o.csv", L61, three_orders())
    items = items_csv(tmp_path / "i.csv", ITEMS28, [Line(NO16, sub_no="1")])
    with pytest.raises(ImportRejected, match="这是宝贝报表"):
        desk.orders.import_files(items, orders)
    assert desk.orders.list() == []


def test_linked_items_of_an_order_already_in_the_store(desk, tmp_path):
    orders = orders_csv(tmp_path / "o.csv", L61, three_orders())
    desk.orders.import_files(orders)
    only_items = items_csv(tmp_path / "i.csv", ITEMS28, [Line(NO18, sub_no="9")])
    summary = desk.orders.import_files(orders, only_items)
    assert summary.items == 1 and [i.title for i in desk.orders.show(NO18).items] == ["宝宝袜子,三双装"]


def test_xlsx_dashes_are_empty(desk, tmp_path):
    path = orders_xlsx(tmp_path / "o.xlsx", L61, [Ord(NO19, paid="", tracking="", remark="")])
    desk.orders.import_files(path)
    o = desk.orders.show(NO19)
    assert (o.paid_at, o.tracking_no, o.remark) == (None, "", "")


def test_header_names_match_after_stripping(tmp_path):
    h = resolve(["订单编号", "收货地址 ", " 联系电话 ", "订单付款时间 ", "\ufeff物流单号 "])
    assert set(h.picks) == {"order_no", "address", "phone_alt", "paid_at", "tracking_no"}
