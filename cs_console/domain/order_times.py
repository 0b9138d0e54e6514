"""The shop's local times in an order export, read as UTC: the backend's spellings
(``2026-11-23 09:40:12``, ``2026/11/23 09:40``, ISO with an offset), refused with the reason
when they are not times or fall outside 1990–2100; and :class:`LocalTimes`, the fast path for
the hundreds of thousands of times of one file."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
                       r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


@lru_cache(maxsize=8)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


@lru_cache(maxsize=65536)
def parse_time(text: str, tz: str) -> datetime | None:
    """Backend times are the shop's local time (``tz``); returned aware in UTC; empty → None."""
    t = text.strip()
    if not t or t in ("-", "--", "null"):
        return None
    try:
        # 2026-11-23 09:40:12 (fromisoformat alone also takes "09:40:12:00" on Python 3.11)
        value = datetime.fromisoformat(t) if _ISO_TIME.fullmatch(t) else None
    except ValueError:
        value = None
    if value is None:
        for fmt in _TIME_FORMATS:
            try:
                value = datetime.strptime(t, fmt)
                break
            except ValueError:
                continue
        if value is None or not t.isascii():
            raise _refused("import.bad_time", t) from None
    if not 1990 <= value.year <= 2100:
        raise _refused("import.time_range", t)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(tz))
    return value.astimezone(UTC)


_PLAIN_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-5][0-9]:[0-5][0-9]")


# ":MM:SS" of every valid minute and second: with a checked "YYYY-MM-DD HH" prefix (the hour
# keys of LocalTimes), a tail in this set is a whole plain time, as _PLAIN_TIME would say
MINUTE_SECOND_TAILS = frozenset(f":{m:02d}:{s:02d}" for m in range(60) for s in range(60))



class LocalTimes:
    """The shop's local times of one file → UTC as ISO text (``YYYY-MM-DD HH:MM:SS``).

    An export holds hundreds of thousands of times but few distinct hours: the UTC hour of each
    local hour is computed once (zoneinfo, checked by :func:`parse_time`), minutes and seconds
    are copied. Zones whose offset is not whole hours, and other spellings, take the full path."""

    def __init__(self, tz: str):
        self.tz = tz
        self.hours: dict[str, str | None] = {}

    def __call__(self, text: str) -> str | None:
        prefix = self.hours.get(text[:13])  # keys are checked hours, "YYYY-MM-DD HH"
        if prefix is not None and text[13:] in MINUTE_SECOND_TAILS:  # an hour seen before (the usual case)
            return prefix + text[13:]
        if _PLAIN_TIME.fullmatch(text):
            key = text[:13]
            prefix = self.hours.get(key, "")
            if prefix == "":
                value = parse_time(text, self.tz)
                whole = value is not None and value.strftime("%M:%S") == text[14:19]
                prefix = self.hours[key] = value.strftime("%Y-%m-%d %H") if whole else None
            if prefix is not None:
                return prefix + text[13:]
        value = parse_time(text, self.tz)
        return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _refused(code: str, text: str) -> Exception:
    from cs_console.domain.order_import import RowError, _shown  # the import's own error

    return RowError(code, value=_shown(text))
