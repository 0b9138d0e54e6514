"""The audit log and the handover event log are append-only in the database itself: UPDATE and
DELETE fail on SQLite and PostgreSQL, whoever issues them, and the rows stay as they were."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cs_console.services.errors import user_message
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order
from tests.signin import add_agent


def _seed(desk, clock):
    add_agent(desk, "小美")
    with desk.store.write() as s:
        b = ensure_buyer(s, "小王", clock())
        s.add(Order(order_no="T1001", buyer_id=b.id, state="PAID", placed_at=clock()))
    desk.orders.flag("T1001", "red", "发顺丰", "小美")
    desk.handover.add("T1001 明早补发", "小美")


def _rows(desk, table):
    with desk.store.read() as s:
        return [tuple(r) for r in s.connection().execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()]


@pytest.mark.parametrize("table", ["audit_log", "handover_events"])
@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET {column} = 'x'",
    "DELETE FROM {table}",
])
def test_update_and_delete_fail_on_both_backends(any_desk, clock, table, statement):
    _seed(any_desk, clock)
    before = _rows(any_desk, table)
    assert len(before) >= 1
    column = "reason" if table == "audit_log" else "author"
    with pytest.raises(DBAPIError) as info:
        with any_desk.store.write() as s:
            s.connection().execute(text(statement.format(table=table, column=column)))
    assert "append-only" in str(info.value)
    assert user_message(info.value) == f"{table} 只能追加，不能修改或删除"
    assert _rows(any_desk, table) == before


@pytest.mark.postgres
def test_truncate_fails_on_postgres(pg_url, clock):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        _seed(desk, clock)
        before = _rows(desk, "audit_log")
        with pytest.raises(DBAPIError):
            with desk.store.write() as s:
                s.connection().execute(text("TRUNCATE audit_log"))
        assert _rows(desk, "audit_log") == before
    finally:
        desk.close()


def test_guards_survive_reopening_the_store(desk, clock, db_path):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    _seed(desk, clock)
    again = make_desk(str(db_path), policy=load_policy(), clock=clock)  # init runs again: idempotent
    try:
        with pytest.raises(DBAPIError):
            with again.store.write() as s:
                s.connection().execute(text("DELETE FROM audit_log"))
        assert len(_rows(again, "audit_log")) == len(_rows(desk, "audit_log")) >= 1
    finally:
        again.close()


def test_remark_change_carries_a_reason(desk, clock):
    _seed(desk, clock)  # flag red with remark 发顺丰, no explicit reason
    desk.orders.flag("T1001", "red", "发顺丰，送小袜子", "小美", reason="买家要赠品")
    rows = [r for r in desk.orders.audit("T1001") if r.field == "remark"]
    assert [(r.old, r.new) for r in rows] == [("", "发顺丰"), ("发顺丰", "发顺丰，送小袜子")]
    assert rows[0].reason == desk.orders.convention.meaning("red") != ""
    assert rows[1].reason == "买家要赠品"
