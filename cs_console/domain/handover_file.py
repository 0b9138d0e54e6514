"""The handover export file: JSON with the events and a SHA-256 checksum over them, for PCs
with no shared connection (USB stick, chat attachment).

The checksum catches a damaged or hand-edited file (it is not a signature: anyone who
recomputes it can forge a file). :func:`parse` checks everything before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError

from cs_console.domain.handover import EventRecord, NoteEvent
from cs_console.domain.messages import UserError

FORMAT = "cs-console-handover"
VERSION = 1


class HandoverFileError(UserError, ValueError):
    """The file is not a valid, untampered handover export; the message says why."""


def _record(ev: NoteEvent) -> dict:
    return {"id": ev.id, "note_id": ev.note_id, "kind": str(ev.kind), "at": ev.at.isoformat(),
            "author": ev.author, "origin": ev.origin, "data": ev.data}


def checksum(records: list[dict]) -> str:
    """SHA-256 of the canonical JSON of the event records."""
    canon = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def dump(events: Iterable[NoteEvent], *, store_id: str, exported_at: datetime) -> str:
    records = [_record(ev) for ev in sorted(events, key=lambda e: e.sort_key)]
    doc = {"format": FORMAT, "version": VERSION, "store_id": store_id, "exported_at": exported_at.isoformat(),
           "count": len(records), "sha256": checksum(records), "events": records}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def parse(text: str) -> list[NoteEvent]:
    """Events of an export file; raises :class:`HandoverFileError` for anything wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HandoverFileError(f"not a handover file: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise HandoverFileError(f"not a handover file (format is not {FORMAT!r})")
    if doc.get("version") != VERSION:
        raise HandoverFileError(f"unsupported handover file version {doc.get('version')!r} (this cs-console reads {VERSION})")
    records = doc.get("events")
    if not isinstance(records, list):
        raise HandoverFileError("handover file has no event list")
    if doc.get("count") != len(records):
        raise HandoverFileError(f"handover file is damaged: says {doc.get('count')} events, holds {len(records)}")
    if doc.get("sha256") != checksum(records):
        raise HandoverFileError("handover file was changed after export (checksum mismatch); nothing imported")
    out = []
    for i, rec in enumerate(records, 1):
        try:
            out.append(EventRecord.model_validate(rec).to_event())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise HandoverFileError(f"event {i}: {where}: {first['msg']}") from exc
    return out
