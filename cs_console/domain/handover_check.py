"""Validating one handover event that comes from outside this process: an export file, a sync
peer, or a row already in the store (written by another version, or by hand).

Every field is checked by type, enum, range and length before anything is written or derived:
an unknown priority (``ultra``), a time in year 9999, a 1 MB text, a list where a string belongs,
a nested object in ``data`` — each raises :class:`EventInvalid` with the reason. Readers skip
(quarantine) invalid rows instead of crashing; importers refuse the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

from cs_console.domain.handover import MAX_TEXT, NOTE_FIELDS, EventKind, NoteEvent, Priority
from cs_console.domain.messages import UserError, render

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EVENT_FIELDS = ("id", "note_id", "kind", "at", "author", "origin", "data")
# longest value of each data field (characters); text-like fields share the note limit
DATA_LIMITS: dict[str, int] = {"text": MAX_TEXT, "resolution": MAX_TEXT, "buyer": 64, "order_no": 64,
                               "case_id": 64, "priority": 16, "shift": 32, "for_shift": 32, "day": 10,
                               "source": 200}
# which data fields each kind may carry (None values allowed for the optional links)
KIND_FIELDS: dict[EventKind, frozenset[str]] = {
    EventKind.CREATED: frozenset(NOTE_FIELDS),
    EventKind.EDITED: frozenset(NOTE_FIELDS),
    EventKind.ACKNOWLEDGED: frozenset(),
    EventKind.DONE: frozenset({"resolution"}),
    EventKind.REOPENED: frozenset(),
}
NULLABLE = frozenset({"buyer", "order_no", "case_id", "source"})
MAX_AUTHOR = 64
MAX_ORIGIN = 64
_PRIORITIES = frozenset(p.value for p in Priority)
_KINDS = {k.value: k for k in EventKind}
_FIELD_SET = frozenset(EVENT_FIELDS)


class EventInvalid(UserError, ValueError):
    """One event breaks the format; ``str()`` is the reason (Chinese, from the catalogue)."""


def _str(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise EventInvalid("event.type", field=field, expected="文本")
    if len(value) > limit:
        raise EventInvalid("event.too_long", field=field, length=len(value), limit=limit)
    return value


def _uuid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise EventInvalid("event.uuid", field=field)
    return value


def _time(value: Any, field: str) -> datetime:
    if isinstance(value, str):
        if len(value) > 40:
            raise EventInvalid("event.time", field=field)
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise EventInvalid("event.time", field=field) from None
    if not isinstance(value, datetime):
        raise EventInvalid("event.time", field=field)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise EventInvalid("event.time_range", field=field, low=EARLIEST_YEAR, high=LATEST_YEAR)
    try:
        # (combine: ``replace(tzinfo=…)`` costs ~8× as much, and sync checks 100k times)
        return value.astimezone(UTC) if value.tzinfo else datetime.combine(value.date(), value.time(), UTC)
    except (OverflowError, ValueError):
        raise EventInvalid("event.time_range", field=field, low=EARLIEST_YEAR, high=LATEST_YEAR) from None


def event_time(value: Any) -> datetime:
    """An event's ``at`` (ISO text or a datetime) as an aware UTC datetime, or :class:`EventInvalid`."""
    return _time(value, "at")


def _data(kind: EventKind, data: Any) -> dict:
    if not isinstance(data, dict):
        raise EventInvalid("event.type", field="data", expected="对象")
    if not data:
        return {}
    allowed = KIND_FIELDS[kind]
    out: dict[str, str | None] = {}
    for key, value in data.items():
        if not isinstance(key, str) or key not in allowed:
            raise EventInvalid("event.data_field", kind=kind.value, field=str(key)[:40])
        if value is None and key in NULLABLE:
            out[key] = None
            continue
        if not isinstance(value, str) or len(value) > DATA_LIMITS[key]:
            _str(value, f"data.{key}", DATA_LIMITS[key])  # raises with the reason
        text = value
        if key == "priority":
            if text not in _PRIORITIES:
                raise EventInvalid("event.priority", value=text[:20])
        elif key == "day":
            where = f"data.{key}"
            try:
                if not _DAY.fullmatch(text):
                    raise ValueError(text)
                day = date.fromisoformat(text)
            except ValueError:
                raise EventInvalid("event.day", field=where) from None
            if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
                raise EventInvalid("event.time_range", field=where, low=EARLIEST_YEAR, high=LATEST_YEAR)
        out[key] = text
    return out


def validate_event(record: Any) -> NoteEvent:
    """The event ``record`` (a dict from JSON or a store row's columns) describes, or
    :class:`EventInvalid`."""
    if not isinstance(record, dict):
        raise EventInvalid("event.not_object")
    if record.keys() != _FIELD_SET:
        for key in record:
            if key not in _FIELD_SET:
                raise EventInvalid("event.unknown_field", field=str(key)[:40])
        for key in EVENT_FIELDS:
            if key not in record:
                raise EventInvalid("event.missing", field=key)
    return validate_fields(record["id"], record["note_id"], record["kind"], record["at"], record["author"],
                           record["origin"], record["data"])


def validate_fields(ev_id: Any, note_id: Any, kind_text: Any, at: Any, author: Any, origin: Any,
                    data: Any) -> NoteEvent:
    """The event these seven field values describe (a store row's columns, in
    :data:`EVENT_FIELDS` order), or :class:`EventInvalid` — the checks of :func:`validate_event`
    without building a dict per row (sync reads 100k of them)."""
    kind = _KINDS.get(kind_text) if isinstance(kind_text, str) else None
    if kind is None:
        raise EventInvalid("event.kind", value=str(kind_text)[:20])
    author = _str(author, "author", MAX_AUTHOR)
    if not author.strip():
        raise EventInvalid("handover.no_agent")
    return NoteEvent(
        id=_uuid(ev_id, "id"),
        note_id=_uuid(note_id, "note_id"),
        kind=kind,
        at=_time(at, "at"),
        author=author,
        origin=_str(origin, "origin", MAX_ORIGIN),
        data=_data(kind, data),
    )


def _decoded(data: Any) -> Any:
    """``data`` as a store holds it (JSON text, NULL, or already decoded) as a value to check."""
    if data is None or data == "{}":
        return {}
    if isinstance(data, str | bytes):
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise EventInvalid("event.type", field="data", expected="JSON 对象") from None
    return data


def row_reason(row: Sequence[Any]) -> str | None:
    """Why the domain refuses one stored row (``data`` as JSON text), or None when it is valid."""
    ev_id, note_id, kind, at, author, origin, data = row
    try:
        validate_fields(ev_id, note_id, kind, at, author, origin, _decoded(data))
    except (EventInvalid, ValueError, TypeError, RecursionError) as exc:
        return str(exc) if isinstance(exc, EventInvalid) else render("event.type", field="data", expected="JSON 对象")
    return None


_BLOCK = 1000  # rows checked a column at a time; a block with a bad row is checked row by row
_year = attrgetter("year")
_KIND_TEXTS = frozenset(_KINDS)


def _block_valid(rows: Sequence[Sequence[Any]]) -> bool:
    """True only if every row passes :func:`validate_fields` (False: some may not). The same
    checks, a column at a time in C-level loops (``map`` over the column), no object per row."""
    ids, note_ids, kinds, ats, authors, origins, datas = zip(*rows, strict=True)
    if not _KIND_TEXTS.issuperset(kinds):
        return False
    match = _UUID.fullmatch
    if None in map(match, ids) or None in map(match, note_ids):
        return False
    for texts, limit in ((authors, MAX_AUTHOR), (origins, MAX_ORIGIN)):
        if set(map(type, texts)) != {str} or max(map(len, texts)) > limit:
            return False
    if not all(map(str.strip, authors)):
        return False
    at_types = set(map(type, ats))
    if at_types == {str}:
        if max(map(len, ats)) > 40:
            return False
        ats = list(map(datetime.fromisoformat, ats))
    elif at_types != {datetime}:
        return False
    if min(map(_year, ats)) < EARLIEST_YEAR or max(map(_year, ats)) > LATEST_YEAR:
        return False
    loads = json.loads
    for kind, data in zip(kinds, datas, strict=True):
        if data is None or data == "{}":
            continue
        _data(_KINDS[kind], loads(data) if isinstance(data, str) else data)
    return True


def refused_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[int, str]]:
    """(index, reason) of each row the domain refuses, for a batch of stored rows (the seven
    :data:`EVENT_FIELDS` values; ``at`` as text or a datetime, ``data`` as JSON text, NULL or
    decoded): the verdict of :func:`validate_fields` on every row, at a fraction of its cost
    (sync checks 100k rows). Blocks are checked a column at a time; a block in which any check
    fails is checked again row by row for the exact reasons."""
    out: list[tuple[int, str]] = []
    for start in range(0, len(rows), _BLOCK):
        block = rows[start:start + _BLOCK]
        try:
            if _block_valid(block):
                continue
        except (EventInvalid, ValueError, TypeError, RecursionError, OverflowError):
            pass
        for i, row in enumerate(block, start):
            reason = row_reason(row)
            if reason is not None:
                out.append((i, reason))
    return out
