"""Business time: the one clock every service, the CLI, the TUI and the simulator read.

The store keeps UTC-aware datetimes; the screen shows the shop's zone. Nothing else in the
code reads the wall clock for business time: it is handed a :data:`Clock`.

``CS_CONSOLE_NOW`` (an ISO 8601 time with offset, e.g. ``2026-11-23T10:00:00+08:00``) starts
the system clock at that instant; it then runs at real speed. Tests, demos and training
sessions use it so a command run in another process sees the same day as the test that seeded
its store (like ``SOURCE_DATE_EPOCH`` for builds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cs_console.domain.messages import UserError

Clock = Callable[[], datetime]

CLOCK_ENV = "CS_CONSOLE_NOW"


class ClockError(UserError, ValueError):
    """``CS_CONSOLE_NOW`` does not name an instant."""


def utc_now() -> datetime:
    """The real clock (aware, UTC)."""
    return datetime.now(UTC)


def parse_instant(text: str) -> datetime:
    """``2026-11-23T10:00:00+08:00`` → aware UTC. A time without an offset is refused: it
    would mean a different instant on every machine."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ClockError(f"{CLOCK_ENV}：不是 ISO 8601 时间：{text[:40]!r}") from exc
    if value.tzinfo is None:
        raise ClockError(f"{CLOCK_ENV}：时间需要带时区偏移（如 +08:00）：{text[:40]!r}")
    return value.astimezone(UTC)


def started_at(start: datetime) -> Clock:
    """A clock that reads ``start`` now and then runs at real speed (monotonic)."""
    origin = time.monotonic()
    start = as_utc(start)

    def now() -> datetime:
        return start + timedelta(seconds=time.monotonic() - origin)

    return now


def system_clock(environ: dict[str, str] | None = None) -> Clock:
    """The clock of this process: the real one, or the one ``CS_CONSOLE_NOW`` starts."""
    text = (os.environ if environ is None else environ).get(CLOCK_ENV, "").strip()
    return started_at(parse_instant(text)) if text else utc_now


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """``value`` in the shop's time zone."""
    return as_utc(value).astimezone(ZoneInfo(tz))
