"""Postage rules (DOMAIN.md "Postage"): every example, the boundaries, bad input, properties."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_console.config import ConfigError
from cs_console.config.postage import load_rates
from cs_console.domain.postage import (
    ItemLine,
    PostageError,
    QuoteRequest,
    parse_item,
    quote,
    summary,
)
from cs_console.domain.postage_entry import parse_entry
from cs_console.domain.postage_rates import normalize_province

DATA = Path(__file__).resolve().parents[1] / "data" / "postage.yaml"
TABLE = load_rates(DATA)
D = Decimal


def q(items: str, courier: str, province: str = "广东", **kw):
    lines = tuple(parse_item(x) for x in items.split(";"))
    return quote(TABLE, QuoteRequest(lines, courier, province, **kw))


def rules_of(quote_):
    return [ln.rule for ln in quote_.postage_lines]


# (items, courier, province, extra, postage, rules)
CASES = [
    # partner courier: the shop's normal postage; free postage ships free
    ("59", "sto", "广东", {}, "10.00", ["partner_normal_postage"]),
    ("59:free", "sto", "广东", {}, "0.00", ["partner_free_postage"]),
    ("59:free;30", "sto", "广东", {}, "10.00", ["partner_normal_postage"]),  # mixed: normal postage
    ("59", "申通", "广东省", {}, "10.00", ["partner_normal_postage"]),
    # DOMAIN.md: Yunda to Guangdong costs 12 → 17
    ("59x3", "yunda", "广东", {}, "17.00", ["actual_fee", "over_threshold_surcharge"]),
    ("59x3", "韵达", "广东省", {}, "17.00", ["actual_fee", "over_threshold_surcharge"]),
    # boundaries of the other-courier rule: 8 → 15, 10 → 15, 10.01 → 15.01, 15 → 20
    ("59", "yunda", "广东", {"actual_fee": D("8")}, "15.00", ["actual_fee", "minimum_charge"]),
    ("59", "zto", "广东", {"actual_fee": D("10")}, "15.00", ["actual_fee", "minimum_charge"]),
    ("59", "zto", "广东", {"actual_fee": D("10.01")}, "15.01", ["actual_fee", "over_threshold_surcharge"]),
    ("59", "yto", "广东", {"actual_fee": D("15")}, "20.00", ["actual_fee", "over_threshold_surcharge"]),
    ("59", "ems", "广东", {}, "27.00", ["actual_fee", "over_threshold_surcharge"]),
    # SF: the actual fee, nothing added, no minimum
    ("59", "sf", "广东", {}, "23.00", ["actual_fee"]),
    ("59", "顺丰", "辽宁", {}, "12.00", ["actual_fee"]),
    ("59", "sf", "广东", {"actual_fee": D("8")}, "8.00", ["actual_fee"]),
    # free postage + another courier: 10 off, once per parcel, never below 0
    ("59:free;59:free", "yunda", "广东", {}, "7.00", ["actual_fee", "over_threshold_surcharge", "free_postage_credit"]),
    ("59:free", "sf", "广东", {}, "13.00", ["actual_fee", "free_postage_credit"]),
    ("59:free", "sf", "辽宁", {"actual_fee": D("6")}, "0.00", ["actual_fee", "free_postage_credit", "postage_floor"]),
    ("59:free;30", "yunda", "广东", {}, "7.00", ["actual_fee", "over_threshold_surcharge", "free_postage_credit"]),
    # remote regions: outside free postage
    ("59:free", "sto", "新疆", {}, "25.00", ["partner_normal_postage", "remote_no_free_postage"]),
    ("59:free", "sto", "新疆维吾尔自治区", {}, "25.00", ["partner_normal_postage", "remote_no_free_postage"]),
    ("59:free", "yunda", "甘肃", {}, "25.00", ["actual_fee", "over_threshold_surcharge", "remote_no_free_postage"]),
    ("59:free", "sf", "青海", {}, "33.00", ["actual_fee", "remote_no_free_postage"]),
    ("59", "sto", "宁夏", {}, "18.00", ["partner_normal_postage"]),
    # free-postage items picked up in Shenyang: 5 back
    ("59:free", "sto", "辽宁", {"city": "沈阳", "pickup": True}, "-5.00", ["pickup_no_shipping", "pickup_rebate"]),
    ("59:free;30", "sto", "辽宁", {"city": "沈阳市", "pickup": True}, "-5.00", ["pickup_no_shipping", "pickup_rebate"]),
    ("59", "sto", "辽宁", {"city": "沈阳", "pickup": True}, "0.00", ["pickup_no_shipping"]),
    # typed fee where the table has none (Yunda to Tibet), and for an unknown province
    ("59", "yunda", "西藏", {"actual_fee": D("20")}, "25.00", ["actual_fee", "over_threshold_surcharge"]),
    ("59", "yunda", "火星", {"actual_fee": D("12")}, "17.00", ["actual_fee", "over_threshold_surcharge"]),
    # N addresses: one parcel per address, suggestion only
    ("59:free;59:free;59:free", "yunda", "广东", {"addresses": 3}, "21.00",
     ["actual_fee", "over_threshold_surcharge", "free_postage_credit", "per_address_parcels"]),
    ("59:free;59:free", "sto", "广东", {"addresses": 2}, "0.00", ["partner_free_postage", "per_address_parcels"]),
]


@pytest.mark.parametrize(("items", "courier", "province", "extra", "postage", "rules"), CASES)
def test_postage_rules(items, courier, province, extra, postage, rules):
    result = q(items, courier, province, **extra)
    assert f"{result.postage:.2f}" == postage
    assert rules_of(result) == rules
    assert result.total == result.items_total + result.postage


def test_domain_example_summary():
    result = q("59x3", "yunda", "广东")
    assert (result.items_total, result.postage, result.total) == (D("177.00"), D("17.00"), D("194.00"))
    assert summary(result) == "亲，您一共 3 件，商品合计 ¥177.00，韵达发广东运费 ¥17.00，共计 ¥194.00"


def test_summary_free_pickup_and_addresses():
    assert summary(q("59:free", "sto")).endswith("申通发广东包邮，共计 ¥59.00")
    assert summary(q("59:free", "sto", "辽宁", city="沈阳", pickup=True)) == \
        "亲，您一共 1 件，商品合计 ¥59.00，沈阳自提返 ¥5.00，共计 ¥54.00"
    assert "分 2 个地址韵达发广东运费 ¥14.00" in summary(q("59:free;59:free", "yunda", addresses=2))


def test_n_addresses_suggests_but_never_discounts():
    one = q("59:free;59:free", "yunda", addresses=1)
    two = q("59:free;59:free", "yunda", addresses=2)
    assert two.postage == 2 * one.postage
    assert not one.notes and "合并" in two.notes[0] and "3–5" in two.notes[0]


@pytest.mark.parametrize(
    ("text", "price", "qty", "free"),
    [
        ("59", "59.00", 1, False),
        ("59x2", "59.00", 2, False),
        ("59 x2 包邮", "59.00", 2, True),
        ("59x2:free", "59.00", 2, True),
        ("¥12.50×3", "12.50", 3, False),
        ("12.5 * 3 free", "12.50", 3, True),
        ("0x1", "0.00", 1, False),
        ("1,299x1包邮", "1299.00", 1, True),
    ],
)
def test_parse_item(text, price, qty, free):
    item = parse_item(text)
    assert (f"{item.price:.2f}", item.quantity, item.free) == (price, qty, free)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.3.4", "价格无效"),
        ("-5x1", "价格不能为负"),
        ("59x0", "数量须在"),
        ("59x1.5", "数量须为正整数"),
        ("59x-1", "数量须为正整数"),
        ("abc", "价格无效"),
        ("", "商品行为空"),
        ("59x2:maybe", "看不懂"),
        ("59x2x3", "看不懂"),
    ],
)
def test_parse_item_errors(text, message):
    with pytest.raises(PostageError, match=message):
        parse_item(text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"courier": "dhl"}, "未知快递"),
        ({"province": "火星"}, "未知省份"),
        ({"province": "火星", "courier": "sto"}, "未知省份"),
        ({"province": "西藏"}, "没有韵达发西藏的实际运费"),
        ({"province": ""}, "请填写收货省份"),
        ({"pickup": True, "city": "大连", "province": "辽宁"}, "只支持沈阳自提"),
        ({"addresses": 0}, "地址数"),
        ({"actual_fee": D("-1")}, "实际运费无效"),
    ],
)
def test_quote_errors(kwargs, message):
    req = {"courier": "yunda", "province": "广东"} | kwargs
    with pytest.raises(PostageError, match=message):
        quote(TABLE, QuoteRequest((ItemLine(D("59")),), **req))


def test_quote_refuses_bad_item_lines_built_in_code():
    for item in (ItemLine(D("-1")), ItemLine(D("1"), 0), ItemLine(D("1.001")), ItemLine(D("1"), True)):
        with pytest.raises(PostageError):
            quote(TABLE, QuoteRequest((item,), "sto", "广东"))
    with pytest.raises(PostageError, match="至少"):
        quote(TABLE, QuoteRequest((), "sto", "广东"))


@pytest.mark.parametrize(
    ("name", "key"),
    [("广东", "广东"), ("广东省", "广东"), ("新疆维吾尔自治区", "新疆"), ("广西壮族自治区", "广西"),
     ("宁夏回族自治区", "宁夏"), ("内蒙古自治区", "内蒙古"), ("北京市", "北京"), (" 上海 ", "上海")],
)
def test_province_names(name, key):
    assert normalize_province(name) == key


def test_rates_file_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "postage.yaml"
    bad.write_text("partner: sto\ncouriers:\n  sto: {name: 申通}\nprovinces:\n  广东: {normal: 12.3.4}\n"
                   "  广东省: {normal: 10}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rates(bad)
    assert f"{bad}:" in str(err.value)
    bad.write_text("partner: sto\ncouriers:\n  sto: {name: 申通}\nprovinces:\n  广东: {normal: abc}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{bad.name}:5: provinces\.广东\.normal"):
        load_rates(bad)
    bad.write_text("partner: dhl\ncouriers:\n  sto: {name: 申通}\nprovinces: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="partner「dhl」不在 couriers 里"):
        load_rates(bad)


# ---- properties -------------------------------------------------------------------------------
prices = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
items = st.lists(st.builds(ItemLine, price=prices, quantity=st.integers(1, 20), free=st.booleans()),
                 min_size=1, max_size=6).map(tuple)
couriers = st.sampled_from(list(TABLE.couriers))
provinces = st.sampled_from(list(TABLE.provinces))
fees = st.none() | st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(items=items, courier=couriers, province=provinces, fee=fees, addresses=st.integers(1, 5),
       pickup=st.booleans())
def test_totals_are_exact_sums_and_never_negative_beyond_rebate(items, courier, province, fee, addresses, pickup):
    req = QuoteRequest(items, courier, province, city="沈阳" if pickup else "", pickup=pickup,
                       actual_fee=fee, addresses=1 if pickup else addresses)
    try:
        result = quote(TABLE, req)
    except PostageError:
        assert fee is None and province == "西藏" and courier == "yunda"
        return
    assert result.items_total == sum(i.price * i.quantity for i in items)
    assert result.items_total == sum(ln.amount for ln in result.item_lines)
    assert result.postage == sum(ln.amount for ln in result.postage_lines)
    assert result.total == result.items_total + result.postage
    floor = -TABLE.rules.pickup_rebate if pickup else Decimal(0)
    assert result.postage >= floor
    assert result.total >= result.items_total + floor
    for ln in result.lines:
        assert ln.amount == ln.amount.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("text", "kind", "value", "index"),
    [("59 x2 包邮", "item", "", 0), ("韵达", "courier", "yunda", 0), ("SF", "courier", "sf", 0),
     ("顺丰速运", "courier", "sf", 0), ("广东省", "province", "广东", 0), ("新疆", "province", "新疆", 0),
     ("自提", "pickup", "", 0), ("-", "remove", "", 0), ("-2", "remove", "", 2), ("--", "clear", "", 0)],
)
def test_calculator_entry(text, kind, value, index):
    entry = parse_entry(TABLE, text)
    assert (entry.kind, entry.value, entry.index) == (kind, value, index)


def test_calculator_entry_unreadable():
    with pytest.raises(PostageError, match="价格无效"):
        parse_entry(TABLE, "12.3.4")
    with pytest.raises(PostageError):
        parse_entry(TABLE, "火星快递")


@settings(max_examples=200, deadline=None)
@given(price=prices, qty=st.integers(1, 9999), free=st.booleans(),
       style=st.sampled_from(["{p}x{q}{f}", "{p} x{q}{f}", "¥{p}×{q}{f}", "{p} * {q}{f}"]))
def test_item_text_round_trip(price, qty, free, style):
    text = style.format(p=price, q=qty, f=(" 包邮" if free else ""))
    item = parse_item(text)
    assert (item.price, item.quantity, item.free) == (price, qty, free)
