"""The CLI's common behaviour: root options, store paths, shop time, filters, help."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cs_console.cli import app

runner = CliRunner()


def test_root_db_is_honoured_by_every_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CS_CONSOLE_DB", str(tmp_path / "default.db"))  # must not be used
    store = tmp_path / "shop.db"
    res = runner.invoke(app, ["--db", str(store), "chat", "inject", "在吗", "--buyer", "小王"])
    assert res.exit_code == 0, res.output
    assert store.exists() and not (tmp_path / "default.db").exists()
    listed = runner.invoke(app, ["--db", str(store), "chat", "list", "--json"])
    assert [c["buyer"] for c in json.loads(listed.output)] == ["小王"]


def test_store_in_a_missing_folder_is_refused_except_by_init(tmp_path):
    store = tmp_path / "typo" / "shop.db"
    res = runner.invoke(app, ["chat", "list", "--db", str(store)])
    assert res.exit_code == 2 and "文件夹不存在" in res.output
    assert not store.parent.exists()
    res = runner.invoke(app, ["init", "--db", str(store)])
    assert res.exit_code == 0, res.output
    assert store.exists()


def test_times_are_shop_time_with_offset(tmp_path, clock):
    db = str(tmp_path / "s.db")
    assert runner.invoke(app, ["chat", "inject", "在吗", "--buyer", "小王", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["chat", "log", "--buyer", "小王", "--db", db, "--json"])
    assert json.loads(res.output)[0]["at"] == "2026-11-23T10:00:00+08:00"  # the clock says 02:00 UTC
    human = runner.invoke(app, ["chat", "log", "--buyer", "小王", "--db", db]).output
    assert "2026-11-23T10:00:00+08:00" in human


@pytest.mark.parametrize(("args", "message"), [
    (["handover", "list", "--day", "2026-13-45"], "无效的日期"),
    (["handover", "list", "--shift", "火星"], "没有这个班次"),
    (["orders", "list", "--flag", "pink"], "没有这种旗帜颜色"),
    (["report", "day", "--date", "2026-02-30"], "无效的日期"),
])
def test_invalid_filters_are_errors(tmp_path, args, message):
    res = runner.invoke(app, [*args, "--db", str(tmp_path / "s.db")])
    assert res.exit_code != 0 and message in res.output


def test_shift_by_its_chinese_name(tmp_path):
    res = runner.invoke(app, ["handover", "list", "--shift", "白班", "--json", "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 0 and json.loads(res.output) == []


@pytest.mark.parametrize("args", [["--help"], ["report", "day", "--help"], ["chat", "log", "--help"]])
def test_help_names_values_without_type_noise(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0
    assert "<str>" not in res.output and "<bool>" not in res.output and "<path>" not in res.output
    assert "--db DB" in res.output
