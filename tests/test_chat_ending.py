"""Who may end a chat, and in whose name: its agent, anyone for a queued chat, a supervisor for
a colleague's (recorded as the supervisor's, the chat still counted for the agent who served
it). And on PostgreSQL, nobody backdates a new chat, wait or message to look overdue or to jump
the queue. Both backends where the rule is the client's; PostgreSQL with agents' own logins
where the server holds it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from cs_console.domain.team import TeamRuleError
from cs_console.services.errors import report
from cs_console.store.tables import Chat
from tests.signin import add_agent, sign_in
from tests.team_backends import desk, team_url  # noqa: F401
from tests.test_postgres_roles import (  # noqa: F401
    MEI_PW,
    SUPERVISOR_PW,
    desk_as,
    ids,
    qiangs_chat,
    raw,
    refused,
    shop,
)


def served_by_qiang(desk, clock, buyer="买家甲"):
    chat_id = desk.chats.inject(buyer, "在吗").chat_id
    desk.team.assign(buyer, "阿强")
    clock.advance(30)
    desk.chats.send(chat_id, "阿强", "亲，在的")
    return chat_id


def test_a_colleagues_chat_is_ended_only_by_a_supervisor_in_the_supervisors_name(desk, clock):  # noqa: F811
    for name in ("阿强", "小美"):
        add_agent(desk, name)
    boss = sign_in(desk, "主管A", "supervisor")
    chat_id = served_by_qiang(desk, clock)
    with pytest.raises(TeamRuleError, match="只能结束自己接待的或排队中的会话"):
        desk.chats.close(chat_id, sign_in(desk, "小美"))
    assert desk.chats.summary(chat_id).status != "closed"
    assert len(desk.team.sessions_for("阿强")[0]) == 1
    clock.advance(60)
    desk.chats.close(chat_id, boss)
    with desk.store.read() as s:
        chat = s.get(Chat, chat_id)
        assert chat.status == "closed" and chat.agent_id == ids(desk)["阿强"] and chat.closed_by == boss.agent_id
    assert [m.text for m in desk.chats.recent(chat_id)][-1] == "主管A 结束了会话"
    assert desk.team.sessions_for("阿强")[0] == []  # 阿强's seat is free again
    figures = {a.agent: a for a in desk.reports.day(desk.reports.today()).agents}
    assert figures["阿强"].served == 1
    assert "主管A" not in figures or figures["主管A"].served == 0
    # a queued chat anyone may end (spam, a buyer who left), in their own name
    queued = desk.chats.inject("买家乙", "hi").chat_id
    desk.chats.close(queued, "小美")
    assert [m.text for m in desk.chats.recent(queued)][-1] == "小美 结束了会话"


@pytest.mark.postgres
def test_on_postgres_the_server_holds_who_ends_a_chat(shop, pg_url, clock):  # noqa: F811
    owner, _sup, _me = shop
    agent = ids(owner)
    chat_id = qiangs_chat(owner)
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    boss = desk_as(pg_url, "主管A", SUPERVISOR_PW, clock)
    try:
        with pytest.raises(TeamRuleError, match="只能结束自己接待的"):
            mei.chats.close(chat_id, mei.identity.authenticate(mei.token))
        with raw(pg_url, "小美", MEI_PW) as conn:  # the service's check skipped: the server's
            assert "close_not_yours" in refused(
                conn, "UPDATE chats SET status = 'closed', closed_by = %s WHERE id = %s", (agent["小美"], chat_id))
        boss.chats.close(chat_id, boss.identity.authenticate(boss.token))
    finally:
        mei.close()
        boss.close()
    with owner.store.read() as s:
        chat = s.get(Chat, chat_id)
    assert (chat.status, chat.agent_id, chat.closed_by) == ("closed", agent["阿强"], agent["主管A"])


@pytest.mark.postgres
def test_a_forged_client_cannot_backdate_a_wait_on_postgres(shop, pg_url, clock):  # noqa: F811
    owner, _sup, _me = shop
    chat_id = qiangs_chat(owner)  # 阿强's buyer, waiting since the store's clock
    clock.advance(30)
    owner.chats.send(chat_id, "阿强", "亲，在的")  # answered: no wait now
    with owner.store.read() as s:
        buyer = s.execute(text("SELECT buyer_id FROM chats WHERE id = :c"), {"c": chat_id}).scalar_one()
    year_ago = "2025-11-23T02:00:00+00:00"
    with raw(pg_url, "小美", MEI_PW) as conn:
        # a new waiting chat that "started" a year ago: overdue at once, first in the queue
        assert "team.backdated" in refused(
            conn, "INSERT INTO chats (buyer_id, status, opened_at, first_buyer_at, waiting_since, unread, "
                  "message_count, last_preview) VALUES (%s, 'waiting', %s, %s, %s, 1, 1, '')",
            (buyer, clock(), clock(), year_ago))
        assert "team.backdated" in refused(  # the same with the chat's opening time
            conn, "INSERT INTO chats (buyer_id, status, opened_at, unread, message_count, last_preview) "
                  "VALUES (%s, 'waiting', %s, 0, 0, '')", (buyer, year_ago))
        # an answered chat's new wait, started in the past
        assert "team.backdated" in refused(
            conn, "UPDATE chats SET waiting_since = %s WHERE id = %s", (year_ago, chat_id))
        # a buyer message dated a year ago (the wait follows the messages)
        assert "team.backdated" in refused(
            conn, "INSERT INTO messages (chat_id, sender, text, created_at) VALUES (%s, 'buyer', '在吗', %s)",
            (chat_id, year_ago))
        # the store's own time (a PC a little behind: within two minutes) is fine
        conn.execute("INSERT INTO messages (chat_id, sender, text, created_at) VALUES (%s, 'buyer', '还在吗', %s)",
                     (chat_id, clock() - timedelta(seconds=60)))
    # a desk whose clock runs an hour behind the store is told why, in Chinese
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        clock.advance(hours=-1)
        with pytest.raises(Exception) as behind:
            mei.chats.inject("买家丙", "在吗")
        assert "不能倒填" in report(behind.value, "cli")
    finally:
        clock.advance(hours=1)
        mei.close()
    assert owner.chats.summary(chat_id).waiting_since is None  # no backdated wait got in
