"""The handover book (交接本) as an append-only log of events keyed by UUID.

A note is created, maybe edited, acknowledged (by whom, when) and done (by whom, when,
resolution). Each of those is one :class:`NoteEvent`; a note's current state is *derived*
from its events, and the derivation does not depend on the order the events arrive in
(sync merges logs from several stores): events are sorted by (time, event id) first.

Conflicts are resolved deterministically: edits are last-writer-wins per field; the first
acknowledgement and the first "done" (by time, then id) are the ones shown; a later
"reopened" after a "done" opens the note again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    REOPENED = "reopened"


class NoteState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"


STATE_LABEL = {NoteState.OPEN: "未确认", NoteState.ACKNOWLEDGED: "已确认", NoteState.DONE: "已完成"}


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_LABEL = {Priority.LOW: "低", Priority.NORMAL: "普通", Priority.HIGH: "高", Priority.URGENT: "紧急"}
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}

# fields an event may carry in its ``data`` (created: all of the note's; edited: the changed ones)
NOTE_FIELDS = ("text", "buyer", "order_no", "case_id", "priority", "shift", "for_shift", "day", "source")
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class NoteEvent:
    """One entry of the log. ``origin`` is the store_id of the store that wrote it."""

    id: str
    note_id: str
    kind: EventKind
    at: datetime
    author: str
    origin: str
    data: dict = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.at, self.id)


@dataclass(slots=True)
class Note:
    """A note's current state, derived by :func:`derive`."""

    id: str
    text: str
    author: str
    created_at: datetime
    origin: str
    shift: str = ""
    for_shift: str = ""
    day: str = ""  # the shop's local date it was written (YYYY-MM-DD)
    priority: Priority = Priority.NORMAL
    buyer: str | None = None
    order_no: str | None = None
    case_id: str | None = None
    source: str | None = None  # what the note was made from, e.g. "grey_order:T1001" (shift end)
    acked_by: str | None = None
    acked_at: datetime | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    resolution: str | None = None
    edits: int = 0
    updated_at: datetime | None = None

    @property
    def state(self) -> NoteState:
        if self.done_at is not None:
            return NoteState.DONE
        if self.acked_at is not None:
            return NoteState.ACKNOWLEDGED
        return NoteState.OPEN

    @property
    def is_open(self) -> bool:
        """Not done yet (open or acknowledged)."""
        return self.state != NoteState.DONE

    @property
    def short_id(self) -> str:
        return self.id[:8]


def _apply_fields(note: Note, data: dict) -> None:
    for key in NOTE_FIELDS:
        if key in data and key not in ("shift", "day"):
            value = data[key]
            if key == "priority":
                value = Priority(value)
            setattr(note, key, value)


def derive(events: Iterable[NoteEvent]) -> list[Note]:
    """Notes from their events, whatever order the events come in. Events of a note whose
    ``created`` event is not (yet) present are ignored until it arrives."""
    by_note: dict[str, list[NoteEvent]] = {}
    for ev in events:
        by_note.setdefault(ev.note_id, []).append(ev)
    notes = []
    for note_id, evs in by_note.items():
        evs.sort(key=lambda e: e.sort_key)
        created = next((e for e in evs if e.kind == EventKind.CREATED), None)
        if created is None:
            continue
        d = created.data
        note = Note(id=note_id, text=d.get("text", ""), author=created.author, created_at=created.at,
                    origin=created.origin, shift=d.get("shift", ""), for_shift=d.get("for_shift", ""),
                    day=d.get("day", ""), priority=Priority(d.get("priority", Priority.NORMAL)),
                    buyer=d.get("buyer"), order_no=d.get("order_no"), case_id=d.get("case_id"),
                    source=d.get("source"), updated_at=created.at)
        for ev in evs:
            if ev is created:
                continue
            if ev.kind == EventKind.CREATED:  # a duplicate "created" (same note id) acts as an edit
                _apply_fields(note, ev.data)
            elif ev.kind == EventKind.EDITED:
                _apply_fields(note, ev.data)
                note.edits += 1
            elif ev.kind == EventKind.ACKNOWLEDGED:
                if note.acked_at is None:
                    note.acked_by, note.acked_at = ev.author, ev.at
            elif ev.kind == EventKind.DONE:
                if note.done_at is None:
                    note.done_by, note.done_at = ev.author, ev.at
                    note.resolution = ev.data.get("resolution", "")
                    if note.acked_at is None:  # done implies seen
                        note.acked_by, note.acked_at = ev.author, ev.at
            elif ev.kind == EventKind.REOPENED:
                note.done_by = note.done_at = note.resolution = None
            note.updated_at = max(note.updated_at or ev.at, ev.at)
        notes.append(note)
    return notes


def board_order(notes: Iterable[Note]) -> list[Note]:
    """Open notes first, unacknowledged before acknowledged, then by priority, newest first;
    done notes last, most recently done first."""
    def key(n: Note):
        st = {NoteState.OPEN: 0, NoteState.ACKNOWLEDGED: 1, NoteState.DONE: 2}[n.state]
        when = (n.done_at if n.state == NoteState.DONE else n.created_at).timestamp()
        return (st, PRIORITY_RANK[n.priority] if st < 2 else 0, -when, n.id)
    return sorted(notes, key=key)


def select(notes: Iterable[Note], *, open_only: bool = False, shift: str | None = None,
           day: str | None = None, for_shift: str | None = None, unacked: bool = False) -> list[Note]:
    """Filter: not done; written in ``shift``; on local ``day``; addressed to ``for_shift``;
    not yet acknowledged."""
    out = []
    for n in notes:
        if open_only and not n.is_open:
            continue
        if unacked and n.state != NoteState.OPEN:
            continue
        if shift and n.shift != shift:
            continue
        if for_shift and n.for_shift != for_shift:
            continue
        if day and n.day != day:
            continue
        out.append(n)
    return board_order(out)

