"""Listing commands on a current SQLite store read it through ``sqlite3`` alone (no SQLAlchemy,
no pydantic where the command needs no shop policy) and print exactly what the engine path
prints; any other store goes through the engine as before."""

import sqlite3
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from cs_console.domain.aftersales import CaseState, Handling, Reason
from cs_console.domain.followups import FollowupKind
from cs_console.domain.gateway import ChannelKind
from cs_console.store.tables import Order, OrderItem
from tests.goods_files import HAT, ROMPER, SOCKS, goods_file
from tests.order_seed import add_order
from tests.signin import sign_in

LISTINGS = [["chat", "list"], ["chat", "list", "--all"], ["chat", "list", "--json"], ["agents", "list"],
            ["agents", "list", "--json"], ["handover", "list"], ["handover", "list", "--open", "--json"],
            ["handover", "list", "--shift", "day"], ["handover", "list", "--shift", "白班", "--json"],
            ["handover", "list", "--day", "2026-11-23"],
            ["orders", "list"], ["orders", "list", "--json"], ["orders", "list", "--buyer", "小王", "--json"],
            ["orders", "list", "--state", "WAIT_BUYER_PAY"], ["orders", "list", "--flag", "red"],
            ["orders", "list", "--buyer", "没有这个人"], ["channel", "list"], ["channel", "list", "--json"],
            ["hangup", "list"], ["hangup", "list", "--pending", "--json"],
            ["report", "day"], ["report", "day", "--json"], ["report", "day", "--agent", "小美", "--json"],
            ["report", "day", "--date", "2026-11-22"], ["report", "week", "--json"],
            ["report", "week", "--date", "2026-11-23"], ["report", "week", "--date", "2026-11-23", "--json"],
            ["followups", "unpaid"], ["followups", "unpaid", "--json"], ["followups", "unpaid", "--all"],
            ["followups", "unpaid", "--all", "--json"],
            ["goods", "list"], ["goods", "list", "--json"], ["goods", "list", "--limit", "2", "--json"],
            ["goods", "show", "655123456789"], ["goods", "show", "LTY-2026.1", "--json"],
            ["goods", "show", "WZ-03-BK-M", "--json"], ["goods", "show", "nope"], ["goods", "stock", "LTY-2026.1"],
            ["goods", "stock", "WZ-03", "--json"],
            ["postage", "quote", "--courier", "yunda", "--province", "广东", "--goods", "LTY-BL-90x2", "--goods", "WZ-03"],
            ["postage", "quote", "--courier", "sto", "--province", "新疆", "--goods", "655123456789:free", "--json"],
            ["postage", "quote", "--courier", "sto", "--province", "广东", "--goods", "nope"],
            ["cases", "list"], ["cases", "list", "--json"], ["cases", "list", "--open", "--json"],
            ["cases", "list", "--order", "9003"], ["cases", "list", "--order", "没有这个订单"],
            ["reviews", "list"], ["reviews", "list", "--all"], ["reviews", "list", "--all", "--json"],
            ["replies", "search", "tk"], ["replies", "search", "qsd", "--json"],
            ["replies", "search", "tk", "--agent", "小美", "--json"], ["replies", "search", "物流", "--group", "物流"]]
PROBE = ("import sys, cs_console.cli\n"
         "try:\n    cs_console.cli.main()\n"
         "finally:\n    print('ENGINE' if 'sqlalchemy' in sys.modules else 'SQLITE3', file=sys.stderr)\n")


def _run(db, argv):
    res = subprocess.run([sys.executable, "-c", PROBE, *argv, "--db", str(db)], capture_output=True, text=True)
    *stderr, path = res.stderr.splitlines()
    return path, (res.returncode, res.stdout, stderr)


def _mark_schema_source_old(db):
    with sqlite3.connect(db) as conn:  # the engine path then checks the schema and records it again
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'schema_source'")


@pytest.fixture
def busy_store(desk, db_path, clock):
    """Chats waiting, served and closed, first responses today, handover notes and one stored
    handover event that fails the domain's check; orders paid, unpaid and flagged, one whose
    price was changed (its listing price comes from the audit trail), one with postage, two unpaid
    for long (one with two lines, contacted); a
    webhook channel and a revoked web-chat channel; a hang-up approved and one pending."""
    for buyer in ("小王", "小李", "阿珍"):
        desk.chats.inject(buyer, f"{buyer}：在吗")
        clock.advance(40)
    me = sign_in(desk, "小美")
    served = desk.chats.inject("小李", "发货了吗")
    desk.chats.send(served.chat_id, me, "今天发")
    desk.chats.close(served.chat_id, me)
    note = desk.handover.add("小王的退款待确认", "小美")
    desk.handover.add("阿珍要发票", "小美")
    desk.handover.ack(note.id, "小美")
    add_order(desk, "9001", "小王", placed_at=clock(), paid_at=clock(), amount="128.50", postage="8.00")
    add_order(desk, "9002", "小王", placed_at=clock(), state="WAIT_BUYER_PAY", amount="59.90", title="口水巾")
    add_order(desk, "9003", "阿珍", placed_at=clock(), flag="red", amount="19.00")
    desk.orders.set_item_price("9002", 1, "49.90", "老顾客", me)
    desk.gateway.create_channel("wx-bridge", ChannelKind.WEBHOOK, webhook_url="https://bridge.example/hook", by="小美")
    desk.gateway.create_channel("web-page", ChannelKind.WEB, by="小美", broadcast_per_minute=5)
    desk.gateway.revoke("web-page")
    sign_in(desk, "阿强")
    sign_in(desk, "组长", "supervisor")
    decided = desk.team.request_hangup("小美", "去仓库核对库存")
    desk.team.request_hangup("阿强", "午饭")
    desk.team.decide_hangup(decided, "组长", True, "半小时")
    earlier = clock() - timedelta(hours=2)
    add_order(desk, "9004", "阿珍", placed_at=earlier, state="WAIT_BUYER_PAY", amount="88.00", title="爬服")
    add_order(desk, "9005", "小李", placed_at=earlier + timedelta(minutes=30), state="WAIT_BUYER_PAY", amount="35.00")
    with desk.store.write() as s:
        s.add(OrderItem(order_id=s.exec(select(Order).where(Order.order_no == "9004")).one().id, line_no=2,
                        title="袜子", unit_price=Decimal("5.00"), quantity=2))
    desk.followups.record(FollowupKind.UNPAID, "9004", "小美")
    refund = desk.cases.add("9001", "小美", Reason.COLOUR, Handling.REFUND, amount=Decimal("128.50"), note="偏暗")
    desk.cases.add("9003", "阿强", Reason.SIZE, Handling.EXCHANGE, return_tracking_no="YT123")
    desk.cases.move(refund.id, CaseState.CLOSED, "小美", reason="买家撤回")
    reviews = db_path.parent / "reviews.csv"
    reviews.write_text("订单编号,买家,评价,内容,日期\n9001,小王,差评,颜色偏暗,2026-11-22\n9003,阿珍,好评,很好,2026-11-22\n"
                       "9005,小李,中评,一般,2026-11-21\n9002,小王,2,发货慢,2026-11-23\n", encoding="utf-8")
    desk.followups.import_reviews(reviews)
    desk.followups.record(FollowupKind.REVIEW, "1", "阿强")
    for _ in range(3):
        desk.replies.record_use("tkdz", "小美")  # her usage counts, read by a search with --agent
    catalogue = db_path.parent / "goods.csv"
    catalogue.write_bytes(goods_file([ROMPER, SOCKS, HAT]))
    desk.goods.import_file(catalogue)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO handover_events (id, note_id, kind, at, author, origin, data) "
                     "VALUES ('bad-1', 'n', 'created', '2026-11-23 02:00:00.000000', '小美', 'o', 'not json')")
    clock.advance(minutes=3)
    return db_path


@pytest.mark.parametrize("argv", LISTINGS, ids=" ".join)
def test_listing_prints_the_same_through_sqlite3_as_through_the_engine(busy_store, argv):
    _mark_schema_source_old(busy_store)
    path, through_engine = _run(busy_store, argv)
    assert path == "ENGINE"
    path, through_sqlite3 = _run(busy_store, argv)  # the engine recorded the schema as current
    assert path == "SQLITE3"
    assert through_sqlite3 == through_engine
    assert (through_engine[0] == 0 and through_engine[1].strip()) or "nope" in argv


def test_listing_shows_what_the_store_holds(busy_store):
    _, (code, out, err) = _run(busy_store, ["chat", "list"])
    assert code == 0 and "阿珍" in out and "小王" in out
    _, (code, out, err) = _run(busy_store, ["handover", "list"])
    assert "小王的退款待确认" in out and "阿珍要发票" in out
    assert any("bad-1" in line for line in err)  # the quarantined event is named, as before
    _, (code, out, err) = _run(busy_store, ["followups", "unpaid", "--all"])
    assert "9004" in out and "爬服 粉色/73 ×1，袜子 ×2" in out and "✓ 小美" in out and "9005" in out
    assert "9002" not in out  # placed three minutes ago: not overdue yet
    _, (code, out, err) = _run(busy_store, ["reviews", "list", "--all"])
    assert "颜色偏暗" in out and "一般" in out and "发货慢" in out and "很好" not in out
    _, (code, out, err) = _run(busy_store, ["goods", "show", "nope"])
    assert code == 1 and out == "" and any("nope" in line for line in err)


def test_store_of_a_newer_version_is_still_refused(busy_store):
    with sqlite3.connect(busy_store) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    path, (code, out, err) = _run(busy_store, ["chat", "list"])
    assert code == 2 and out == ""
    assert any("99" in line for line in err)


def test_unknown_shift_refused_in_chinese(busy_store):
    path, (code, out, err) = _run(busy_store, ["handover", "list", "--shift", "午班"])
    assert path == "SQLITE3" and code == 2
    assert any("没有这个班次：午班" in line for line in err)


def test_listing_follows_every_change_of_shop_yaml(busy_store, tmp_path, monkeypatch):
    """The time zone a listing remembers from the last full load of shop.yaml is used only
    for that very file: a new zone is shown at once, a broken file is refused as before."""
    import shutil

    from cs_console.config.locations import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("CS_CONSOLE_DATA", str(data))
    _, (code, shanghai, _) = _run(busy_store, ["orders", "list", "--json"])
    _, (_, again, _) = _run(busy_store, ["orders", "list", "--json"])
    assert code == 0 and again == shanghai and "+08:00" in shanghai
    shop = data / "shop.yaml"
    text = shop.read_text(encoding="utf-8")
    assert "Asia/Shanghai" in text
    shop.write_text(text.replace("Asia/Shanghai", "Europe/London"), encoding="utf-8")
    _, (code, london, _) = _run(busy_store, ["orders", "list", "--json"])
    assert code == 0 and "+08:00" not in london and "+00:00" in london
    shop.write_text(text.replace("Asia/Shanghai", "Mars/Olympus"), encoding="utf-8")
    for argv in (["orders", "list"], ["hangup", "list"], ["report", "day"], ["agents", "list"]):
        _, (code, out, err) = _run(busy_store, argv)
        assert code == 2 and out == ""
        assert any("shop.yaml:" in line for line in err), err


def test_report_follows_the_shops_response_rules_at_once(busy_store, tmp_path, monkeypatch):
    """The day report read without pydantic uses the response thresholds of the shop.yaml it
    finds: a raised `warning` moves the counts at once, and the engine agrees."""
    import json
    import shutil

    from cs_console.config.locations import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("CS_CONSOLE_DATA", str(data))
    argv = ["report", "day", "--json"]
    _run(busy_store, argv)
    path, (code, before, _) = _run(busy_store, argv)
    assert path == "SQLITE3" and code == 0
    assert json.loads(before)["rows"][-1]["fr_over_60"] == 1  # the 80 s first response
    shop = data / "shop.yaml"
    text = shop.read_text(encoding="utf-8")
    shop.write_text(text.replace("  warning: 60", "  warning: 100"), encoding="utf-8")
    _run(busy_store, argv)
    path, (code, after, _) = _run(busy_store, argv)
    assert path == "SQLITE3" and code == 0
    total = json.loads(after)["rows"][-1]
    assert total["fr_over_60"] == 0 and total["fr_count"] == 1
    _mark_schema_source_old(busy_store)
    path, through_engine = _run(busy_store, argv)
    assert path == "ENGINE" and through_engine == (0, after, [])


def test_reads_load_no_pydantic_once_shop_yaml_was_read_in_full(busy_store):
    probe = PROBE.replace("'sqlalchemy' in sys.modules", "{'sqlalchemy', 'pydantic'} & set(sys.modules)")
    for argv in (["report", "day"], ["report", "week", "--date", "2026-11-23"], ["followups", "unpaid", "--all"],
                 ["cases", "list"], ["reviews", "list"], ["agents", "list"], ["handover", "list"],
                 ["handover", "list", "--shift", "白班"],
                 ["goods", "list"], ["goods", "show", "WZ-03"], ["goods", "stock", "WZ-03"]):
        subprocess.run([sys.executable, "-c", probe, *argv, "--db", str(busy_store)], capture_output=True)
        res = subprocess.run([sys.executable, "-c", probe, *argv, "--db", str(busy_store)], capture_output=True,
                             text=True)
        assert res.returncode == 0 and res.stderr.splitlines()[-1] == "SQLITE3"


def test_agents_list_follows_the_shops_capacity_at_once(busy_store, tmp_path, monkeypatch):
    import shutil

    from cs_console.config.locations import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("CS_CONSOLE_DATA", str(data))
    shop = data / "shop.yaml"
    text = shop.read_text(encoding="utf-8")
    assert "  capacity: 8" in text
    for capacity in ("8", "13"):
        shop.write_text(text.replace("  capacity: 8", f"  capacity: {capacity}"), encoding="utf-8")
        _run(busy_store, ["agents", "list"])
        path, (code, out, _) = _run(busy_store, ["agents", "list"])
        assert path == "SQLITE3" and code == 0 and f"/{capacity}" in out


def test_handover_list_follows_the_shops_shifts_at_once(busy_store, tmp_path, monkeypatch):
    """The shifts a handover listing remembers from the last full load of shop.yaml are those of
    that very file: a renamed shift is known by its new name at once, the old name is refused."""
    import shutil

    from cs_console.config.locations import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("CS_CONSOLE_DATA", str(data))
    shop = data / "shop.yaml"
    text = shop.read_text(encoding="utf-8")
    assert text.count("白班") == 1
    for name, other in (("白班", "早班"), ("早班", "白班")):
        shop.write_text(text.replace("白班", name), encoding="utf-8")
        _run(busy_store, ["handover", "list"])
        path, (code, out, _) = _run(busy_store, ["handover", "list", "--shift", name])
        assert path == "SQLITE3" and code == 0 and "阿珍要发票" in out
        path, (code, out, err) = _run(busy_store, ["handover", "list", "--shift", other])
        assert code == 2 and any(f"没有这个班次：{other}" in line and f"day（{name}）" in line for line in err)


def test_postage_quote_follows_the_rates_and_freight_files_at_once(tmp_path, monkeypatch):
    """The calculator reads postage.yaml and freight.yaml as their last full load gave them
    while they are unchanged (no YAML parser then): a changed fee or template is quoted at
    once, a broken file is refused with its line as before."""
    import shutil

    from cs_console.config.locations import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("CS_CONSOLE_DATA", str(data))
    probe = PROBE.replace("'sqlalchemy' in sys.modules", "'ruamel.yaml' in sys.modules")

    def quote(*argv):
        res = subprocess.run([sys.executable, "-c", probe, "postage", "quote", "--province", "广东", *argv,
                              "--json"], capture_output=True, text=True)
        *err, parser = res.stderr.splitlines()
        return res.returncode, res.stdout, err, parser == "ENGINE"

    yunda, by_weight = ("--courier", "yunda", "--item", "59x2"), ("--courier", "sto", "--item", "59x2 0.3kg")
    for argv, full_load in ((yunda, True), (by_weight, False)):
        code, first, _, parsed = quote(*argv)
        assert code == 0 and parsed == full_load  # the first quote loads both files in full
        assert quote(*argv) == (0, first, [], False)  # then the same quote without the YAML parser
    assert '"postage": "17.00"' in quote(*yunda)[1]
    rates, freight = data / "postage.yaml", data / "freight.yaml"
    rates_text, freight_text = rates.read_text(encoding="utf-8"), freight.read_text(encoding="utf-8")
    rates.write_text(rates_text.replace("广东: {normal: 10, fees: {yunda: 12,", "广东: {normal: 10, fees: {yunda: 14,"),
                     encoding="utf-8")
    assert '"postage": "19.00"' in quote(*yunda)[1]
    before = quote(*by_weight)[1]
    edited = freight_text.replace("start_fee: 8, add_standard: 0.5", "start_fee: 9, add_standard: 0.5")
    assert edited != freight_text
    freight.write_text(edited, encoding="utf-8")
    after = quote(*by_weight)[1]
    assert after != before and quote(*by_weight)[:2] == (0, after)
    for broken, text in ((rates, rates_text.replace("partner: sto", "partner: nope")),
                         (freight, edited.replace('default_template: "21001"', 'default_template: "9"'))):
        broken.write_text(text, encoding="utf-8")
        code, out, err, _ = quote(*yunda)
        assert code == 2 and out == "" and any(f"{broken.name}:" in line for line in err), err
        broken.write_text(rates_text if broken == rates else edited, encoding="utf-8")
