"""The 淘宝助理 goods file: every column version and encoding of FORMATS.md, SKUs, problems."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cs_console.cli import app as cli_app
from cs_console.domain.goods.sku_props import GoodsFormatError, parse_skus
from cs_console.domain.goods.taobao_csv import parse_goods_file, parse_volume
from cs_console.services.goods import GoodsImportRejected
from cs_console.store import goods as repo
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file

LAYOUTS = [(57, "淘宝助理 5.5"), (58, "淘宝助理 5.6"), (60, "淘宝助理 2015"), (63, "淘宝助理 2016"), (67, "淘宝助理 2018")]
ENCODINGS = [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("gbk", "GBK")]


@pytest.mark.parametrize(("columns", "layout"), LAYOUTS)
@pytest.mark.parametrize(("encoding", "label"), ENCODINGS)
def test_every_layout_and_encoding(columns, layout, encoding, label):
    data = goods_file([ROMPER, SOCKS, HAT], columns, encoding, mojibake_line3=encoding != "gbk")
    f = parse_goods_file(data, "goods.csv")
    assert (f.encoding, f.layout, f.columns, f.problems) == (label, layout, columns, [])
    assert [line for line, _ in f.goods] == [4, 6, 8]  # the descriptions span two lines
    romper = f.goods[0][1]
    assert (romper.title, romper.item_id, romper.merchant_code, romper.price, romper.stock) == (
        "双胞胎款连体衣 纯棉哈衣", "655123456789", "LTY-2026.1", Decimal("79.00"), 25)
    assert (romper.weight_kg, romper.volume_m3, romper.freight_template) == (Decimal("0.300"), Decimal("0.003000"), "21001")
    assert [(s.colour, s.size, s.price, s.stock, s.merchant_code, s.barcode) for s in romper.skus] == [
        ("蓝色", "80cm", Decimal("79.00"), 10, "LTY-BL-80", "6901000000011"),
        ("蓝色", "90cm", Decimal("79.00"), 0, "LTY-BL-90", "6901000000028"),
        ("蓝色", "100cm", Decimal("85.00"), 3, "LTY-BL-100", "6901000000035"),
        ("奶白", "80cm", Decimal("79.00"), 5, "", "6901000000042"),  # standard 白色 renamed by propAlias
        ("奶白", "90cm", Decimal("79.00"), 4, "LTY.W.90", "6901000000059"),
        ("奶白", "100cm", Decimal("85.00"), 3, "LTY-W-100", "6901000000066"),
    ]
    socks = f.goods[1][1]
    assert [s.label for s in socks.skus] == ["黑色 S", "黑色 M", "白色 L"]  # standard value ids
    assert [line for line, _ in f.stock_mismatches] == [6] and (socks.stock, socks.sku_stock) == (40, 36)
    hat = f.goods[2][1]
    assert (hat.item_id, hat.key, hat.weight_kg, hat.skus[0].label) == ("", "code:MZ-01", None, "白色 均码")


@pytest.mark.parametrize(("cell", "expected"), [
    ("79.00:3::1627207:28341;20509:28315;", [("黑色 M", "", 3)]),
    ("1.5:0:A.B.1:1627207:28320;", [("白色", "A.B.1", 0)]),
    ("10:1:x:1627207:-1001;20509:28314;10:2:y:1627207:-1001;20509:28315;122216343:-1002;",
     [("雾霾蓝 S", "x", 1), ("雾霾蓝 M 110cm", "y", 2)]),
    ("", []),
])
def test_sku_props(cell, expected):
    skus = parse_skus(cell, "", "1627207:-1001:雾霾蓝;122216343:-1002:110cm;")
    assert [(s.label, s.merchant_code, s.stock) for s in skus] == expected


@pytest.mark.parametrize(("cell", "custom", "reason"), [
    ("79.00:3:x:1627207", "", "看不懂"),
    ("abc:3:x:1627207:28341;", "", "价格无效"),
    ("79.00:-3:x:1627207:28341;", "", "非负整数"),
    ("20509:28314;", "", "之前没有"),
    ("79.00:3:x:1627207:-1009;", "", "没有名称"),
    ("79.00:3:x:1627207:28341;79.00:3:y:1627207:28341;", "", "重复"),
])
def test_bad_sku_props(cell, custom, reason):
    with pytest.raises(GoodsFormatError, match=reason):
        parse_skus(cell, "", custom)


@pytest.mark.parametrize(("cell", "m3"), [("bulk:0.001200", "0.001200"), ("weight:30;breadth:20;height:10", "0.006000"),
                                          ("bulk:0.000000", None), ("", None)])
def test_volume(cell, m3):
    assert parse_volume(cell) == (None if m3 is None else Decimal(m3))


@pytest.mark.parametrize(("row", "fragment"), [
    ({"price": "12.3.4"}, "6: price: 不是数字"),
    ({"num": "-1"}, "6: num:"),
    ({"item_weight": "0.3kg"}, "6: item_weight:"),
    ({"num_id": "0", "outer_id": ""}, "6: num_id/outer_id"),
    ({"skuProps": "79.00:1:x:1627207"}, "6: skuProps:"),
    ({"item_size": "box:1"}, "6: item_size:"),
])
def test_bad_rows_name_file_and_line(row, fragment):
    f = parse_goods_file(goods_file([HAT, {**SOCKS, **row}]), "goods.csv")
    assert len(f.problems) == 1 and len(f.goods) == 1 and f"goods.csv:{fragment}" in str(f.problems[0])


def test_not_a_goods_file_and_unclosed_quote():
    from cs_console.domain.goods.taobao_csv import GoodsFileError

    with pytest.raises(GoodsFileError, match="goods.csv:1: 第一行应为 version 1.00"):
        parse_goods_file("订单编号,买家会员名\n".encode("gbk"), "goods.csv")
    data = goods_file([HAT]).decode("utf-16")
    broken = (data + '"宝宝围嘴\t' + "\t".join(["x"] * 5)).encode("utf-16")
    f_error = None
    try:
        f = parse_goods_file(broken, "goods.csv")
        problems = [str(p) for p in f.problems]
    except GoodsFileError as exc:
        f_error = exc
        problems = [str(p) for p in exc.problems]
    assert f_error is not None or problems
    assert problems and problems[0].startswith("goods.csv:6:")


def test_import_is_all_or_nothing_and_reimport_updates(desk, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, {**SOCKS, "price": "abc"}]))
    with pytest.raises(GoodsImportRejected) as err:
        desk.goods.import_file(path)
    assert str(err.value.problems[0]).startswith(f"{path}:6: price")
    with desk.store.read() as s:
        assert repo.count(s) == (0, 0)
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT], 60, "gbk"))
    first = desk.goods.import_file(path)
    assert (first.created, first.updated, first.skus, len(first.stock_mismatches)) == (3, 0, 10, 1)
    changed = {**ROMPER, "title": "双胞胎款连体衣（新款）", "skuProps": ROMPER["skuProps"].replace("79.00:0:LTY-BL-90", "79.00:7:LTY-BL-90")}
    path.write_bytes(goods_file([changed, SOCKS, HAT]))
    second = desk.goods.import_file(path)
    assert (second.created, second.updated) == (0, 3)
    with desk.store.read() as s:
        assert repo.count(s) == (3, 10)
        g = repo.find(s, "LTY-BL-90")
    assert g.title == "双胞胎款连体衣（新款）" and g.sku_at("蓝色", "90cm").stock == 7


def test_cli_import_list_show_stock(tmp_path):
    db = str(tmp_path / "cli.db")
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT], 63, "utf-16-be"))
    runner = CliRunner()
    res = runner.invoke(cli_app, ["goods", "import", str(path), "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["layout"], out["encoding"], out["created"], out["skus"]) == ("淘宝助理 2016", "UTF-16BE", 3, 10)
    assert out["stock_mismatches"] == [{"line": 6, "title": "宝宝袜子三双装", "merchant_code": "WZ-03",
                                        "item_id": "655123450001", "num": 40, "sku_total": 36}]
    res = runner.invoke(cli_app, ["goods", "list", "--db", db, "--json"])
    assert [g["merchant_code"] for g in json.loads(res.stdout)] == ["LTY-2026.1", "WZ-03", "MZ-01"]
    res = runner.invoke(cli_app, ["goods", "show", "655123456789", "--db", db, "--json"])
    assert json.loads(res.stdout)["skus"][1] == {"colour": "蓝色", "size": "90cm", "props": {"颜色分类": "蓝色", "尺码": "90cm"},
                                                 "price": "79.00", "stock": 0, "merchant_code": "LTY-BL-90",
                                                 "barcode": "6901000000028"}
    res = runner.invoke(cli_app, ["goods", "stock", "LTY-2026.1", "--db", db, "--json"])
    assert json.loads(res.stdout)["grid"]["蓝色"] == {"80cm": 10, "90cm": 0, "100cm": 3}
    res = runner.invoke(cli_app, ["goods", "show", "nope", "--db", db])
    assert res.exit_code == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(goods_file([{**HAT, "num": "x"}]))
    res = runner.invoke(cli_app, ["goods", "import", str(bad), "--db", db])
    assert res.exit_code == 1 and f"{bad}:4: num:" in res.stderr
    res = runner.invoke(cli_app, ["goods", "import", str(bad), "--db", db, "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["problems"][0]["line"] == 4


def test_import_and_reimport_on_both_backends(any_desk, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT]))
    first = any_desk.goods.import_file(path)
    again = any_desk.goods.import_file(path)
    assert (first.created, again.created, again.updated) == (3, 0, 3)
    with any_desk.store.read() as s:
        assert repo.count(s) == (3, 10)
    romper = any_desk.goods.find("655123456789")
    assert (romper.price, romper.weight_kg, romper.sku_at("蓝色", "100cm").price) == (
        Decimal("79.00"), Decimal("0.300"), Decimal("85.00"))
    assert [g.title for g in any_desk.goods.search("sbt")] == ["双胞胎款连体衣 纯棉哈衣"]


@pytest.mark.parametrize(("query", "first"), [
    ("连体衣", "LTY-2026.1"),          # title words
    ("LTY-2026.1", "LTY-2026.1"),      # merchant code
    ("lty-2026", "LTY-2026.1"),        # merchant code prefix (typed lower case)
    ("WZ-03-BK-M", "WZ-03"),           # a SKU's merchant code
    ("655123450001", "WZ-03"),         # item id
    ("liantiyi", "LTY-2026.1"),        # full pinyin
    ("sbt", "LTY-2026.1"),             # initials
    ("wazi", "WZ-03"),
    ("袜子 黑色", "WZ-03"),            # title word + colour
    ("连体衣 蓝色90码", "LTY-2026.1"),  # title word + SKU words (the buyer's phrasing)
    ("帽子", "MZ-01"),
])
def test_search_by_words_code_pinyin_initials(desk, tmp_path, query, first):
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT]))
    desk.goods.import_file(path)
    hits = desk.goods.search(query)
    assert hits and hits[0].merchant_code == first, [g.merchant_code for g in hits]


@pytest.mark.parametrize(("text", "sku"), [
    ("蓝色90码还有货吗", ("蓝色", "90cm")),
    ("奶白的100有吗", ("奶白", "100cm")),
    ("要80的蓝", ("蓝色", "80cm")),
    ("190码", None),  # 90 inside 190 is not 90
    ("有货吗", None),
])
def test_the_sku_a_buyer_names(text, sku):
    from cs_console.domain.goods.lookup import pick_sku

    romper = parse_goods_file(goods_file([ROMPER]), "g.csv").goods[0][1]
    found = pick_sku(romper, text)
    assert (None if found is None else (found.colour, found.size)) == sku
