"""``cs-console postage quote --goods`` and ``postage import-card``: weights from the catalogue,
a courier's price list checked and registered (comments of the freight file kept)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cs_console.cli import app
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file

runner = CliRunner()


def test_quote_goods_from_the_catalogue(tmp_path):
    db = str(tmp_path / "s.db")
    path = tmp_path / "goods.csv"
    path.write_bytes(goods_file([ROMPER, SOCKS, HAT]))
    assert runner.invoke(app, ["goods", "import", str(path), "--db", db]).exit_code == 0
    # a SKU's code: its price (85.00); 0.3 kg × 3 = 0.9 kg; 童装小件 to 江苏 (江浙沪皖 row): first kg 6,
    # and 255 ≥ 99 ships free by the template → 0
    res = runner.invoke(app, ["postage", "quote", "--courier", "sto", "--province", "江苏", "--goods", "LTY-BL-100x3",
                              "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["items_total"], data["postage"]) == ("255.00", "0.00")
    assert [ln["rule"] for ln in data["lines"]] == ["item_line", "template_free_condition"]
    # 韵达 to 广东: card 12 + 0 (0.9 kg ≤ 1), over 10 → +5; template free by count (3 in 广东) → −10
    res = runner.invoke(app, ["postage", "quote", "--courier", "韵达", "--province", "广东省", "--goods", "LTY-BL-100x3",
                              "--db", db, "--json"])
    data = json.loads(res.stdout)
    assert data["postage"] == "7.00", data["lines"]
    res = runner.invoke(app, ["postage", "quote", "--courier", "sto", "--province", "江苏", "--goods", "NOPE", "--db", db])
    assert res.exit_code == 1 and "没有这件商品" in res.stderr


def test_import_card_checks_and_registers(tmp_path):
    freight = tmp_path / "freight.yaml"
    freight.write_text("# our templates\ntemplates: {}\nrate_cards:   # courier → CSV\n  sf: rate_cards/sf.csv\n",
                       encoding="utf-8")
    (tmp_path / "rate_cards").mkdir()
    (tmp_path / "rate_cards" / "sf.csv").write_text("区域,首重,续重\n其他,23,8\n", encoding="utf-8")
    card = tmp_path / "zto-2026.csv"
    card.write_bytes("区域,首重,续重\n江浙沪,4,1\n广东、广西,7,3\n其他,9,5\n".encode("gbk"))
    res = runner.invoke(app, ["postage", "import-card", str(card), "--courier", "中通", "--freight", str(freight), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["courier"] == "zto" and [z["provinces"] for z in data["zones"]] == [
        ["江苏", "浙江", "上海"], ["广东", "广西"], []]
    text = freight.read_text(encoding="utf-8")
    assert "# our templates" in text and "zto: rate_cards/zto.csv" in text and "sf: rate_cards/sf.csv" in text
    assert (tmp_path / "rate_cards" / "zto.csv").read_bytes() == card.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("区域,首重,续重\n江浙沪,4,x\n", encoding="utf-8")
    before = freight.read_text(encoding="utf-8")
    res = runner.invoke(app, ["postage", "import-card", str(bad), "--courier", "yunda", "--freight", str(freight)])
    assert res.exit_code == 1 and f"{bad}:2:" in res.stderr
    assert freight.read_text(encoding="utf-8") == before and not (tmp_path / "rate_cards" / "yunda.csv").exists()
