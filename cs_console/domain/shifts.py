"""The shift calendar (DOMAIN.md "Shifts and handover"): which shift is on, whose shift it is,
when the handover and the sales-report reminder are due.

Defaults: day 08:30–17:30, night 13:30–22:30 (nominally off at 23:00, later while a buyer is
still being served), the day shift hands over to the night shift at 16:30, one agent reports
the day's sales in the last half hour of a shift. Times are the shop's local wall-clock times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ShiftDef(BaseModel):
    """One shift of the rota (``data/shop.yaml`` → ``shifts.shifts``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=16, description="short key: day, night")
    name: str = Field(description="shown on screen: 白班, 晚班")
    start: time
    end: time
    off: time | None = Field(None, description="nominal leaving time if later than end (night: 23:00)")
    stay_while_serving: bool = Field(False, description="the shift stays while a buyer is still being served")

    @field_validator("start", "end", "off")
    @classmethod
    def _shop_time(cls, value: time | None) -> time | None:
        """Shift times are wall-clock times in the shop's zone (shop.yaml ``timezone``)."""
        if value is not None and value.tzinfo is not None:
            raise ValueError(f"班次时间 {value:%H:%M} 不要带时区（按店铺时区填写，如 08:30）")
        return value

    @model_validator(mode="after")
    def _order(self) -> ShiftDef:
        if self.end <= self.start:
            raise ValueError(f"班次 {self.id}：下班时间 {self.end:%H:%M} 须晚于上班时间 {self.start:%H:%M}")
        if self.off is not None and self.off < self.end:
            raise ValueError(f"班次 {self.id}：离开时间 {self.off:%H:%M} 不能早于下班时间 {self.end:%H:%M}")
        return self

    @property
    def leaves(self) -> time:
        """When the shift nominally goes home."""
        return self.off or self.end


def _default_shifts() -> list[ShiftDef]:
    return [
        ShiftDef(id="day", name="白班", start=time(8, 30), end=time(17, 30)),
        ShiftDef(id="night", name="晚班", start=time(13, 30), end=time(22, 30), off=time(23, 0),
                 stay_while_serving=True),
    ]


class ShiftSettings(BaseModel):
    """The rota: shifts in hand-over order, the handover time, who works which shift."""

    model_config = ConfigDict(extra="forbid")

    shifts: list[ShiftDef] = Field(default_factory=_default_shifts, min_length=1)
    handover: time = Field(time(16, 30), description="the day shift hands over to the next shift")
    report_minutes: int = Field(30, ge=0, le=240, description="sales-report reminder: last N minutes of a shift")
    agents: dict[str, str] = Field(default_factory=dict, description="agent name → shift id")

    @model_validator(mode="after")
    def _known(self) -> ShiftSettings:
        ids = [s.id for s in self.shifts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"班次编号重复：{'、'.join(ids)}")
        for agent, sid in self.agents.items():
            if sid not in ids:
                raise ValueError(f"客服 {agent}：未知的班次「{sid}」（可选：{'、'.join(ids)}）")
        return self


@dataclass(frozen=True, slots=True)
class ShiftClock:
    """Shift questions for one shop time zone."""

    settings: ShiftSettings
    timezone: str = "Asia/Shanghai"

    # ---- lookup -------------------------------------------------------------------------
    def get(self, shift_id: str) -> ShiftDef:
        for s in self.settings.shifts:
            if s.id == shift_id:
                return s
        raise KeyError(f"未知的班次「{shift_id}」（可选：{'、'.join(self.ids())}）")

    def ids(self) -> list[str]:
        return [s.id for s in self.settings.shifts]

    def label(self, shift_id: str) -> str:
        try:
            return self.get(shift_id).name
        except KeyError:
            return shift_id

    def next_shift(self, shift_id: str) -> ShiftDef:
        """The shift a note written in ``shift_id`` is handed to (day → night → next day)."""
        shifts = self.settings.shifts
        i = self.ids().index(self.get(shift_id).id)
        return shifts[(i + 1) % len(shifts)]

    # ---- time -------------------------------------------------------------------------------
    def local(self, at: datetime) -> datetime:
        return at.astimezone(ZoneInfo(self.timezone))

    def day_of(self, at: datetime) -> date:
        """The shop's calendar day of an instant."""
        return self.local(at).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of a local calendar day as aware datetimes."""
        tz = ZoneInfo(self.timezone)
        start = datetime.combine(day, time(0), tz)
        return start, datetime.combine(day + timedelta(days=1), time(0), tz)

    def on_duty(self, at: datetime, *, serving: bool = False) -> list[ShiftDef]:
        """Shifts working at ``at``, earliest-starting first (13:30–17:30 both day and night).

        A shift is on from ``start`` to ``end``; after ``end`` until ``off`` too (nominal off
        time), and after that only while ``serving`` (a buyer still asking) if it stays."""
        t = self.local(at).time()
        out = []
        for s in self.settings.shifts:
            if s.start <= t < s.leaves or (serving and s.stay_while_serving and t >= s.start):
                out.append(s)
        return sorted(out, key=lambda s: s.start)

    def may_leave(self, shift_id: str, at: datetime, *, serving: bool) -> bool:
        """Is the shift over? Not before its nominal off time; not while serving if it stays."""
        s = self.get(shift_id)
        t = self.local(at).time()
        if t < s.leaves:
            return False
        return not (serving and s.stay_while_serving)

    def shift_of(self, agent: str, at: datetime, *, since: datetime | None = None) -> ShiftDef:
        """The agent's shift: from the rota (``shifts.agents``); else judged by when the agent
        started working today (``since``: their first action of the day, else ``at``) — the
        shift whose hours contain that time; where two overlap (13:30–17:30) the one already
        under way, so nobody is put on the night shift just for starting at 13:30 (a night
        agent is named in the rota); before any shift, the next one to start."""
        sid = self.settings.agents.get(agent)
        if sid:
            return self.get(sid)
        if since is not None and self.day_of(since) == self.day_of(at) and since <= at:
            at = since
        on = self.on_duty(at)
        if on:
            return on[0]
        t = self.local(at).time()
        later = [s for s in self.settings.shifts if s.start > t]
        return min(later, key=lambda s: s.start) if later else self.settings.shifts[0]

    def report_due(self, shift_id: str, at: datetime) -> bool:
        """In the last ``report_minutes`` before the shift's end (sales report reminder)."""
        s = self.get(shift_id)
        local = self.local(at)
        end = datetime.combine(local.date(), s.end, local.tzinfo)
        return end - timedelta(minutes=self.settings.report_minutes) <= local < end

    def handover_passed(self, at: datetime) -> bool:
        """Has today's handover time passed?"""
        return self.local(at).time() >= self.settings.handover
