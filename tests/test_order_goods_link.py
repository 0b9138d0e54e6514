"""Order lines link to the goods catalogue by the 宝贝报表's 商家编码 (a SKU's, else the goods'),
then 商品id, and only then by title; the calculator prices an order whose lines use different
freight templates template by template, then adds them up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.export_fixtures import (
    ITEMS10,
    ITEMS27,
    ITEMS28,
    L41,
    L61,
    Line,
    Ord,
    items_csv,
    items_xlsx,
    orders_csv,
)
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file

# a second freight template (data/freight.yaml 21003 按件计费: 首件 ¥10, 续件 ¥3)
COAT = {"title": "儿童棉服外套 加厚", "price": "129.00", "num": "6", "outer_id": "MF-88", "num_id": "655123459999",
        "postage_id": "21003", "item_weight": "0.800", "item_size": "bulk:0.012000",
        "skuProps": "129.00:6:MF-88-R-110:1627207:28326;20509:-1001;",
        "input_custom_cpv": "20509:-1001:110cm;"}
# the backend keeps the title as it was when the buyer ordered: it no longer matches the catalogue
OLD_TITLE = "双胞胎连体衣 纯棉哈衣 2025秋款"


@pytest.fixture
def goods(desk, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT, COAT]))
    desk.goods.import_file(path)
    return desk.goods


def _lines(desk, order_no):
    return desk.orders.show(order_no).items


@pytest.mark.parametrize("items_header", [ITEMS28, ITEMS27], ids=["2020s 28 columns", "2023+ 27 columns"])
def test_lines_link_by_the_skus_merchant_code(desk, goods, tmp_path, items_header):
    """2020s files: 主订单编号 links the line to its order, 商家编码 is the SKU's, 商品id the goods'."""
    main = "3515313147329357911"
    orders = orders_csv(tmp_path / "ExportOrderList202611231000.csv", L61, [Ord(main, main_no=main, goods="187.90",
                                                                            post="0.00", total="187.90")])
    # the buyer's 商品属性 says 雾霾蓝 (an alias of the time): only the SKU code says which SKU it is
    items = items_csv(tmp_path / "ExportOrderDetailList202611231000.csv", items_header, [
        Line(main, title=OLD_TITLE, price="79.00", qty="2", attributes="颜色分类：雾霾蓝;尺码：90", sub_no=main + "01",
             code="LTY-BL-90", item_id="655123456789"),
        Line(main, title="宝宝袜子,三双装", price="19.90", attributes="颜色分类：黑色;尺码：M", sub_no=main + "02",
             code="WZ-03-BK-M", item_id="655123450001"),
        Line(main, title="新生儿帽子 均码", price="9.00", attributes="", sub_no=main + "03", code="", item_id=""),
    ])
    summary = desk.orders.import_files(orders, items)
    assert (summary.imported, summary.items, summary.rejected_count) == (1, 3, 0)
    lines = _lines(desk, main)
    assert [(i.merchant_code, i.item_id) for i in lines] == [("LTY-BL-90", "655123456789"),
                                                             ("WZ-03-BK-M", "655123450001"), ("", "")]
    romper, socks, hat = (goods.link(i) for i in lines)
    assert (romper.goods.title, romper.sku.label, romper.via) == ("双胞胎款连体衣 纯棉哈衣", "蓝色 90cm", "sku_code")
    assert (socks.sku.merchant_code, socks.via) == ("WZ-03-BK-M", "sku_code")
    assert (hat.goods.merchant_code, hat.sku, hat.via) == ("MZ-01", None, "title")  # no code: the title
    # the order panel's hint marks the ordered SKU of the catalogue (蓝色 90cm, out of stock)
    assert goods.stock_hint(lines[0]) == "同款蓝色：80cm 10 · 90cm 缺货← · 100cm 3"


def test_classic_item_file_links_by_the_goods_merchant_code_and_properties(desk, goods, tmp_path):
    """2014–2019 宝贝报表 (10 columns, a trailing comma): the goods' 商家编码; the SKU from 商品属性."""
    no = "35153131473293579"
    orders = orders_csv(tmp_path / "ExportOrderList201911111200.csv", L41, [Ord(no, goods="39.80", total="45.80")])
    items = items_csv(tmp_path / "ExportOrderDetailList201911111200.csv", ITEMS10, [
        Line(no, title="袜子 三双装（旧标题）", price="19.90", qty="2", attributes="颜色分类：白色;尺码：L", code="WZ-03")])
    desk.orders.import_files(orders, items)
    (line,) = _lines(desk, no)
    link = goods.link(line)
    assert (line.merchant_code, link.goods.title, link.via) == ("WZ-03", "宝宝袜子三双装", "goods_code")
    assert (link.sku.merchant_code, link.sku.stock) == ("WZ-03-WH-L", 16)


def test_merchant_code_beats_a_title_that_names_other_goods(desk, goods, tmp_path):
    """A code is the seller's own identity of the goods: a misleading title does not win."""
    no = "3515313147329357922"
    orders = orders_csv(tmp_path / "o.csv", L61, [Ord(no, main_no=no, goods="129.00", total="135.00")])
    items = items_xlsx(tmp_path / "i.xlsx", ITEMS27, [
        Line(no, title="宝宝袜子三双装", price="129.00", attributes="", sub_no=no + "01", code="MF-88-R-110")])
    desk.orders.import_files(orders, items)
    link = goods.link(_lines(desk, no)[0])
    assert (link.goods.title, link.sku.size, link.via) == ("儿童棉服外套 加厚", "110cm", "sku_code")


def test_an_order_with_two_freight_templates_sums_each_templates_fee(desk, goods, tmp_path):
    """Taobao computes each freight template on its own items, then adds them (the platform's rule;
    FORMATS.md and DOMAIN.md say nothing else): 2 × 连体衣 0.3 kg by weight (21001 童装小件, 四川:
    default row, 0.6 kg ≤ first kg → ¥8) + 1 × 棉服 by piece (21003 按件计费, first piece → ¥10)
    = ¥18 with the partner courier."""
    main = "3515313147329357933"
    buyer = "tb_双胞胎妈妈"
    orders = orders_csv(tmp_path / "o.csv", L61, [Ord(main, buyer=buyer, main_no=main, goods="287.00", post="0.00",
                                                      total="287.00", address="四川省 成都市 武侯区 人民南路4段(610041)",
                                                      state="等待买家付款", paid="", courier="")])
    items = items_csv(tmp_path / "i.csv", ITEMS28, [
        Line(main, title=OLD_TITLE, price="79.00", qty="2", attributes="颜色分类：蓝色;尺码：80cm", sub_no=main + "01",
             code="LTY-BL-80", item_id="655123456789"),
        Line(main, title="棉服", price="129.00", attributes="颜色分类：红色;尺码：110cm", sub_no=main + "02",
             code="MF-88-R-110", item_id="655123459999"),
    ])
    desk.orders.import_files(orders, items)
    ctx = desk.postage.order_context(buyer)
    assert ctx is not None and [(i.template, i.weight_kg) for i in ctx.items] == [("21001", Decimal("0.300")),
                                                                                   ("21003", Decimal("0.800"))]
    from cs_console.domain.postage import QuoteRequest

    q = desk.postage.quote(QuoteRequest(items=ctx.items, courier="sto", province=ctx.province))
    fees = [(ln.rule, ln.amount) for ln in q.postage_lines if ln.rule == "template_fee"]
    assert fees == [("template_fee", Decimal("8.00")), ("template_fee", Decimal("10.00"))]
    assert "several_templates" in [ln.rule for ln in q.postage_lines]
    assert (q.items_total, q.postage, q.total) == (Decimal("287.00"), Decimal("18.00"), Decimal("305.00"))


def test_a_store_made_before_the_link_columns_gets_them(tmp_path, clock):
    """An older store's order_items has no merchant_code/item_id: opening it adds them (existing
    lines keep ""), and an import then fills them."""
    import sqlite3

    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    db = tmp_path / "old.db"
    make_desk(str(db), policy=load_policy(), clock=clock).close()
    with sqlite3.connect(db) as conn:  # what a store of the previous version looks like
        conn.execute("ALTER TABLE order_items DROP COLUMN merchant_code")
        conn.execute("ALTER TABLE order_items DROP COLUMN item_id")
        conn.execute("DELETE FROM meta WHERE key IN ('schema_fingerprint', 'schema_source')")
        assert "merchant_code" not in [r[1] for r in conn.execute("PRAGMA table_info(order_items)")]
    desk = make_desk(str(db), policy=load_policy(), clock=clock)
    try:
        no = "3515313147329357944"
        desk.orders.import_files(orders_csv(tmp_path / "o.csv", L61, [Ord(no, main_no=no)]),
                                 items_csv(tmp_path / "i.csv", ITEMS28, [Line(no, sub_no=no + "01", code="WZ-03-BK-S",
                                                                              item_id="655123450001")]))
        assert [(i.merchant_code, i.item_id) for i in _lines(desk, no)] == [("WZ-03-BK-S", "655123450001")]
    finally:
        desk.close()
