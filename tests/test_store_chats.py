"""The chat store on a real SQLite file: messages, waits, first response, drafts, versions."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, Table, select
from sqlmodel import select as sqlmodel_select

from cs_console.domain.chat import ChatStatus
from cs_console.store import StoreVersionError, open_store
from cs_console.store.engine import SCHEMA_VERSION
from cs_console.store.types import Money
from tests.signin import add_agents


@pytest.fixture
def desk(any_desk):
    """The chat-store tests run on SQLite and on PostgreSQL (``postgres`` marker)."""
    return add_agents(any_desk)


def test_buyer_message_opens_waiting_chat_and_reply_records_first_response(desk, clock):
    desk.chats.inject("小王", "在吗")
    clock.advance(12)
    desk.chats.inject("小王", "这件有M码吗")
    clock.advance(13)
    [chat] = desk.chats.sessions()
    assert chat.status == ChatStatus.WAITING
    assert chat.unread == 2
    assert chat.waiting_seconds(clock()) == 25
    desk.chats.send(chat.chat_id, "小美", "亲，有的")
    after = desk.chats.summary(chat.chat_id)
    assert after.status == ChatStatus.SERVING
    assert after.first_response_seconds == 25
    assert after.waiting_since is None and after.unread == 0
    # the next buyer message starts a new wait, but the first response stays
    clock.advance(5)
    desk.chats.inject("小王", "好的")
    clock.advance(40)
    desk.chats.send(chat.chat_id, "小美", "好的亲")
    assert desk.chats.summary(chat.chat_id).first_response_seconds == 25


def test_session_order_waiting_longest_first_then_served(desk, clock):
    desk.chats.inject("a", "1")
    clock.advance(5)
    desk.chats.inject("b", "1")
    clock.advance(5)
    desk.chats.inject("c", "1")
    served = desk.chats.chat_of("c").chat_id
    desk.chats.send(served, "小美", "在的")
    assert [c.buyer_nick for c in desk.chats.sessions()] == ["a", "b", "c"]
    clock.advance(1)
    desk.chats.send(desk.chats.chat_of("a").chat_id, "小美", "在的")
    assert [c.buyer_nick for c in desk.chats.sessions()] == ["b", "a", "c"]


def test_close_keeps_history_and_next_message_opens_new_chat(desk, clock):
    p = desk.chats.inject("小王", "在吗")
    desk.chats.send(p.chat_id, "小美", "在的")
    desk.chats.close(p.chat_id, "小美")
    assert desk.chats.sessions() == []
    assert [m.text for m in desk.chats.log("小王")][:2] == ["在吗", "在的"]
    q = desk.chats.inject("小王", "又来了")
    assert q.chat_id != p.chat_id
    with pytest.raises(ValueError):
        desk.chats.send(p.chat_id, "小美", "closed chat")


def test_draft_round_trip_and_cleared_on_send(desk):
    p = desk.chats.inject("小王", "在吗")
    desk.chats.save_draft(p.chat_id, "小美", "亲，稍等", 2)
    assert desk.chats.draft(p.chat_id, "小美") == ("亲，稍等", 2)
    assert desk.chats.draft(p.chat_id, "另一个客服") == ("", 0)
    desk.chats.send(p.chat_id, "小美", "亲，稍等")
    assert desk.chats.draft(p.chat_id, "小美") == ("", 0)


def test_control_sequences_stripped_markup_kept_literally(desk):
    p = desk.chats.inject("[b]x[/b]", "看 \x1b[31m红\x1b[0m [bold red]x[/] \x07响")
    [m] = desk.chats.recent(p.chat_id)
    assert m.text == "看 红 [bold red]x[/] 响"
    assert desk.chats.summary(p.chat_id).buyer_nick == "[b]x[/b]"


def test_empty_message_refused_and_nothing_written(desk):
    with pytest.raises(ValueError):
        desk.chats.inject("小王", "   ")
    assert desk.chats.sessions() == []


def test_windowed_history(desk, clock):
    p = desk.chats.inject("小王", "m0")
    for i in range(1, 250):
        desk.chats.inject("小王", f"m{i}")
    last = desk.chats.recent(p.chat_id, 100)
    assert [m.text for m in last][0] == "m150" and last[-1].text == "m249"
    older = desk.chats.recent(p.chat_id, 100, before_id=last[0].id)
    assert older[-1].text == "m149"
    assert [m.text for m in desk.chats.after(p.chat_id, last[-2].id)] == ["m249"]


def test_sqlite_pragmas_wal_foreign_keys(db_path, sqlite_desk):
    desk = sqlite_desk
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with desk.store.read() as s:
        assert s.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert s.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_newer_schema_refused_without_change(db_path, sqlite_desk):
    desk = sqlite_desk
    desk.close()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    con.commit()
    before = db_path.read_bytes()
    with pytest.raises(StoreVersionError, match="newer cs-console"):
        open_store(str(db_path))
    assert db_path.read_bytes() == before


def test_money_column_is_exact_integer_fen(tmp_path):
    store = open_store(str(tmp_path / "m.db"))
    md = MetaData()
    t = Table("money_probe", md, Column("amount", Money))
    md.create_all(store.engine)
    big = Decimal("12345678901234567.89")  # REAL would lose the fen
    with store.engine.begin() as c:
        c.execute(t.insert().values(amount=big))
    with store.engine.connect() as c:
        assert c.execute(select(t.c.amount)).scalar() == big
        raw = c.exec_driver_sql("SELECT typeof(amount), amount FROM money_probe").one()
    assert raw == ("integer", 1234567890123456789)


def test_replies_to_a_channel_buyer_leave_by_the_outbox_with_their_draft_cleared(desk, clock):
    """The first reply takes the chat; the next ones (in a chat already the agent's) are written
    the same way: each counted as a response to the buyer's wait, queued for the buyer's channel
    as 已发送 with the agent's name, and the agent's draft of the chat gone."""
    from cs_console.domain.gateway import ChannelKind

    pull = desk.gateway.create_channel("qianniu", ChannelKind.PULL).channel
    first = desk.gateway.inbound(pull.id, external_id="tb-1", nick="小王", text="在吗", platform_message_id="m1")
    clock.advance(10)
    one = desk.chats.send(first.chat_id, "小美", "在的亲")
    clock.advance(5)
    desk.gateway.inbound(pull.id, external_id="tb-1", nick="小王", text="有M码吗", platform_message_id="m2")
    desk.chats.save_draft(first.chat_id, "小美", "有的，", 3)
    clock.advance(20)
    two = desk.chats.send(first.chat_id, "小美", "有的，亲")
    three = desk.chats.send(first.chat_id, "小美", "还有别的吗")
    after = desk.chats.summary(first.chat_id)
    assert after.status == ChatStatus.SERVING and after.unread == 0 and after.waiting_since is None
    assert after.first_response_seconds == 10 and after.preview == "还有别的吗"
    assert desk.chats.draft(first.chat_id, "小美") == ("", 0)
    assert two.buyer == one.buyer == "小王"
    lines = desk.chats.recent(first.chat_id)
    assert [(m.author, m.text) for m in lines if m.author] == [("小美", "在的亲"), ("小美", "有的，亲"),
                                                                ("小美", "还有别的吗")]
    assert {i: s for i, (s, _) in desk.gateway.statuses([one.message_id, two.message_id, three.message_id]).items()} \
        == dict.fromkeys([one.message_id, two.message_id, three.message_id], "sent")
    items = desk.gateway.pull(pull.id, 0)
    bodies = [json.loads(i.payload) for i in items]
    assert [(b["message"]["id"], b["message"]["text"], b["message"]["agent"], b["buyer_id"]) for b in bodies] == [
        (one.message_id, "在的亲", "小美", "tb-1"), (two.message_id, "有的，亲", "小美", "tb-1"),
        (three.message_id, "还有别的吗", "小美", "tb-1")]
    assert len({i.delivery_id for i in items}) == 3
    from cs_console.store.tables import ResponseRecord

    with desk.store.read() as s:
        waits = s.exec(sqlmodel_select(ResponseRecord.seconds, ResponseRecord.first)
                       .where(ResponseRecord.chat_id == first.chat_id).order_by(ResponseRecord.id)).all()
    assert [tuple(w) for w in waits] == [(10.0, True), (20.0, False)], "the third reply answered no wait"


def test_a_reply_in_the_agents_own_chat_writes_the_rows_the_orm_path_writes(desk, clock):
    """Two channel buyers in the same state; one reply goes the plain-SQL way (``chats.send`` in a
    chat already the agent's), the other through the ORM steps the general path takes: the chat,
    the line, the response record, the outbox row and its 已发送 status, the draft: all the same."""
    from cs_console.domain.gateway import ChannelKind
    from cs_console.services.chats import make_it_mine
    from cs_console.store import chats as chat_repo
    from cs_console.store import identity as identity_repo
    from cs_console.store import outbox

    pull = desk.gateway.create_channel("qianniu", ChannelKind.PULL).channel
    chats = []
    for n in (1, 2):
        line = desk.gateway.inbound(pull.id, external_id=f"tb-{n}", nick=f"小{n}", text="在吗", platform_message_id=f"a{n}")
        desk.chats.send(line.chat_id, "小美", "在的亲")  # the chat becomes 小美's
        desk.gateway.inbound(pull.id, external_id=f"tb-{n}", nick=f"小{n}", text="有M码吗", platform_message_id=f"b{n}")
        desk.chats.save_draft(line.chat_id, "小美", "有的，", 3)
        chats.append(line.chat_id)
    clock.advance(20)
    plain = desk.chats.send(chats[0], "小美", "有的，亲")
    with desk.store.write() as s:
        who = identity_repo.actor(s, "小美")
        make_it_mine(s, chats[1], who, clock())
        msg = chat_repo.add_agent_message(s, chats[1], who, "有的，亲", clock())
        outbox.enqueue(s, msg, clock())
        chat_repo.save_draft(s, chats[1], who, "", 0, clock())
        orm_id = msg.id

    def rows(chat_id, message_id):
        with desk.store.engine.connect() as c:
            def q(sql):
                return [tuple(r) for r in c.exec_driver_sql(sql.replace("?", str(chat_id)).replace("!", str(message_id)))]
            outbox_rows = q("SELECT channel_id, message_id = !, payload, broadcast, state, attempts, next_attempt_at,"
                            " lease_until, claimed_by, last_error, created_at, delivered_at FROM outbox"
                            " WHERE message_id = !")
            payloads = []
            for r in outbox_rows:
                body = json.loads(r[2])
                body.pop("delivery_id")
                body["buyer_id"] = body["buyer_id"][:3]
                body["message"].pop("id")
                payloads.append((r[:2], body, r[3:]))
            return (q("SELECT agent_id, status, waiting_since, first_response_seconds, unread, last_message_at,"
                      " last_preview, message_count FROM chats WHERE id = ?"),
                    q("SELECT sender, agent_id, text, created_at FROM messages WHERE id = !"),
                    q("SELECT agent_id, buyer_at IS NOT NULL, replied_at, seconds, first FROM response_records"
                      " WHERE chat_id = ? ORDER BY id"),
                    payloads,
                    q("SELECT channel_id, kind, direction, platform_message_id, status, error, updated_at"
                      " FROM channel_messages WHERE message_id = !"),
                    q("SELECT count(*) FROM drafts WHERE chat_id = ?"))

    got = rows(chats[0], plain.message_id)
    assert got == rows(chats[1], orm_id)
    assert got[0][0][1] == ChatStatus.SERVING and got[5] == [(0,)] and len(got[2]) == 2 and len(got[3]) == 1
