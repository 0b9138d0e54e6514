"""Flag conventions: both shipped, warehouse the default, the fake-order colour unsupported."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs_console.config import ConfigError
from cs_console.config.flags import load_flag_conventions
from cs_console.config.policy import load_policy
from cs_console.domain.flags import FlagColour
from cs_console.domain.orders import OrderRefused


@pytest.fixture(scope="module")
def conventions():
    return load_flag_conventions()


def test_default_is_warehouse():
    assert load_policy().orders.flag_convention == "warehouse"


@pytest.mark.parametrize(("name", "colour", "meaning"), [
    ("warehouse", "red", "客服备注"), ("warehouse", "blue", "换货"), ("warehouse", "yellow", "缺货"),
    ("warehouse", "green", "退换货包裹"), ("warehouse", "purple", "加急"),
    ("presale", "purple", "未付款"), ("presale", "yellow", "补运费"), ("presale", "blue", "代拍"),
    ("presale", "red", "已付款"),
])
def test_meanings(conventions, name, colour, meaning):
    conv = conventions.get(name)
    assert conv.check(colour) == FlagColour(colour)
    assert meaning in conv.meaning(colour)


@pytest.mark.parametrize(("name", "colour", "why"), [
    ("presale", "green", "没有含义"),  # the fake-order colour of the alternative convention
    ("warehouse", "grey", "灰旗表示没有旗帜"),
    ("warehouse", "orange", "未知的旗帜颜色"),
])
def test_refused_colours(conventions, name, colour, why):
    with pytest.raises(OrderRefused, match=why):
        conventions.get(name).check(colour)


def test_unknown_convention(conventions):
    with pytest.raises(OrderRefused):
        conventions.get("nope")


def test_fake_order_meaning_rejected_at_load(tmp_path: Path):
    (tmp_path / "flags.yaml").write_text(
        "conventions:\n  x:\n    label: X\n    colours:\n      green:\n        meaning: 公司刷单\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"flags.yaml:6: .*fake orders"):
        load_flag_conventions(tmp_path)
