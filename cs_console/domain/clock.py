"""Time: the store keeps UTC-aware datetimes; the screen shows the shop's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (aware, UTC)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """``value`` in the shop's time zone."""
    return as_utc(value).astimezone(ZoneInfo(tz))
