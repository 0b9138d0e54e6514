"""Handover events from outside — an export file with a recomputed checksum, a sync peer, a row
already in the store — are checked by the domain before they are written; a bad one is refused
with FILE:LINE (files) or the holder's store id (peers), and a bad row already stored is
quarantined: every reader (handover list, export, sync, the TUI) skips it and says so."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cs_console.config.policy import load_policy
from cs_console.domain.handover_file import HandoverFileError, checksum
from cs_console.services.desk import make_desk


def _export(desk, tmp_path, *texts):
    for t in texts:
        desk.handover.add(t, "小美")
    f = tmp_path / "book.json"
    desk.handover.export(f)
    return f, json.loads(f.read_text(encoding="utf-8"))


def _forge(f, doc):
    """Write ``doc`` back with a *recomputed* checksum (the attacker's move)."""
    doc["sha256"] = checksum(doc["events"])
    f.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda ev: ev["data"].update(priority="ultra"), "未知的优先级「ultra」"),
    (lambda ev: ev.update(at="9999-12-31T23:59:59+00:00"), "at 超出允许的时间范围"),
    (lambda ev: ev.update(at="yesterday"), "at 不是有效时间"),
    (lambda ev: ev["data"].update(text="长" * 5000), "data.text 过长（5000 > 2000）"),
    (lambda ev: ev["data"].update(text=["a", "list"]), "data.text 的类型不对"),
    (lambda ev: ev["data"].update(buyer=_nested(50)), "data.buyer 的类型不对"),
    (lambda ev: ev.update(kind="deleted"), "未知的事件类型「deleted」"),
    (lambda ev: ev.update(author=12), "author 的类型不对"),
    (lambda ev: ev["data"].update(day="2026-13-45"), "data.day 不是 YYYY-MM-DD 日期"),
    (lambda ev: ev["data"].update(day="2026-11-23\n"), "data.day 过长（11 > 10）"),
    (lambda ev: ev.update(note_id=ev["note_id"] + "\n"), "note_id 不是 UUID"),
    (lambda ev: ev["data"].update(secret="x"), "不能带字段 secret"),
    (lambda ev: ev.update(extra=1), "未知字段 extra"),
])
def test_forged_export_refused_with_file_and_line(desk, tmp_path, clock, edit, reason):
    f, doc = _export(desk, tmp_path, "第一条", "第二条")
    edit(doc["events"][1])
    _forge(f, doc)
    other = make_desk(str(tmp_path / "other.db"), policy=load_policy(), clock=clock)
    try:
        with pytest.raises(HandoverFileError) as info:
            other.handover.import_(f)
        lines = f.read_text(encoding="utf-8").splitlines()
        line = next(i for i, ln in enumerate(lines, 1) if doc["events"][1]["id"] in ln) - 1  # the event's "{"
        assert str(info.value).startswith(f"{f}:{line}: 第 2 条事件无效：")
        assert reason in str(info.value)
        assert other.handover.event_count() == 0
    finally:
        other.close()


def test_deeply_nested_file_is_a_clear_error_on_the_cli(db_path, desk, tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    res = CliRunner().invoke(_cli(), ["handover", "import", str(f), "--db", str(db_path)])
    assert res.exit_code == 1
    assert "嵌套过深" in res.output or "不是交接文件" in res.output
    assert "Traceback" not in res.output
    assert desk.handover.event_count() == 0


def _cli():
    from cs_console.cli import app

    return app


# ---- a bad event already in a store --------------------------------------------------------
BAD_ROWS = [
    ("created", "2026-11-23 02:00:00", '{"text": "坏的优先级", "priority": "ultra"}'),
    ("created", "9999-12-31 23:59:00", '{"text": "九千九百九十九年", "priority": "normal"}'),
    ("created", "2026-11-23 02:00:00", json.dumps({"text": _nested(3), "priority": "normal"})),
    ("exploded", "2026-11-23 02:00:00", "{}"),
]


def _plant_bad_events(desk) -> list[str]:
    """What an older version, a forged peer or hand-written SQL could have left in a store."""
    ids = []
    with desk.store.write() as s:
        for kind, at, data in BAD_ROWS:
            ev_id = str(uuid.uuid4())
            ids.append(ev_id)
            s.connection().execute(text(
                "INSERT INTO handover_events (id, note_id, kind, at, author, origin, data) "
                "VALUES (:id, :note, :kind, :at, '坏人', 'elsewhere', :data)"),
                {"id": ev_id, "note": str(uuid.uuid4()), "kind": kind, "at": at, "data": data})
    return ids


def test_bad_stored_events_are_quarantined_and_readers_carry_on(any_desk, tmp_path):
    any_desk.handover.add("正常的交接", "小美")
    bad = _plant_bad_events(any_desk)
    notes = any_desk.handover.notes()
    assert [n.text for n in notes] == ["正常的交接"]
    assert sorted(i for i, _ in any_desk.handover.last_quarantine) == sorted(bad)
    reasons = dict(any_desk.handover.quarantine())
    assert "未知的优先级「ultra」" in reasons[bad[0]]
    assert "超出允许的时间范围" in reasons[bad[1]]
    assert "data.text 的类型不对" in reasons[bad[2]]
    assert "未知的事件类型「exploded」" in reasons[bad[3]]
    f = tmp_path / "out.json"
    assert any_desk.handover.export(f) == 1          # bad events never leave the store


def test_handover_list_cli_reports_quarantine_and_exits_zero(db_path, desk):
    desk.handover.add("正常的交接", "小美")
    _plant_bad_events(desk)
    res = CliRunner().invoke(_cli(), ["handover", "list", "--db", str(db_path)])
    assert res.exit_code == 0, res.output
    assert "正常的交接" in res.output
    assert "已隔离 4 条无效的交接事件" in res.output


def test_sync_refuses_a_peers_bad_events_with_its_store_id(desk, any_desk, clock):
    any_desk.handover.add("对方的正常交接", "小丽")
    bad = _plant_bad_events(any_desk)
    res = desk.handover.sync(any_desk.store.url)
    assert (res.sent, res.received) == (0, 1)
    assert len(res.refused) == len(bad) == 4
    peer_id = any_desk.store.store_id()
    assert all(line.startswith(f"对端存储 {peer_id}：事件 ") for line in res.refused)
    assert [n.text for n in desk.handover.notes()] == ["对方的正常交接"]
    assert desk.handover.quarantine() == []          # nothing bad crossed over
    # the next sync reports them again and still transfers nothing bad
    again = desk.handover.sync(any_desk.store.url)
    assert (again.sent, again.received, len(again.refused)) == (0, 0, 4)


async def test_tui_starts_and_shows_the_good_notes_of_a_store_with_bad_events(desk):
    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.handover_tab import HandoverTab

    desk.handover.add("正常的交接", "小美")
    _plant_bad_events(desk)
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+j")  # opens the handover dialog; the tab behind it loads the notes
        for _ in range(100):
            tabs = app.query(HandoverTab)
            if tabs and tabs.first().notes:
                break
            await pilot.pause(0.05)
        tab = app.query_one(HandoverTab)
        assert [n.text for n in tab.notes] == ["正常的交接"]
        assert "已隔离 4 条无效事件" in str(tab.query_one("#handover-status").render())
    assert app.return_code in (0, None)


def test_sync_between_two_files_refuses_bad_events_on_both_sides_with_each_holders_id(desk, tmp_path, clock):
    other = make_desk(str(tmp_path / "other.db"), policy=load_policy(), clock=clock)
    try:
        desk.handover.add("本机的正常交接", "小美")
        other.handover.add("对方的正常交接", "小丽")
        mine, theirs = _plant_bad_events(desk), _plant_bad_events(other)
        res = desk.handover.sync(other.store.url)
        assert (res.sent, res.received) == (1, 1)
        by_holder = {desk.store.store_id(): mine, other.store.store_id(): theirs}
        for holder, ids in by_holder.items():
            lines = [line for line in res.refused if line.startswith(f"对端存储 {holder}：事件 ")]
            assert sorted(next(i for i in ids if i in line) for line in lines) == sorted(ids)
        assert len(res.refused) == 8
        for d in (desk, other):
            assert sorted(n.text for n in d.handover.notes()) == ["对方的正常交接", "本机的正常交接"]
            assert len(d.handover.quarantine()) == 4  # only its own bad rows, none of the other's
    finally:
        other.close()


def test_a_peers_event_stored_in_another_valid_form_arrives_in_this_stores_form(desk, tmp_path, clock):
    """Hand-written or older rows (a time with an offset, no microseconds) are valid: they are
    received, rewritten as this store writes times, and show the same moment."""
    other = make_desk(str(tmp_path / "other.db"), policy=load_policy(), clock=clock)
    try:
        with other.store.write() as s:
            for ev_id, at in ((str(uuid.uuid4()), "2026-11-23T10:00:00+08:00"), (str(uuid.uuid4()), "2026-11-23 03:00:00")):
                s.connection().execute(text(
                    "INSERT INTO handover_events (id, note_id, kind, at, author, origin, data) "
                    "VALUES (:id, :note, 'created', :at, '小丽', 'elsewhere', :data)"),
                    {"id": ev_id, "note": str(uuid.uuid4()), "at": at,
                     "data": json.dumps({"text": f"写于 {at}", "priority": "high"}, ensure_ascii=False)})
        res = desk.handover.sync(other.store.url)
        assert (res.sent, res.received, res.refused) == (0, 2, ())
        times = {n.text: n.created_at.isoformat() for n in desk.handover.notes()}
        assert times == {"写于 2026-11-23T10:00:00+08:00": "2026-11-23T02:00:00+00:00",
                         "写于 2026-11-23 03:00:00": "2026-11-23T03:00:00+00:00"}
        with desk.store.read() as s:
            stored = sorted(r[0] for r in s.connection().execute(text("SELECT CAST(at AS TEXT) FROM handover_events")))
        assert stored == ["2026-11-23 02:00:00.000000", "2026-11-23 03:00:00.000000"]
        assert desk.handover.sync(other.store.url).as_dict() == {"sent": 0, "received": 0}
    finally:
        other.close()
