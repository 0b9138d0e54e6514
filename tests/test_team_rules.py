"""Team rules, table-driven: who gets the next chat, who may move whose chat, forward reasons,
hang-up approval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cs_console.domain.broadcast import check_rate, parse_filter
from cs_console.domain.messages import render
from cs_console.domain.team import (
    AgentStatus,
    Candidate,
    Role,
    TeamRuleError,
    check_hangup_decision,
    clean_forward_reason,
    move_refusal,
    parse_role,
    pick_agent,
    start_of_day,
)
from tests.team_moves import MOVE_CASES

ON, HUNG, OFF = AgentStatus.ONLINE, AgentStatus.HUNG_UP, AgentStatus.OFFLINE


def c(agent_id, status=ON, open_chats=0, capacity=3, seq=0):
    return Candidate(agent_id, status, open_chats, capacity, seq)


@pytest.mark.parametrize("cands, previous, exclude, expected", [
    ([c(1, open_chats=2), c(2, open_chats=1)], None, (), 2),  # fewest open chats first
    ([c(1, seq=9), c(2, seq=4)], None, (), 2),  # tie: round robin (longest since last assignment)
    ([c(1, seq=0), c(2, seq=4)], None, (), 1),  # never assigned goes first
    ([c(1, HUNG), c(2, open_chats=2)], None, (), 2),  # hung up receives nothing new
    ([c(1, OFF), c(2, OFF)], None, (), None),  # nobody online: the chat queues
    ([c(1, open_chats=3), c(2, open_chats=3)], None, (), None),  # everyone at capacity: queue
    ([c(1, open_chats=2), c(2)], 1, (), 1),  # returning buyer goes back to today's agent
    ([c(1, open_chats=3), c(2)], 1, (), 2),  # ... unless that agent is full
    ([c(1, HUNG), c(2)], 1, (), 2),  # ... or hung up
    ([c(1), c(2, open_chats=1)], None, (1,), 2),  # breach reassignment excludes the current agent
    ([c(1), c(2, open_chats=1), c(3, open_chats=2)], None, (1, 2), 3),  # ... and the agent moving it
])
def test_pick_agent(cands, previous, exclude, expected):
    assert pick_agent(cands, previous=previous, exclude=exclude) == expected


@pytest.mark.parametrize("reason, ok", [
    ("买家要退货，转售后", True), ("", False), ("   ", False), ("退" * 50, True), ("退" * 51, False),
])
def test_forward_reason(reason, ok):
    if ok:
        assert clean_forward_reason(reason) == reason.strip()
    else:
        with pytest.raises(TeamRuleError):
            clean_forward_reason(reason)


@pytest.mark.parametrize("decider, role, requester, state, error", [
    (2, Role.SUPERVISOR, 1, "pending", None),
    (2, Role.TRAINEE_SUPERVISOR, 1, "pending", None),
    (2, Role.AGENT, 1, "pending", "只有主管"),
    (2, Role.TRAINEE, 1, "pending", "只有主管"),
    (1, Role.SUPERVISOR, 1, "pending", "自己"),
    (2, Role.SUPERVISOR, 1, "approved", "已处理"),
])
def test_hangup_decision(decider, role, requester, state, error):
    kw = dict(decider_id=decider, decider_role=role, requester_id=requester, state=state)
    if error is None:
        check_hangup_decision(**kw)
    else:
        with pytest.raises(TeamRuleError, match=error):
            check_hangup_decision(**kw)


@pytest.mark.parametrize("text, role", [("supervisor", Role.SUPERVISOR), ("主管", Role.SUPERVISOR),
                                        ("见习客服", Role.TRAINEE), ("agent", Role.AGENT)])
def test_parse_role(text, role):
    assert parse_role(text) == role


def test_parse_role_refuses_unknown():
    with pytest.raises(TeamRuleError, match="trainee"):
        parse_role("boss")


def test_start_of_day_in_shop_zone():
    # 2026-11-23 01:00 UTC is 09:00 in Shanghai: the day began at 2026-11-22 16:00 UTC
    assert start_of_day(datetime(2026, 11, 23, 1, tzinfo=UTC), "Asia/Shanghai") == datetime(2026, 11, 22, 16, tzinfo=UTC)


@pytest.mark.parametrize("spec, kind, value, hours", [
    ("unpaid", "unpaid", "", 24), ("unpaid:48", "unpaid", "", 48), ("unpaid:6h", "unpaid", "", 6),
    ("item:连体衣", "item", "连体衣", 24), ("tag:老客户", "tag", "老客户", 24),
])
def test_parse_filter(spec, kind, value, hours):
    f = parse_filter(spec)
    assert (f.kind, f.value, f.hours) == (kind, value, hours)


@pytest.mark.parametrize("spec", ["", "paid", "item:", "tag:", "unpaid:x", "unpaid:0"])
def test_parse_filter_refuses(spec):
    with pytest.raises(TeamRuleError):
        parse_filter(spec)


@pytest.mark.parametrize("n, sent, error", [
    (5, 0, None), (0, 0, "没有"), (101, 0, "最多 100"), (10, 195, "频率"), (5, 195, None),
])
def test_broadcast_rate(n, sent, error):
    kw = dict(sent_last_hour=sent, per_hour=200, max_recipients=100)
    if error is None:
        check_rate(n, **kw)
    else:
        with pytest.raises(TeamRuleError, match=error):
            check_rate(n, **kw)


def test_team_settings_in_shop_yaml_are_validated_with_file_and_line(tmp_path):
    from cs_console.config import ConfigError
    from cs_console.config.policy import load_policy

    (tmp_path / "shop.yaml").write_text("team:\n  capacity: 12\n  reassign_breached: true\n", encoding="utf-8")
    team = load_policy(tmp_path).team
    assert (team.capacity, team.reassign_breached, team.stale_after_seconds) == (12, True, 30)
    (tmp_path / "shop.yaml").write_text("team:\n  capacity: 0\n  bogus: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(tmp_path)
    assert "shop.yaml:2" in str(err.value) and "shop.yaml:3" in str(err.value)


@pytest.mark.parametrize("kind, actor, sup, from_agent, to_agent, from_offline, refusal", MOVE_CASES)
def test_who_may_move_a_chat(kind, actor, sup, from_agent, to_agent, from_offline, refusal):
    assert move_refusal(kind, actor=actor, actor_is_supervisor=sup, from_agent=from_agent, to_agent=to_agent,
                        from_offline=from_offline) == refusal
    if refusal:
        assert render(refusal)  # a Chinese sentence in the catalogue
