"""The handover export file: JSON with the events and a SHA-256 checksum over them, for PCs
with no shared connection (USB stick, chat attachment).

The checksum catches a damaged or hand-edited file (it is not a signature: anyone who
recomputes it can forge a file). :func:`parse` checks everything before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import datetime

from cs_console.domain.handover import NoteEvent
from cs_console.domain.handover_check import EventInvalid, validate_event
from cs_console.domain.messages import UserError, render

FORMAT = "cs-console-handover"
VERSION = 1
MAX_FILE_CHARS = 200_000_000  # ~100k events of full-length text; more is not an export of ours
_EVENTS_KEY = re.compile(r'"events"\s*:\s*\[')


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


def _event_lines(text: str, count: int) -> list[int]:
    """The line each element of the ``events`` array starts on (1 when it cannot be told)."""
    lines = [1] * count
    found = _EVENTS_KEY.search(text)
    if not found:
        return lines
    decoder = json.JSONDecoder()
    pos = found.end()
    try:
        for i in range(count):
            while text[pos] in " \t\r\n,":
                pos += 1
            lines[i] = text.count("\n", 0, pos) + 1
            _, pos = decoder.raw_decode(text, pos)
    except (ValueError, IndexError, RecursionError):
        pass
    return lines


def _load(text: str, where: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HandoverFileError("text", text=f"{where}:{exc.lineno}: "
                                + render("hfile.json", line=exc.lineno, reason=exc.msg)) from exc
    except RecursionError:
        raise HandoverFileError("text", text=f"{where}:1: " + render("input.too_deep")) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise HandoverFileError("text", text=f"{where}:1: " + render("hfile.json", line=1, reason=str(exc)[:80])) from None


def parse(text: str, where: str = "<文件>") -> list[NoteEvent]:
    """Events of an export file; raises :class:`HandoverFileError` (``FILE:LINE: reason``) for
    anything wrong. Every event is validated by the domain (``handover_check``) — a recomputed
    checksum does not make a bad event acceptable."""
    if len(text) > MAX_FILE_CHARS:
        raise HandoverFileError("text", text=f"{where}:1: " + render("input.too_large"))
    doc = _load(text, where)

    def refuse(code: str, line: int = 1, **params) -> HandoverFileError:
        return HandoverFileError("text", text=f"{where}:{line}: " + render(code, **params))

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise refuse("hfile.format", format=FORMAT)
    if doc.get("version") != VERSION:
        raise refuse("hfile.version", version=str(doc.get("version"))[:20], supported=VERSION)
    records = doc.get("events")
    if not isinstance(records, list):
        raise refuse("hfile.no_events")
    if doc.get("count") != len(records):
        raise refuse("hfile.count", said=str(doc.get("count"))[:20], found=len(records))
    try:
        if doc.get("sha256") != checksum(records):
            raise refuse("hfile.checksum")
    except (TypeError, ValueError, RecursionError):
        raise refuse("hfile.checksum") from None
    lines = _event_lines(text, len(records))
    out = []
    for i, rec in enumerate(records):
        try:
            out.append(validate_event(rec))
        except EventInvalid as exc:
            raise refuse("hfile.event", lines[i], index=i + 1, reason=exc.message) from None
    return out
