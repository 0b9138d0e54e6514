"""Weight-based postage: freight templates and rate cards under the shop's rules, checked
against totals computed by hand (each case says how)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cs_console.config import ConfigError
from cs_console.config.freight import load_freight, load_rate_card
from cs_console.config.postage import load_rates
from cs_console.domain.freight import split_provinces
from cs_console.domain.postage import ItemLine, PostageError, QuoteRequest, parse_item, quote
from cs_console.domain.regions import province_of_address, province_of_city, province_short

D = Decimal
TABLE = load_rates(Path(__file__).resolve().parents[1] / "data" / "postage.yaml")
FREIGHT = """\
templates:
  "T1":
    name: 小件
    valuation: weight
    default: {start_standard: 1, start_fee: 8, add_standard: 1, add_fee: 4}
    regions:
      - {areas: [江浙沪], start_standard: 1, start_fee: 6, add_standard: 0.5, add_fee: 1}
      - {areas: [新疆、西藏], start_standard: 1, start_fee: 20, add_standard: 1, add_fee: 15}
    free:
      - {areas: [江浙沪], min_amount: 99}
      - {areas: [东三省], min_count: 3}
  "T2":
    name: 按件
    valuation: piece
    default: {start_standard: 1, start_fee: 10, add_standard: 2, add_fee: 3}
    free:
      - {areas: [江浙沪], min_count: 5}
  "T3":
    name: 按体积
    valuation: volume
    default: {start_standard: 0.01, start_fee: 10, add_standard: 0.005, add_fee: 4}
  "T4":
    name: 体积重
    valuation: weight
    volumetric_divisor: 6000
    default: {start_standard: 1, start_fee: 12, add_standard: 1, add_fee: 6}
rate_cards:
  yunda: yunda.csv
  sf: sf.csv
"""
YUNDA = "区域,首重,续重\n江苏、浙江、上海,5,1\n广东,12,4\n新疆西藏,20,15\n其他,8,4\n"
SF = "区域,首重,续重,首重重量,续重单位\n江浙沪,12,2,1,0.5\n其它,23,8,1,1\n"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("freight")
    (folder / "freight.yaml").write_text(FREIGHT, encoding="utf-8")
    (folder / "yunda.csv").write_text(YUNDA, encoding="utf-8")
    (folder / "sf.csv").write_bytes(SF.encode("gbk"))  # couriers' files are often GBK
    return load_freight(folder / "freight.yaml", set(TABLE.couriers))


def item(price: str, qty: int, template: str, kg: str | None = None, m3: str | None = None, free: bool = False):
    return ItemLine(D(price), qty, free, "", None if kg is None else D(kg), None if m3 is None else D(m3), template)


# (case, items, courier, province, expected postage, rules that must appear)
CASES = [
    ("weight under first kg: 0.3×2=0.6 ≤ 1 → 8", [item("59", 2, "T1", "0.3")], "sto", "河南", "8.00", ["template_fee"]),
    ("exactly the first kg: 0.5×2=1.0 → 8", [item("30", 2, "T1", "0.5")], "sto", "河南", "8.00", ["template_fee"]),
    ("just over: 0.505×2=1.01 → 8 + 1×4", [item("30", 2, "T1", "0.505")], "sto", "河南", "12.00", ["rounded_up"]),
    ("江浙沪 row, 0.5 kg steps: 1.1×2=2.2 → 6 + ⌈1.2/0.5⌉=3 × 1", [item("30", 2, "T1", "1.1")], "sto", "江苏省",
     "9.00", ["template_fee"]),
    ("free by amount: 59×2=118 ≥ 99 in 江浙沪 → 0", [item("59", 2, "T1", "0.3")], "sto", "上海", "0.00",
     ["template_free_condition"]),
    ("free by count: 3 pieces in 东三省 → 0", [item("19.9", 3, "T1", "0.1")], "sto", "辽宁", "0.00",
     ["template_free_condition"]),
    ("count not reached: 2 pieces in 辽宁 → 8", [item("19.9", 2, "T1", "0.1")], "sto", "辽宁", "8.00", ["template_fee"]),
    ("remote: 新疆 row 20, free item still pays", [item("59", 2, "T1", "0.3", free=True)], "sto", "新疆维吾尔自治区",
     "20.00", ["template_fee", "remote_no_free_postage"]),
    ("by piece: 4 pieces, 首1 10 + ⌈3/2⌉=2 × 3", [item("10", 4, "T2")], "sto", "河南", "16.00", ["parcel_pieces"]),
    ("by piece free count: 5 pieces in 浙江 → 0", [item("10", 5, "T2")], "sto", "浙江", "0.00", ["template_free_condition"]),
    ("by volume: 0.004×3=0.012 m³ → 10 + ⌈0.002/0.005⌉=1 × 4", [item("50", 3, "T3", m3="0.004")], "sto", "河南",
     "14.00", ["parcel_volume"]),
    ("volumetric: 0.8 kg real, 12000 cm³/6000 = 2 kg → 12 + 6", [item("99", 1, "T4", "0.8", "0.012")], "sto", "河南",
     "18.00", ["volumetric_weight"]),
    ("yunda card 广东 1.5 kg: 12 + 1×4 = 16, over 10 → +5", [item("59", 2, "T1", "0.75")], "yunda", "广东", "21.00",
     ["rate_card_fee", "over_threshold_surcharge"]),
    ("yunda card 江苏 0.6 kg: 5, at least 15", [item("30", 2, "T1", "0.3")], "yunda", "江苏", "15.00",
     ["rate_card_fee", "minimum_charge"]),
    ("yunda, template free by amount counts as 10 off: 15 − 10", [item("59", 2, "T1", "0.3")], "yunda", "江苏", "5.00",
     ["minimum_charge", "free_postage_credit"]),
    ("SF at cost 江浙沪 1.6 kg: 12 + ⌈0.6/0.5⌉=2 × 2 = 16, free item −10", [item("40", 2, "T1", "0.8", free=True)],
     "sf", "浙江", "6.00", ["rate_card_fee", "free_postage_credit"]),
    ("SF remote 2.4 kg: 其它 23 + ⌈1.4⌉=2 × 8 = 39, no credit", [item("59", 2, "T1", "1.2", free=True)], "sf", "新疆",
     "39.00", ["rate_card_fee", "remote_no_free_postage"]),
    ("two templates add up: T1 8 + T2 10", [item("30", 1, "T1", "0.3"), item("10", 1, "T2")], "sto", "河南", "18.00",
     ["several_templates"]),
    ("广西壮族自治区 = 广西: the card's other zone, 1 kg → 8, at least 15", [item("30", 1, "T1", "1")], "yunda",
     "广西壮族自治区", "15.00", ["rate_card_fee", "minimum_charge"]),
]


@pytest.mark.parametrize(("case", "items", "courier", "province", "postage", "rules"), CASES, ids=[c[0] for c in CASES])
def test_weight_based_quotes(setup, case, items, courier, province, postage, rules):
    q = quote(TABLE, QuoteRequest(tuple(items), courier, province), setup)
    assert q.postage == D(postage), [(ln.label, ln.amount) for ln in q.postage_lines]
    assert q.postage == sum((ln.amount for ln in q.postage_lines), D(0))  # every step is named in the breakdown
    found = [ln.rule for ln in q.postage_lines]
    assert [r for r in rules if r in found] == rules, found
    assert q.total == q.items_total + q.postage


def test_typed_actual_fee_wins_over_the_card(setup):
    q = quote(TABLE, QuoteRequest((item("59", 3, "T1", "0.3"),), "yunda", "广东", actual_fee=D("12")), setup)
    assert (q.postage, [ln.rule for ln in q.postage_lines]) == (D("17.00"), ["actual_fee", "over_threshold_surcharge"])


def test_pickup_in_shenyang_is_unchanged(setup):
    q = quote(TABLE, QuoteRequest((item("59", 1, "T1", "0.3", free=True),), "sto", "辽宁", city="沈阳市", pickup=True), setup)
    assert q.postage == D("-5.00")


def test_missing_weight_is_asked_for(setup):
    with pytest.raises(PostageError, match="没有重量.*59x2 0.3kg"):
        quote(TABLE, QuoteRequest((item("59", 2, "T1"),), "sto", "河南"), setup)
    with pytest.raises(PostageError, match="没有体积"):
        quote(TABLE, QuoteRequest((item("59", 2, "T3"),), "sto", "河南"), setup)


def test_typed_weight_uses_the_default_template(tmp_path):
    (tmp_path / "freight.yaml").write_text(FREIGHT.replace("templates:", 'default_template: "T1"\ntemplates:', 1)
                                           .replace("rate_cards:\n  yunda: yunda.csv\n  sf: sf.csv\n", ""))
    setup = load_freight(tmp_path / "freight.yaml", set(TABLE.couriers))
    q = quote(TABLE, QuoteRequest((parse_item("59x2 300g"),), "sto", "河南"), setup)
    assert q.postage == D("8.00")
    q = quote(TABLE, QuoteRequest((parse_item("59x2"),), "sto", "河南"), setup)  # no weight: the flat table
    assert [ln.rule for ln in q.postage_lines] == ["partner_normal_postage"]


def test_bad_freight_and_card_files_name_file_and_line(tmp_path):
    bad = tmp_path / "freight.yaml"
    bad.write_text('templates:\n  "T1":\n    name: x\n    valuation: weight\n    default: {start_standard: 0, start_fee: 8,'
                   ' add_standard: 1, add_fee: 4}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_freight(bad)
    assert str(err.value).startswith(f"{bad}:5: templates.T1.default.start_standard")
    card = tmp_path / "zto.csv"
    card.write_text("区域,首重,续重\n江苏、浙江,5,1\n火星,8,2\n浙江,6,1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rate_card(card, "zto")
    assert err.value.problems == [f"{card}:3: 未知省份或区域「火星」", f"{card}:4: 浙江 已在第 2 行"]


@pytest.mark.parametrize(("text", "provinces"), [
    ("江苏、浙江、上海", ("江苏", "浙江", "上海")),
    ("安徽湖南湖北江西广西福建", ("安徽", "湖南", "湖北", "江西", "广西", "福建")),
    ("江浙沪皖", ("江苏", "浙江", "上海", "安徽")),
    ("东三省/京津冀", ("辽宁", "吉林", "黑龙江", "北京", "天津", "河北")),
    ("广西壮族自治区，内蒙古自治区、宁夏回族自治区", ("广西", "内蒙古", "宁夏")),
])
def test_zones_as_province_lists(text, provinces):
    assert split_provinces(text) == provinces


@pytest.mark.parametrize(("name", "short"), [("广西", "广西"), ("广西省", "广西"), ("广西壮族自治区", "广西"),
                                             ("内蒙", "内蒙古"), ("香港特别行政区", "香港"), ("黑龙江省", "黑龙江")])
def test_province_names_from_the_national_divisions(name, short):
    assert province_short(name) == short


def test_an_address_finds_its_region():
    assert province_of_address("广西南宁市青秀区民族大道100号").short == "广西"
    assert province_of_address("新疆维吾尔自治区 乌鲁木齐市 天山区").short == "新疆"
    assert province_of_address("沈阳市和平区南京北街").short == "辽宁"
    assert province_of_city("延边朝鲜族自治州").short == "吉林"
    assert province_of_address("火星基地") is None


def test_order_without_province_finds_it_from_the_address(desk, clock):
    from cs_console.store.chats import ensure_buyer
    from cs_console.store.tables import Order

    with desk.store.write() as s:
        b = ensure_buyer(s, "南宁的买家", clock())
        s.add(Order(order_no="T4001", buyer_id=b.id, placed_at=clock(), state="WAIT_BUYER_PAY", province="",
                    address_detail="广西壮族自治区南宁市青秀区民族大道100号"))
    ctx = desk.postage.order_context("南宁的买家")
    assert ctx is not None and ctx.province == "广西"
    assert desk.postage.rates.province_key(ctx.province) == "广西"
