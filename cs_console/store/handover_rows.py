"""Handover events as rows of text checked by the domain, without SQLAlchemy: shared by
``store/handover.py`` and the read-only ``cs-console handover list`` on a current SQLite store
(``store/quick_read.py``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cs_console.domain.handover_check import EventInvalid, validate_fields
from cs_console.domain.messages import render

if TYPE_CHECKING:
    import sqlite3

    from cs_console.domain.handover import NoteEvent

Quarantine = list[tuple[str, str]]  # (event id, reason) of rows a reader skipped
RAW_SELECT = "SELECT id, note_id, kind, CAST(at AS TEXT), author, origin, CAST(data AS TEXT) FROM handover_events"


def valid_events(rows, bad: Quarantine | None) -> list[NoteEvent]:
    """Rows (``id, note_id, kind, at, author, origin, data`` as text) that pass the domain's
    event check; the others go to ``bad`` (never raised)."""
    out: list[NoteEvent] = []
    append, loads = out.append, json.loads
    for ev_id, note_id, kind, at, author, origin, data in rows:
        try:
            append(validate_fields(ev_id, note_id, kind, at, author, origin,
                                   {} if data is None or data == "{}" else loads(data)))
        except (EventInvalid, ValueError, TypeError, RecursionError) as exc:
            if bad is not None:
                bad.append((str(ev_id), str(exc) if isinstance(exc, EventInvalid) else render("event.type", field="data", expected="JSON 对象")))
    return out


def events_quick(conn: sqlite3.Connection, bad: Quarantine | None = None) -> list[NoteEvent]:
    """``store.handover.events`` (every valid event in (time, id) order) through ``sqlite3``."""
    return valid_events(conn.execute(f"{RAW_SELECT} ORDER BY at, id"), bad)
