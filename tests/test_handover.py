"""The handover book on real stores: notes, export/import, and sync SQLite↔SQLite/PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from cs_console.config.policy import load_policy
from cs_console.domain.handover import NoteState
from cs_console.domain.handover_file import HandoverFileError
from cs_console.services.desk import make_desk
from cs_console.services.handover import HandoverError
from cs_console.store.chats import ensure_buyer
from cs_console.store.engine import StoreError
from cs_console.store.tables import Order
from tests.signin import cli_as, sign_in


def add_order(desk, order_no="T1001", buyer="小王"):
    with desk.store.write() as s:
        b = ensure_buyer(s, buyer, desk.clock())
        s.add(Order(order_no=order_no, buyer_id=b.id, placed_at=desk.clock(), state="PAID"))


def state(desk) -> list[tuple]:
    """Everything a note shows, comparable across stores."""
    return sorted((n.id, n.state, n.text, n.priority, n.acked_by, n.done_by, n.resolution, n.edits)
                  for n in desk.handover.notes())


def event_rows(desk) -> tuple[int, int]:
    with desk.store.read() as s:
        total, distinct = s.connection().execute(
            text("SELECT count(*), count(DISTINCT id) FROM handover_events")).one()
    return total, distinct


# ---- notes -------------------------------------------------------------------------------
def test_add_ack_done_and_board_order(any_desk, clock):
    h = any_desk.handover
    add_order(any_desk)
    a = h.add("T1001 买家要改地址，已备注，明早确认仓库", "小美", order_no="T1001", priority="high")
    assert (a.buyer, a.order_no, a.shift, a.for_shift, a.day) == ("小王", "T1001", "day", "night", "2026-11-23")
    clock.advance(60)
    b = h.add("小李问尺码，未回复", "小美")
    clock.advance(60)
    c = h.add("仓库缺货：粉色73码", "小美", priority="urgent")
    assert [n.id for n in h.notes()] == [c.id, a.id, b.id]  # priority, then newest
    clock.advance(3600 * 6)  # night shift
    assert h.ack(a.id[:6], "阿强").acked_by == "阿强"
    with pytest.raises(HandoverError, match="已经是「已确认」"):
        h.ack(a.id, "小丽")
    done = h.done(c.id[:8], "阿强", "已通知买家换色")
    assert (done.state, done.done_by, done.resolution) == (NoteState.DONE, "阿强", "已通知买家换色")
    assert [n.id for n in h.notes()] == [b.id, a.id, c.id]  # unacked, acked, done
    assert [n.id for n in h.notes(open_only=True)] == [b.id, a.id]
    assert h.notes(shift="night") == [] and len(h.notes(day="2026-11-23")) == 3
    assert [n.id for n in h.inbox("阿强")] == [b.id]   # 阿强 is in the night shift at 16:00+


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": "  "}, "不能为空"),
    ({"text": "x", "order_no": "NOPE"}, "没有订单"),
    ({"text": "x", "priority": "asap"}, "未知的优先级"),
    ({"text": "x", "for_shift": "evening"}, "未知的班次"),
    ({"text": "x" * 3000}, "过长"),
])
def test_refused_note_writes_nothing(desk, kwargs, message):
    with pytest.raises(HandoverError, match=message):
        desk.handover.add(agent="小美", **kwargs)
    assert desk.handover.event_count() == 0


def test_done_needs_resolution_and_unknown_id(desk):
    n = desk.handover.add("x", "小美")
    with pytest.raises(HandoverError, match="处理结果"):
        desk.handover.done(n.id, "阿强", " ")
    with pytest.raises(HandoverError, match="没有交接记录"):
        desk.handover.ack("ffffffff", "阿强")
    assert desk.handover.event_count() == 1


# ---- export / import -----------------------------------------------------------------------
def test_export_import_round_trip_idempotent(desk, tmp_path, clock):
    a = desk.handover.add("第一条", "小美")
    desk.handover.add("第二条", "小美", buyer="小王")
    desk.handover.ack(a.id, "阿强")
    f = tmp_path / "book.json"
    assert desk.handover.export(f) == 3
    other = make_desk(str(tmp_path / "other.db"), policy=load_policy(), clock=clock)
    try:
        res = other.handover.import_(f)
        assert (res.events, res.inserted) == (3, 3)
        assert state(other) == state(desk)
        assert other.handover.import_(f).inserted == 0  # idempotent
        assert event_rows(other) == (3, 3)
    finally:
        other.close()


def _tamper_text(doc):
    doc["events"][0]["data"]["text"] = "改过的"


def _drop_event(doc):
    doc["events"].pop()


def _bad_kind(doc):
    doc["events"][0]["kind"] = "deleted"


def _bad_count(doc):
    doc["count"] = 5


@pytest.mark.parametrize(("change", "message"), [
    (_tamper_text, "校验和不符"),
    (_drop_event, "已损坏"),
    (_bad_count, "已损坏"),
    (_bad_kind, "校验和不符"),
])
def test_tampered_file_refused_and_nothing_changes(desk, tmp_path, clock, change, message):
    desk.handover.add("第一条", "小美")
    desk.handover.add("第二条", "小美")
    f = tmp_path / "book.json"
    desk.handover.export(f)
    doc = json.loads(f.read_text(encoding="utf-8"))
    change(doc)
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    other = make_desk(str(tmp_path / "other.db"), policy=load_policy(), clock=clock)
    try:
        with pytest.raises(HandoverFileError, match=message):
            other.handover.import_(f)
        assert other.handover.event_count() == 0
    finally:
        other.close()


def test_forged_checksum_still_validated(desk, tmp_path):
    """A file whose checksum was recomputed after a bad edit is still checked field by field."""
    from cs_console.domain.handover_file import checksum

    desk.handover.add("第一条", "小美")
    f = tmp_path / "book.json"
    desk.handover.export(f)
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["events"][0]["id"] = "not-a-uuid"
    doc["sha256"] = checksum(doc["events"])
    f.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(HandoverFileError, match=r"book.json:\d+: 第 1 条事件无效：id 不是 UUID"):
        desk.handover.import_(f)


@pytest.mark.parametrize("content", ["", "{", "[]", '{"format": "other"}', "\xff"])
def test_malformed_file_refused(desk, tmp_path, content):
    f = tmp_path / "bad.json"
    f.write_text(content, encoding="latin-1")
    with pytest.raises(HandoverFileError):
        desk.handover.import_(f)
    assert desk.handover.event_count() == 0


# ---- sync ----------------------------------------------------------------------------------
@pytest.fixture
def peer(store_url, clock):
    """A second store: a SQLite file, then (postgres marker) a PostgreSQL database."""
    d = make_desk(store_url, policy=load_policy(), clock=clock)
    yield d
    d.close()


def test_sync_both_directions_idempotent_and_edits_on_both_sides(desk, peer, clock):
    a = desk.handover.add("白班：小王退款", "小美")
    desk.handover.add("白班：仓库缺货", "小美")
    clock.advance(10)
    p = peer.handover.add("另一台电脑：小李要发顺丰", "小丽")
    res = desk.handover.sync(peer.store.url)
    assert res.as_dict() == {"sent": 2, "received": 1}
    assert state(desk) == state(peer)
    assert desk.handover.sync(peer.store.url).as_dict() == {"sent": 0, "received": 0}
    assert peer.handover.sync(desk.store.url).as_dict() == {"sent": 0, "received": 0}
    # both sides change the same notes while apart
    clock.advance(10)
    desk.handover.ack(p.id, "小美")
    desk.handover.edit(a.id, "小美", text="白班：小王退款（已联系）")
    clock.advance(10)
    peer.handover.ack(p.id, "阿强")        # second acknowledgement: the first one stays
    peer.handover.edit(a.id, "阿强", priority="urgent")
    peer.handover.done(a.id, "阿强", "已退款")
    res = peer.handover.sync(desk.store.url)  # the other direction this time
    assert res.as_dict() == {"sent": 3, "received": 2}
    assert state(desk) == state(peer)
    notes = {n.id: n for n in desk.handover.notes()}
    assert notes[p.id].acked_by == "小美"
    assert (notes[a.id].text, notes[a.id].priority, notes[a.id].resolution) == ("白班：小王退款（已联系）", "urgent", "已退款")
    assert event_rows(desk) == event_rows(peer) == (8, 8)


def test_concurrent_syncs_never_duplicate(desk, peer, clock):
    for i in range(300):
        desk.handover.add(f"本机 {i}", "小美")
        peer.handover.add(f"对方 {i}", "小丽")
    errors: list[BaseException] = []

    def run(src_url, dst_url):
        d = make_desk(src_url, policy=load_policy(), clock=clock)
        try:
            d.handover.sync(dst_url)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            d.close()

    threads = [threading.Thread(target=run, args=(desk.store.url, peer.store.url)),
               threading.Thread(target=run, args=(peer.store.url, desk.store.url)),
               threading.Thread(target=run, args=(desk.store.url, peer.store.url))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert event_rows(desk) == event_rows(peer) == (600, 600)
    assert state(desk) == state(peer)
    assert desk.handover.sync(peer.store.url).as_dict() == {"sent": 0, "received": 0}


def test_sync_with_itself_refused(desk):
    with pytest.raises(StoreError, match="就是本存储"):
        desk.handover.sync(desk.store.url)


@pytest.mark.postgres
def test_postgres_to_sqlite_direction(pg_url, tmp_path, clock):
    """A PostgreSQL team store syncing out to a SQLite file on a PC with no connection."""
    pg = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        pg.handover.add("服务器上的交接", "小美")
        assert pg.handover.sync(str(tmp_path / "pc.db")).as_dict() == {"sent": 1, "received": 0}
        lite = make_desk(str(tmp_path / "pc.db"), policy=load_policy(), clock=clock)
        try:
            lite.handover.add("电脑上的交接", "阿强")
            assert lite.handover.sync(pg_url).as_dict() == {"sent": 1, "received": 0}
            assert state(lite) == state(pg)
        finally:
            lite.close()
    finally:
        pg.close()


def test_changes_never_precede_the_notes_history(desk, clock):
    """A PC whose clock is behind still appends after the note's last event."""
    n = desk.handover.add("x", "小美")
    clock.advance(-3600)
    done = desk.handover.done(n.id, "阿强", "好了")
    assert done.done_at > n.created_at
    reopened = desk.handover.reopen(n.id, "小美")   # same instant as "done": still after it
    assert reopened.state == NoteState.ACKNOWLEDGED
    assert desk.handover.get(n.id).state == NoteState.ACKNOWLEDGED


def test_cli_handover_export_import_sync(db_path, desk, tmp_path):
    from typer.testing import CliRunner

    from cs_console.cli import app as cli_app

    runner = CliRunner()

    def run(*args: str, code: int = 0):
        who = args[args.index("--agent") + 1] if "--agent" in args else None  # signed in as them
        res = runner.invoke(cli_app, [*args, "--db", str(db_path)], env=cli_as(str(db_path), who) if who else None)
        assert res.exit_code == code, res.output
        return res

    run("handover", "add", "小王退款", "--agent", "小美", "--priority", "high")
    run("handover", "add", "x", "--agent", "小美", "--priority", "asap", code=1)
    f = tmp_path / "book.json"
    run("handover", "export", str(f))
    other = str(tmp_path / "other.db")
    assert json.loads(run("sync", other, "--json").output) == {"sent": 1, "received": 0}
    assert json.loads(run("sync", other, "--json").output) == {"sent": 0, "received": 0}
    f.write_text(f.read_text(encoding="utf-8").replace("小王", "小李"), encoding="utf-8")
    res = run("handover", "import", str(f), code=1)
    assert "校验和不符" in res.output
    assert json.loads(run("handover", "list", "--open", "--json").output)[0]["text"] == "小王退款"


def test_unrostered_day_agent_writing_at_handover_time_writes_for_the_night(desk, clock):
    p = desk.chats.inject("小王", "在吗")
    desk.chats.send(p.chat_id, sign_in(desk, "小美"), "在的")  # 10:00: 小美 starts with the day shift
    clock.advance(hours=6, minutes=30)                 # 16:30, both shifts on duty
    n = desk.handover.add("小王的地址待确认", "小美")
    assert (n.shift, n.for_shift) == ("day", "night")
    assert desk.handover.agent_shift("新来的").id == "day"  # no action today: judged by now (day is under way)
    clock.advance(hours=1, minutes=30)                 # 18:00: only the night shift is on
    assert desk.handover.agent_shift("新来的").id == "night"
