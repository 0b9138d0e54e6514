"""desk.replies: render for a buyer, usage per agent, personal phrases, hot reload, CLI."""

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.services.replies import ReplyService
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order, OrderItem

TEAM = """\
phrases:
  - group: 物流
    code: wl
    title: 物流查询
    text: 亲，订单{order_no}已由{courier}发出，运单号{tracking_no}{cursor}。
  - group: 核对地址
    code: hd
    title: 核对地址
    text: 亲{buyer}，请确认地址：{address}，宝贝 {items}，合计{total}（运费{postage}）。
"""


@pytest.fixture
def replies(desk, tmp_path) -> ReplyService:
    team = tmp_path / "team.yaml"
    team.write_text(TEAM, encoding="utf-8")
    svc = ReplyService(desk.store, desk.policy, desk.clock, team_file=team, personal_dir=tmp_path / "mine",
                       cache_file=tmp_path / "cache" / "pinyin.json")
    return svc


def _order(desk, clock, nick="买家A"):
    with desk.store.write() as s:
        buyer = ensure_buyer(s, nick, clock())
        order = Order(order_no="T100", buyer_id=buyer.id, placed_at=clock(), state="SHIPPED", province="广东省",
                      city="广州市", address_detail="天河路1号", amount=Decimal("128.50"), postage=Decimal("0"),
                      courier="申通", tracking_no="ST123")
        s.add(order)
        s.flush()
        s.add(OrderItem(order_id=order.id, line_no=1, title="连体衣", colour="粉色", size="73", unit_price=Decimal("64.25"),
                        quantity=2))


def test_render_for_a_buyer_with_an_order(desk, clock, replies):
    _order(desk, clock)
    r = replies.render("/WL", "买家A", "小美")
    assert r.filled.text == "亲，订单T100已由申通发出，运单号ST123。"
    assert r.filled.cursor == r.filled.text.index("。") and r.filled.missing == ()
    r = replies.render("hd", "买家A", "小美")
    assert r.filled.text == "亲买家A，请确认地址：广东省广州市天河路1号，宝贝 连体衣 粉色/73 ×2，合计¥128.50（运费¥0.00）。"


def test_render_without_order_leaves_placeholders_visible(desk, clock, replies):
    _order(desk, clock, "别的买家")
    r = replies.render("hd", "新买家", "小美")
    assert "{address}" in r.filled.text and "广东" not in r.filled.text  # never another buyer's data
    assert r.filled.missing == ("address", "items", "total", "postage")
    with pytest.raises(LookupError):
        replies.render("nope", "新买家", "小美")


def test_usage_is_counted_per_agent_and_orders_ties(replies):
    assert replies.search("亲")[0].phrase.code == "wl"
    replies.record_use("hd", "小美")
    assert replies.record_use("hd", "小美") == 2
    assert replies.usage("小美") == {"hd": 2} and replies.usage("小刚") == {}
    assert replies.search("亲", "小美")[0].phrase.code == "hd"
    assert replies.search("亲", "小刚")[0].phrase.code == "wl"
    assert [(a, c, n) for a, c, n, _ in replies.usage_report()] == [("小美", "hd", 2)]


def test_personal_phrases_are_only_for_their_agent(replies, tmp_path):
    mine = replies.personal_file("小美")
    mine.parent.mkdir(parents=True)
    mine.write_text("phrases:\n  - group: 我的\n    code: wd\n    title: 我的签名\n    text: 小美为您服务\n", "utf-8")
    assert replies.search("wd", "小美")[0].phrase.personal
    assert replies.get("wd", "小刚") is None and replies.get("wd") is None
    assert [h.phrase.text for h in replies.search("wd", "小刚", limit=50) if h.phrase.personal] == []


def test_bad_file_keeps_last_good_set_and_reloads_when_fixed(replies):
    assert replies.get("wl") is not None
    team = replies.team_file
    good = team.read_text("utf-8")
    team.write_text(good.replace("code: hd", "code: wl"), "utf-8")
    os.utime(team, ns=(1, 1))  # a different mtime even on coarse clocks
    changed, problems = replies.reload_if_changed()
    assert not changed and problems == [f"{team}:7: phrases.1.code: 编码重复「wl」（第 3 行已用过）"]
    assert replies.get("hd") is not None  # last good set still in use
    team.write_text(good.replace("物流查询", "查物流"), "utf-8")
    changed, problems = replies.reload_if_changed()
    assert changed and problems == [] and replies.get("wl").title == "查物流"
    assert replies.reload_if_changed() == (False, [])


def test_pinyin_keys_are_cached_on_disk(replies, desk, tmp_path, monkeypatch):
    replies.search("wl")
    cache = json.loads((tmp_path / "cache" / "pinyin.json").read_text("utf-8"))
    assert ["wuliuchaxun", "wlcx"] in cache.values() and len(cache) == 4  # 2 titles + 2 texts

    def no_pinyin(text):
        raise AssertionError(f"pinyin computed again for {text}")

    monkeypatch.setattr("cs_console.domain.replies.pinyin.pinyin_keys", no_pinyin)
    again = ReplyService(desk.store, desk.policy, desk.clock, team_file=replies.team_file,
                         cache_file=tmp_path / "cache" / "pinyin.json")
    assert again.search("wlcx")[0].phrase.code == "wl"  # next start: keys from the cache


@pytest.fixture
def cli_env(monkeypatch, tmp_path, db_path):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM, encoding="utf-8")
    monkeypatch.setenv("CS_CONSOLE_REPLIES", str(team))
    return ["--db", str(db_path)]


def test_cli_search_json(cli_env):
    res = CliRunner().invoke(app, ["replies", "search", "wlcx", "--limit", "1", "--json", *cli_env])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"code": "wl", "group": "物流", "title": "物流查询", "score": 80,
                                       "text": "亲，订单{order_no}已由{courier}发出，运单号{tracking_no}{cursor}。"}]


def test_cli_render_reports_unfilled_on_stderr(cli_env):
    res = CliRunner().invoke(app, ["replies", "render", "wl", "--buyer", "小王", *cli_env])
    assert res.exit_code == 0
    assert res.stdout.strip() == "亲，订单{order_no}已由{courier}发出，运单号{tracking_no}。"
    assert "unfilled: {order_no}, {courier}, {tracking_no}" in res.stderr
    res = CliRunner().invoke(app, ["replies", "render", "zz", "--buyer", "小王", *cli_env])
    assert res.exit_code == 1 and "没有编码为 zz 的快捷短语" in res.stderr


def test_cli_refuses_a_bad_team_file(cli_env, tmp_path):
    (tmp_path / "team.yaml").write_text("phrases:\n  - code: x\n", "utf-8")
    res = CliRunner().invoke(app, ["replies", "search", "wl", *cli_env])
    assert res.exit_code == 2 and f"{tmp_path / 'team.yaml'}:2:" in res.stderr


def test_default_team_file_is_the_repo_file(desk):
    assert desk.replies.team_file == Path(__file__).resolve().parents[1] / "quick_replies.yaml"


def test_cli_usage_report(cli_env, db_path, desk):
    desk.replies.record_use("wl", "小美")
    res = CliRunner().invoke(app, ["replies", "usage", "--json", *cli_env])
    assert res.exit_code == 0
    assert [(r["agent"], r["code"], r["uses"]) for r in json.loads(res.stdout)] == [("小美", "wl", 1)]


def _loaded_after(imports: str, modules: tuple[str, ...]) -> list[str]:
    import subprocess
    import sys

    code = f"import sys, {imports}; print(sorted(m for m in {modules!r} if m in sys.modules))"
    return eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_reply_domain_is_pure_and_stays_off_the_start_up_path():
    domain = "cs_console.domain.replies.index, cs_console.domain.replies.model, cs_console.domain.replies.pinyin"
    assert _loaded_after(domain, ("textual", "sqlalchemy", "sqlmodel", "cs_console.store")) == []
    assert _loaded_after("cs_console.services.desk", ("pypinyin", "rapidfuzz", "cs_console.domain.replies.index")) == []


def test_cli_check_an_agents_own_file_and_search_one_group(cli_env, tmp_path, monkeypatch):
    monkeypatch.setenv("CS_CONSOLE_PERSONAL_REPLIES", str(tmp_path / "mine"))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "小美.yaml").write_text("phrases:\n  - group: 我的\n    code: w\n    title: t\n    text: ok\n", "utf-8")
    res = CliRunner().invoke(app, ["replies", "check", "--agent", "小美"])
    assert res.exit_code == 1 and f"{tmp_path / 'mine' / '小美.yaml'}:3: phrases.0.code:" in res.stderr
    res = CliRunner().invoke(app, ["replies", "search", "亲", "--group", "核对地址", "--json", *cli_env])
    assert [r["code"] for r in json.loads(res.stdout)] == ["hd"]
