"""The shift calendar (DOMAIN.md "Shifts and handover"), table-driven, in Shanghai time."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from cs_console.config.policy import load_policy
from cs_console.domain.shifts import ShiftClock, ShiftDef, ShiftSettings

SH = ZoneInfo("Asia/Shanghai")


def at(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 23, h, m, tzinfo=SH)


@pytest.fixture
def cal() -> ShiftClock:
    return ShiftClock(ShiftSettings(), "Asia/Shanghai")


@pytest.mark.parametrize(("hhmm", "serving", "expected"), [
    ("08:29", False, []),
    ("08:30", False, ["day"]),          # day shift 08:30–17:30
    ("13:29", False, ["day"]),
    ("13:30", False, ["day", "night"]),  # night shift 13:30–22:30: both on in the afternoon
    ("17:29", False, ["day", "night"]),
    ("17:30", False, ["night"]),
    ("22:45", False, ["night"]),        # nominally off at 23:00
    ("23:00", False, []),
    ("23:20", True, ["night"]),         # ... but stays while a buyer is still asking
    ("07:00", True, []),
])
def test_on_duty(cal, hhmm, serving, expected):
    assert [s.id for s in cal.on_duty(at(hhmm), serving=serving)] == expected


@pytest.mark.parametrize(("shift", "hhmm", "serving", "may_leave"), [
    ("day", "17:29", False, False),
    ("day", "17:30", False, True),
    ("day", "17:45", True, True),      # the day shift does not stay for buyers
    ("night", "22:30", False, False),  # end 22:30, nominally off 23:00
    ("night", "23:00", False, True),
    ("night", "23:00", True, False),   # a buyer still asking: stay
])
def test_may_leave(cal, shift, hhmm, serving, may_leave):
    assert cal.may_leave(shift, at(hhmm), serving=serving) is may_leave


@pytest.mark.parametrize(("shift", "hhmm", "due"), [
    ("day", "16:59", False),
    ("day", "17:00", True),   # last half hour: report the day's sales
    ("day", "17:29", True),
    ("day", "17:30", False),
    ("night", "22:00", True),
    ("night", "21:59", False),
])
def test_sales_report_reminder(cal, shift, hhmm, due):
    assert cal.report_due(shift, at(hhmm)) is due


@pytest.mark.parametrize(("agent", "hhmm", "expected"), [
    ("小美", "10:00", "day"),     # rota says day, whatever the time
    ("小美", "20:00", "day"),
    ("阿强", "10:00", "night"),
    ("路人", "10:00", "day"),     # not in the rota: the shift on duty…
    ("路人", "13:30", "day"),     # … the one already under way when two overlap
    ("路人", "14:00", "day"),
    ("路人", "17:45", "night"),   # only the night shift is on
    ("路人", "07:00", "day"),     # before anyone: the next to start
    ("路人", "23:30", "day"),
])
def test_shift_of_agent(agent, hhmm, expected):
    cal = ShiftClock(ShiftSettings(agents={"小美": "day", "阿强": "night"}), "Asia/Shanghai")
    assert cal.shift_of(agent, at(hhmm)).id == expected


def test_next_shift_and_handover(cal):
    assert cal.next_shift("day").id == "night"
    assert cal.next_shift("night").id == "day"   # the night's book is read the next morning
    assert not cal.handover_passed(at("16:29")) and cal.handover_passed(at("16:30"))
    assert cal.label("night") == "晚班"
    assert cal.day_of(datetime(2026, 11, 22, 16, 30, tzinfo=ZoneInfo("UTC"))).isoformat() == "2026-11-23"


@pytest.mark.parametrize(("bad", "message"), [
    ({"shifts": [{"id": "a", "name": "A", "start": "18:00", "end": "09:00"}]}, "须晚于上班时间"),
    ({"agents": {"小美": "evening"}}, "未知的班次"),
    ({"shifts": [{"id": "a", "name": "A", "start": "08:00", "end": "09:00"}] * 2}, "班次编号重复"),
])
def test_bad_rota_refused(bad, message):
    with pytest.raises(ValidationError, match=message):
        ShiftSettings.model_validate(bad)


def test_shop_yaml_defaults_match_domain():
    s = load_policy().shifts
    assert [(x.id, x.start, x.end) for x in s.shifts] == [("day", time(8, 30), time(17, 30)),
                                                         ("night", time(13, 30), time(22, 30))]
    assert s.shifts[1].off == time(23, 0) and s.handover == time(16, 30) and s.report_minutes == 30


@pytest.mark.parametrize(("first", "hhmm", "expected"), [
    ("09:00", "16:30", "day"),     # started in the morning: still the day shift at handover
    ("13:40", "16:30", "day"),     # started while both are on: the one under way
    ("17:40", "22:00", "night"),   # started after the day shift ended
    (None, "16:30", "day"),        # nothing known: judged by the time now
])
def test_shift_of_unrostered_agent_by_first_action_today(cal, first, hhmm, expected):
    since = at(first) if first else None
    assert cal.shift_of("路人", at(hhmm), since=since).id == expected


def test_first_action_of_another_day_is_ignored(cal):
    yesterday = datetime(2026, 11, 22, 9, 0, tzinfo=SH)
    assert cal.shift_of("路人", at("18:30"), since=yesterday).id == "night"


@pytest.mark.parametrize(("start", "end", "reason"), [
    ("08:30+08:00", "17:00", "不要带时区"),  # a shift time is the shop's wall clock
    ("17:00", "08:30", "须晚于"),
])
def test_a_shift_with_times_that_cannot_be_compared_is_refused(start, end, reason):
    with pytest.raises(ValidationError, match=reason):
        ShiftDef(id="day", name="白班", start=start, end=end)
