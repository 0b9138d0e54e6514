"""``cs-console postage quote``: JSON amounts as strings, refusals exit non-zero, --rates."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cs_console.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["postage", "quote", *args])


def test_quote_json_domain_example():
    res = run("--courier", "yunda", "--province", "广东", "--item", "59x3", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["items_total"], data["postage"], data["total"]) == ("177.00", "17.00", "194.00")
    assert [(ln["amount"], ln["rule"]) for ln in data["lines"]] == [
        ("177.00", "item_line"), ("12.00", "actual_fee"), ("5.00", "over_threshold_surcharge")]
    assert len(data["lines"]) == 3 and all(isinstance(ln["label"], str) and ln["label"] for ln in data["lines"])


def test_quote_chinese_courier_pickup_and_free_lines():
    res = run("--courier", "申通", "--province", "辽宁省", "--city", "沈阳", "--pickup",
              "--item", "59x2:free", "--item", "30", "--json")
    data = json.loads(res.stdout)
    assert (data["items_total"], data["postage"], data["total"]) == ("148.00", "-5.00", "143.00")
    assert data["lines"][-1] == {"label": "包邮商品沈阳自提返 5 元", "amount": "-5.00", "rule": "pickup_rebate",
                                 "kind": "postage"}


def test_quote_typed_actual_fee_and_human_output():
    res = run("--courier", "顺丰", "--province", "火星", "--actual-fee", "8", "--item", "10")
    assert res.exit_code == 0
    assert "共计" in res.stdout and "¥18.00" in res.stdout and "顺丰发火星运费 ¥8.00" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--courier", "yunda", "--province", "广东", "--item", "12.3.4"], "价格无效"),
        (["--courier", "yunda", "--province", "广东", "--item", "-3x1"], "价格不能为负"),
        (["--courier", "yunda", "--province", "广东", "--item", "3x0"], "数量"),
        (["--courier", "yunda", "--province", "广东", "--item", "3x1.5"], "数量须为正整数"),
        (["--courier", "dhl", "--province", "广东", "--item", "3"], "未知快递"),
        (["--courier", "yunda", "--province", "火星", "--item", "3"], "未知省份"),
        (["--courier", "yunda", "--province", "广东", "--item", "3", "--actual-fee", "x"], "实际运费无效"),
    ],
)
def test_bad_input_exits_non_zero_without_quote(args, message):
    res = run(*args, "--json")
    assert res.exit_code != 0
    assert message in res.stderr
    assert res.stdout == ""


def test_other_rates_file(tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text("partner: yunda\ncouriers:\n  yunda: {name: 韵达}\n  sf: {name: 顺丰}\n"
                     "provinces:\n  广东: {normal: 6, fees: {sf: 20}}\n", encoding="utf-8")
    res = run("--courier", "韵达", "--province", "广东", "--item", "59", "--rates", str(rates), "--json")
    assert json.loads(res.stdout)["postage"] == "6.00"
    rates.write_text("partner: yunda\ncouriers: {}\nprovinces: {}\nbogus: 1\n", encoding="utf-8")
    res = run("--courier", "韵达", "--province", "广东", "--item", "59", "--rates", str(rates))
    assert res.exit_code == 2 and f"{rates}:4: bogus: 未知的键" in res.stderr


def test_human_breakdown_reads_as_chinese_lines_without_rule_ids():
    res = run("--courier", "yunda", "--province", "广东", "--item", "59x3")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["商品1", "¥59.00×3", "¥177.00"]
    assert lines[-2].split() == ["共计", "¥194.00"]
    assert "[" not in res.stdout and "item_line" not in res.stdout and "actual_fee" not in res.stdout
