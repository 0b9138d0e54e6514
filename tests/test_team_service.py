"""Team services on a real SQLite store: distribution, presence, forward, hang-up."""

from __future__ import annotations

import pytest

from cs_console.domain.team import TeamRuleError
from tests.team_backends import desk, team_url  # noqa: F401  (every test on SQLite and PostgreSQL)


def _team(desk, *names, supervisor="老板"):
    for n in names:
        desk.team.add_agent(n, "agent", capacity=2)
        desk.team.start(n)
    if supervisor:
        desk.team.add_agent(supervisor, "supervisor")
    return desk


def owner(desk, nick):
    return desk.chats.chat_of(nick).agent


def test_new_chats_go_to_fewest_open_then_round_robin_and_queue_over_capacity(desk, clock):
    _team(desk, "小美", "小丽")
    for nick in "abcde":
        desk.chats.inject(nick, "在吗")
        clock.advance(1)
        desk.team.distribute()
    owners = [owner(desk, n) for n in "abcde"]
    assert owners[:4].count("小美") == 2 and owners[:4].count("小丽") == 2
    assert owners[0] != owners[1]  # round robin on a tie
    assert owners[4] is None  # both at capacity 2: the fifth waits in the queue
    mine, queue = desk.team.sessions_for("小美")
    assert len(mine) == 2 and queue == 1
    # a chat ends: the queued buyer gets the free seat
    desk.chats.close(desk.chats.chat_of("a").chat_id, owners[0])
    desk.team.distribute()
    assert owner(desk, "e") == owners[0]


def test_supervisor_sees_everything(desk):
    _team(desk, "小美")
    desk.chats.inject("a", "1")
    desk.team.distribute()
    desk.chats.inject("b", "1")
    desk.chats.inject("c", "1")
    desk.team.distribute()
    assert len(desk.team.sessions_for("老板")[0]) == 3
    assert len(desk.team.sessions_for("小美")[0]) == 2


def test_returning_buyer_goes_back_to_todays_agent(desk, clock):
    _team(desk, "小美", "小丽")
    desk.chats.inject("a", "在吗")
    desk.team.distribute()
    first = owner(desk, "a")
    desk.chats.close(desk.chats.chat_of("a").chat_id, first)
    desk.chats.inject("b", "hi")  # would otherwise go to the other agent (fewest open)
    desk.team.distribute()
    clock.advance(10)
    desk.chats.inject("a", "我又来了")
    desk.team.distribute()
    assert owner(desk, "a") == first


def test_quit_returns_chats_to_queue_and_others_take_them(desk):
    _team(desk, "小美", "小丽")
    desk.chats.inject("a", "1")
    desk.team.distribute()
    who = owner(desk, "a")
    other = "小丽" if who == "小美" else "小美"
    assert desk.team.stop(who) == 1
    assert owner(desk, "a") == other
    assert desk.team.agent(who).status == "offline"


def test_stale_heartbeat_takes_agent_offline_and_requeues(desk, clock):
    _team(desk, "小美")
    desk.chats.inject("a", "1")
    desk.team.distribute()
    assert owner(desk, "a") == "小美"
    clock.advance(desk.policy.team.stale_after_seconds + 1)
    desk.team.distribute()
    assert desk.team.agent("小美").status == "offline"
    assert owner(desk, "a") is None
    desk.team.heartbeat("小美")  # back from sleep
    desk.team.distribute()
    assert owner(desk, "a") == "小美"


def test_hangup_needs_a_supervisor_and_stops_new_chats(desk):
    _team(desk, "小美", "小丽")
    desk.team.add_agent("见习", "trainee")
    rid = desk.team.request_hangup("小美", "去吃饭")
    with pytest.raises(TeamRuleError):
        desk.team.request_hangup("小美", "again")
    with pytest.raises(TeamRuleError, match="只有主管"):
        desk.team.decide_hangup(rid, "小丽", True)
    with pytest.raises(TeamRuleError, match="只有主管"):
        desk.team.decide_hangup(rid, "见习", True)
    desk.team.add_agent("小美", "supervisor")  # promoted: still cannot approve her own request
    with pytest.raises(TeamRuleError, match="自己"):
        desk.team.decide_hangup(rid, "小美", True)
    desk.team.add_agent("小美", "agent")
    assert desk.team.agent("小美").status == "online"  # nothing changed by refused attempts
    view = desk.team.decide_hangup(rid, "老板", True, "半小时")
    assert (view.state, view.decided_by, view.agent) == ("approved", "老板", "小美")
    assert desk.team.agent("小美").status == "hung_up"
    for n in "abc":
        desk.chats.inject(n, "1")
    desk.team.distribute()
    assert {owner(desk, n) for n in "abc"} == {"小丽", None}
    desk.team.resume("小美")
    assert owner(desk, "c") == "小美" or owner(desk, "b") == "小美"
    assert desk.team.hangups()[0].state == "ended"


def test_refused_hangup_keeps_receiving(desk):
    _team(desk, "小美")
    rid = desk.team.request_hangup("小美", "累了")
    desk.team.decide_hangup(rid, "老板", False, "高峰期")
    assert desk.team.agent("小美").status == "online"
    with pytest.raises(TeamRuleError, match="已处理"):
        desk.team.decide_hangup(rid, "老板", True)


def test_forward_with_reason_writes_a_system_line(desk):
    _team(desk, "小美", "小丽")
    desk.chats.inject("a", "我要退货")
    desk.team.distribute()
    chat = desk.chats.chat_of("a")
    me = chat.agent
    mate = "小丽" if me == "小美" else "小美"
    with pytest.raises(TeamRuleError):
        desk.team.forward(chat.chat_id, mate, "", me)
    with pytest.raises(TeamRuleError):
        desk.team.forward(chat.chat_id, mate, "x" * 51, me)
    with pytest.raises(TeamRuleError, match="自己接待"):
        desk.team.forward(chat.chat_id, me, "抢会话", mate)
    desk.team.forward(chat.chat_id, mate, "退货转售后", me)
    assert owner(desk, "a") == mate
    assert desk.chats.recent(chat.chat_id)[-1].text == f"{me} 转发给 {mate}：退货转售后"
    assert chat.chat_id in [c.chat_id for c in desk.team.sessions_for(mate)[0]]
    desk.team.stop(me)
    with pytest.raises(TeamRuleError, match="不在线"):
        desk.team.forward(chat.chat_id, me, "回去", mate)


def test_breached_chat_flagged_and_reassigned_when_configured(desk, clock):
    desk.policy.team.reassign_breached = True
    _team(desk, "小美")
    desk.chats.inject("a", "1")
    desk.team.distribute()
    desk.team.add_agent("小丽", "agent")
    desk.team.start("小丽")
    clock.advance(desk.policy.response.breach + 1)
    desk.team.heartbeat("小美")
    desk.team.heartbeat("小丽")
    assert [c.buyer_nick for c in desk.team.overview().breaches] == ["a"]
    desk.team.distribute()
    assert owner(desk, "a") == "小丽"
    desk.team.distribute()  # moved once per wait, no ping-pong
    assert owner(desk, "a") == "小丽"


def test_overview_counts_first_responses_today(desk, clock):
    _team(desk, "小美")
    desk.chats.inject("a", "1")
    desk.team.distribute()
    clock.advance(25)
    desk.chats.send(desk.chats.chat_of("a").chat_id, "小美", "在的")
    rid = desk.team.request_hangup("小美", "开会")
    ov = desk.team.overview()
    me = next(a for a in ov.agents if a.name == "小美")
    assert (me.first_responses, me.first_response_avg, me.open_chats, me.waiting_chats) == (1, 25.0, 1, 0)
    assert [p.id for p in ov.pending] == [rid]


def test_take_chat_is_compare_and_set(desk, clock):
    """The primitive under every assignment: a second taker of the same queued chat gets False."""
    from cs_console.store import team as repo

    _team(desk, "小美", "小丽")
    desk.chats.inject("a", "1")
    chat_id = desk.chats.chat_of("a").chat_id
    with desk.store.write() as s:
        mei, li = repo.get_agent(s, "小美").id, repo.get_agent(s, "小丽").id
        assert repo.take_chat(s, chat_id, mei, clock(), kind="auto") is True
        assert repo.take_chat(s, chat_id, li, clock(), kind="auto") is False  # already taken
        assert repo.take_chat(s, chat_id, li, clock(), kind="forward", expected=li) is False  # stale expectation
        assert repo.double_assignments(s) == []
    assert owner(desk, "a") == "小美"
