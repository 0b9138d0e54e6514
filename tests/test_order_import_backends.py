"""The staged import on both backends: SQLite and PostgreSQL (merge SQL, casts, audit)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cs_console.domain.orders import OrderState
from cs_console.services.orders import ImportRejected
from tests.export_fixtures import ITEMS28, L61, Line, Ord, items_csv, orders_csv

NO = "3515313147329357912"


def test_import_reimport_and_refusal_on_each_backend(any_desk, tmp_path, clock):
    desk = any_desk
    orders = orders_csv(tmp_path / "o.csv", L61, [Ord(NO, state="卖家已发货，等待买家确认", tracking="YT1", courier="圆通速递"),
                                                  Ord("3515313147329357913", paid="")])
    items = items_csv(tmp_path / "i.csv", ITEMS28, [Line(NO, sub_no="1", price="59.90", qty="2"), Line(NO, sub_no="2")])
    summary = desk.orders.import_files(orders, items)
    assert (summary.imported, summary.updated, summary.items) == (2, 0, 2)
    o = desk.orders.show(NO)
    assert (o.state, o.tracking_no, o.amount) == (OrderState.SHIPPED, "YT1", Decimal("135.00"))
    assert o.placed_at == datetime(2019, 11, 10, 16, 1, 2, tzinfo=UTC)
    assert [(i.line_no, i.unit_price, i.quantity) for i in o.items] == [(1, Decimal("59.90"), 2), (2, Decimal("19.90"), 1)]
    assert desk.orders.show("3515313147329357913").paid_at is None
    clock.advance(hours=1)
    again = orders_csv(tmp_path / "o2.csv", L61, [Ord(NO, state="交易成功", tracking="YT2", courier="圆通速递")])
    items2 = items_csv(tmp_path / "i2.csv", ITEMS28, [Line(NO, sub_no="1", price="49.90", qty="2"), Line(NO, sub_no="2")])
    assert desk.orders.import_files(again, items2).updated == 1
    trail = [(a.agent, a.field, a.old, a.new) for a in desk.orders.audit(NO)]
    assert trail == [("导入", "state", "SHIPPED", "SUCCESS"), ("导入", "tracking_no", "YT1", "YT2"),
                     ("导入", "line 1 unit_price", "59.90", "49.90")]
    before = desk.orders.show(NO)
    bad = items_csv(tmp_path / "i3.csv", ITEMS28, [Line(NO, sub_no="1"), Line(NO, sub_no="1")])
    with pytest.raises(ImportRejected):
        desk.orders.import_files(again, bad)
    assert desk.orders.show(NO) == before


def test_merge_in_ranges_of_whole_orders(any_desk, tmp_path, monkeypatch):
    """A big file is written in several short transactions; each holds whole orders with their lines."""
    from cs_console.store import order_staging

    monkeypatch.setattr(order_staging, "MERGE_CHUNK", 3)
    monkeypatch.setattr(order_staging, "LOCK_BUDGET", 0)  # one range per transaction
    desk = any_desk
    nos = [f"35153131473293{k:05d}" for k in range(10)]
    first = orders_csv(tmp_path / "o.csv", L61, [Ord(n) for n in nos[:2]])
    desk.orders.import_files(first)  # two orders already in the store
    orders = orders_csv(tmp_path / "o2.csv", L61, [Ord(n, courier="中通快递") for n in nos[1:]])
    items = items_csv(tmp_path / "i.csv", ITEMS28, [Line(n, sub_no=f"{k}{j}", title=f"件{j}")
                                                   for k, n in enumerate(nos) for j in range(2)])
    steps = []
    summary = desk.orders.import_files(orders, items, progress=lambda done, total: steps.append((done, total)))
    assert (summary.imported, summary.updated, summary.items) == (8, 1, 20)
    assert all([i.title for i in desk.orders.show(n).items] == ["件0", "件1"] for n in nos)
    assert [a.field for a in desk.orders.audit(nos[1])] == ["courier"]
    assert steps[-1][0] == steps[-1][1] and len(steps) >= 4  # reading, then one step per range


def test_reimport_writes_what_changed_and_leaves_the_rest_as_it_was(any_desk, tmp_path):
    """Each kind of change reaches the store (a remark, money, a time, the buyer), money changes
    audited as yuan; an unchanged row reads back exactly as before and leaves no audit row."""
    desk = any_desk
    nos = [f"351531314732935{k:04d}" for k in range(4)]
    desk.orders.import_files(orders_csv(tmp_path / "o.csv", L61, [Ord(n) for n in nos]))
    before = desk.orders.show(nos[0])
    again = orders_csv(tmp_path / "o2.csv", L61, [Ord(nos[0]), Ord(nos[1], remark="加急", goods="129.05", total="135.05"),
                                                  Ord(nos[2], paid="2019-11-12 08:00:00"), Ord(nos[3], buyer="tb_小李")])
    assert desk.orders.import_files(again).updated == 4
    assert desk.orders.show(nos[0]) == before and desk.orders.audit(nos[0]) == []
    assert desk.orders.show(nos[1]).remark == "加急"
    assert [(a.agent, a.field, a.old, a.new) for a in desk.orders.audit(nos[1])] == [
        ("导入", "items_total", "129.00", "129.05"), ("导入", "amount", "135.00", "135.05")]
    assert desk.orders.show(nos[2]).paid_at == datetime(2019, 11, 12, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert desk.orders.show(nos[3]).buyer == "tb_小李"
