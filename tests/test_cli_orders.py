"""``cs-console orders …``: JSON output, refusals exit non-zero and change nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config.credentials import ENV_TOKEN
from cs_console.config.locations import data_dir
from tests.signin import cli_as, cli_token

PAID, WAIT = "3712208811420008", "3712208811420001"


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The demo orders imported, and the CLI signed in as 小美 (a script token)."""
    path = str(tmp_path / "cli.db")
    folder = data_dir() / "demo"
    res = CliRunner().invoke(app, ["orders", "import", str(folder / "orders.csv"), str(folder / "items.csv"),
                                   "--db", path, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["imported"], out["updated"], out["rejected"]) == (14, 0, [])
    monkeypatch.setenv(ENV_TOKEN, cli_token(path, "小美"))
    return path


def run(db, *args):
    return CliRunner().invoke(app, ["orders", *args, "--db", db])


def state(db):
    return run(db, "list", "--json").stdout, run(db, "audit", WAIT, "--json").stdout, run(db, "audit", PAID, "--json").stdout


@pytest.mark.parametrize(("args", "message"), [
    (["set-price", PAID, "1", "40", "--reason", "砍价", "--agent", "小美"], "买家已付款的订单不能改价；请写进备注"),
    (["set-postage", WAIT, "5", "--reason", "", "--agent", "小美"], "需要填写原因"),
    (["set-price", WAIT, "1", "abc", "--reason", "x", "--agent", "小美"], "不是有效金额"),
    (["flag", "3712208811420010", "red", "--remark", "x", "--agent", "小美"], "不能设旗"),
    (["close", PAID, "--reason", "卖家缺货", "--agent", "小美"], "不能关闭"),
    (["extend-receipt", WAIT, "--days", "3", "--agent", "小美"], "不能延长收货"),
    (["show", "nope"], "没有订单"),
])
def test_refusals_exit_non_zero_and_change_nothing(db, args, message):
    before = state(db)
    res = run(db, *args)
    assert res.exit_code != 0
    assert message in res.stderr
    assert state(db) == before


def test_change_and_audit(db):
    res = run(db, "set-price", WAIT, "1", "55", "--reason", "老客优惠", "--agent", "小美", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["amount"] == "129.90"
    res = run(db, "flag", PAID, "purple", "--remark", "到货发顺丰", "--agent", "小美")
    assert res.exit_code == 0 and "加急" in res.stdout
    audit = json.loads(run(db, "audit", WAIT, "--json").stdout)
    assert [(a["field"], a["old"], a["new"], a["agent"], a["reason"]) for a in audit][0] == (
        "line 1 unit_price", "59.00", "55.00", "小美", "老客优惠")


def test_a_stale_remark_edit_is_refused_with_the_current_remark(db):
    seen = json.loads(run(db, "show", PAID, "--json").stdout)["flag_version"]
    # meanwhile another agent (another process, their own token) writes the remark
    other = CliRunner().invoke(app, ["orders", "flag", PAID, "red", "--remark", "改发顺丰到付", "--db", db],
                               env=cli_as(db, "阿强"))
    assert other.exit_code == 0, other.stderr
    res = run(db, "flag", PAID, "purple", "--remark", "加送袜子", "--base-version", str(seen))
    assert res.exit_code == 1
    assert "改发顺丰到付" in res.stderr and "阿强" in res.stderr and "没有保存" in res.stderr
    now = json.loads(run(db, "show", PAID, "--json").stdout)
    assert (now["flag"], now["remark"], now["flag_version"]) == ("red", "改发顺丰到付", seen + 1)
    res = run(db, "flag", PAID, "purple", "--remark", "改发顺丰到付，加送袜子", "--base-version", str(seen + 1))
    assert res.exit_code == 0 and "替换了原备注「改发顺丰到付」" in res.stdout


def test_list_filters_and_masks(db):
    rows = json.loads(run(db, "list", "--buyer", "小王爱购物", "--json").stdout)
    assert [r["order_no"] for r in rows] == [WAIT, "3712208811420002"]
    assert rows[0]["phone"] == "138****5678"
    assert json.loads(run(db, "show", WAIT, "--json").stdout)["phone"] == "13812345678"
    paid = json.loads(run(db, "list", "--state", "PAID", "--json").stdout)
    assert paid and {r["state"] for r in paid} == {"PAID"}
    assert json.loads(run(db, "list", "--flag", "red", "--json").stdout) == []


def test_import_bad_rows(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("订单编号,买家会员名,订单状态,订单创建时间\n,小王,交易成功,2026-11-01 10:00\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["orders", "import", str(bad), "--db", db, "--json"])
    assert res.exit_code != 0
    assert f"{bad}:2: 缺少订单编号" in res.stderr
    assert json.loads(res.stdout)["rejected"][0]["line"] == 2
    res = CliRunner().invoke(app, ["orders", "import", str(bad), "--db", db, "--skip-bad"])
    assert res.exit_code != 0 and f"{bad}:2: 缺少订单编号" in res.stderr  # not "imported 0", exit 0


def test_broken_flags_file_is_reported_not_a_traceback(db, tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(data_dir() / "shop.yaml", folder / "shop.yaml")
    (folder / "flags.yaml").write_text("conventions:\n  warehouse:\n    label: x\n    colours:\n      pink: {meaning: y}\n",
                                       encoding="utf-8")
    monkeypatch.setenv("CS_CONSOLE_DATA", str(folder))
    res = run(db, "flag", PAID, "red", "--remark", "x", "--agent", "小美")
    assert res.exit_code == 2
    assert f"{folder / 'flags.yaml'}:5:" in res.stderr
