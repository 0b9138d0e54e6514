"""Handover book use-cases (交接本): write, acknowledge, finish, list, export/import, sync.

Every action appends events (one transaction); the notes shown are derived from the events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cs_console.domain import handover_file
from cs_console.domain.clock import Clock
from cs_console.domain.handover import (
    MAX_TEXT,
    STATE_LABEL,
    EventKind,
    Note,
    NoteEvent,
    NoteState,
    Priority,
    derive,
    select,
)
from cs_console.domain.handover_check import MAX_AUTHOR, EventInvalid, validate_event
from cs_console.domain.ids import time_ordered_id
from cs_console.domain.limits import check_length
from cs_console.domain.messages import UserError, os_reason
from cs_console.domain.money import shown
from cs_console.domain.shifts import ShiftClock, ShiftDef
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text, one_line
from cs_console.store import handover as repo
from cs_console.store.chats import NotFound, find_buyer
from cs_console.store.engine import Store, open_store
from cs_console.store.handover import first_action
from cs_console.store.orders import OrderNotFound, get_order, latest_order
from cs_console.store.sync import Progress, SyncResult, sync_stores
from cs_console.store.tables import Buyer


class HandoverError(UserError, ValueError):
    """A refused handover action (nothing was written)."""


def _priority(value: str | Priority) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise HandoverError("handover.unknown_priority", value=value,
                            choices="、".join(p.value for p in Priority)) from None


@dataclass(frozen=True, slots=True)
class ImportResult:
    events: int
    inserted: int

    def as_dict(self) -> dict:
        return {"events": self.events, "inserted": self.inserted}


class HandoverService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock
        self.shifts = ShiftClock(policy.shifts, policy.shop.timezone)
        self._origin: str | None = None
        self.last_quarantine: repo.Quarantine = []  # invalid events the last notes() skipped

    @property
    def origin(self) -> str:
        if self._origin is None:
            self._origin = self.store.store_id()
        return self._origin

    def _event(self, note_id: str, kind: EventKind, author: str, at: datetime, data: dict) -> NoteEvent:
        author = one_line(author)
        if not author:
            raise HandoverError("handover.no_agent")
        if len(author) > MAX_AUTHOR:
            raise HandoverError("text.too_long", what="客服名", limit=MAX_AUTHOR, length=len(author))
        ev = NoteEvent(time_ordered_id(at), note_id, kind, at, author, self.origin, data)
        try:  # the same check as for files and peers: we never write what a reader would refuse
            validate_event({"id": ev.id, "note_id": ev.note_id, "kind": str(ev.kind), "at": ev.at,
                            "author": ev.author, "origin": ev.origin, "data": ev.data})
        except EventInvalid as exc:
            raise HandoverError(exc.message) from None
        return ev

    # ---- writes -------------------------------------------------------------------------
    def add(self, text: str, agent: str, *, buyer: str | None = None, order_no: str | None = None,
            case_id: str | None = None, priority: str | Priority = Priority.NORMAL,
            shift: str | None = None, for_shift: str | None = None, source: str | None = None) -> Note:
        """Write a note. The order (if given) must exist; its buyer is linked by default.
        ``shift`` defaults to the agent's, ``for_shift`` to the next one."""
        text = clean_text(text).strip()
        if not text:
            raise HandoverError("handover.empty_text")
        if len(text) > MAX_TEXT:
            raise HandoverError("handover.text_too_long", length=len(text), limit=MAX_TEXT)
        prio = _priority(priority)
        now = self.clock()
        try:
            sh = self.shifts.get(shift) if shift else self.agent_shift(agent)
            to = self.shifts.get(for_shift) if for_shift else self.shifts.next_shift(sh.id)
        except KeyError:
            raise HandoverError("handover.unknown_shift", value=for_shift or shift or "",
                                choices="、".join(self.shifts.ids())) from None
        with self.store.write() as s:
            if order_no:
                try:
                    order = get_order(s, order_no)
                except OrderNotFound as exc:
                    raise HandoverError(str(exc)) from None
                if buyer is None:
                    b = s.get(Buyer, order.buyer_id)
                    buyer = b.nick if b else None
            data = {"text": text, "priority": str(prio), "shift": sh.id, "for_shift": to.id,
                    "day": self.shifts.day_of(now).isoformat(), "buyer": one_line(buyer) if buyer else None,
                    "order_no": order_no.strip() if order_no else None,
                    "case_id": check_length(str(case_id), "售后单号", 64) if case_id else None}
            if source:
                data["source"] = source
            ev = self._event(str(uuid.uuid4()), EventKind.CREATED, agent, now, data)  # a note id: random, its first characters are a short reference
            repo.append(s, ev)
        return derive([ev])[0]

    def _change(self, note_ref: str, agent: str, kind: EventKind, data: dict, check) -> Note:
        with self.store.write() as s:
            note = self._find(s, note_ref)
            check(note)
            history = repo.events(s, [note.id])
            # never before the note's latest event (a PC whose clock is behind, or the same
            # instant): keeps "ack after create" true for the (time, id) ordering of derive()
            at = max(self.clock(), max(e.at for e in history) + timedelta(microseconds=1))
            ev = self._event(note.id, kind, agent, at, data)
            repo.append(s, ev)
            return derive([*history, ev])[0]

    def ack(self, note_ref: str, agent: str) -> Note:
        """Acknowledge (已确认) a note; refused if it is already acknowledged or done."""
        def check(n: Note) -> None:
            if n.state != NoteState.OPEN:
                raise HandoverError("handover.already", note=n.short_id, state=STATE_LABEL[n.state], who=n.acked_by)
        return self._change(note_ref, agent, EventKind.ACKNOWLEDGED, {}, check)

    def done(self, note_ref: str, agent: str, resolution: str) -> Note:
        """Mark a note done with a resolution (required)."""
        resolution = clean_text(resolution).strip()
        if not resolution:
            raise HandoverError("handover.resolution_required")

        def check(n: Note) -> None:
            if n.state == NoteState.DONE:
                raise HandoverError("handover.already_done", note=n.short_id, who=n.done_by)
        return self._change(note_ref, agent, EventKind.DONE, {"resolution": resolution}, check)

    def edit(self, note_ref: str, agent: str, *, text: str | None = None, priority: str | None = None) -> Note:
        data: dict = {}
        if text is not None:
            text = clean_text(text).strip()
            if not text:
                raise HandoverError("handover.empty_text")
            if len(text) > MAX_TEXT:
                raise HandoverError("handover.text_too_long", length=len(text), limit=MAX_TEXT)
            data["text"] = text
        if priority is not None:
            data["priority"] = str(_priority(priority))
        if not data:
            raise HandoverError("handover.nothing_to_change")
        return self._change(note_ref, agent, EventKind.EDITED, data, lambda n: None)

    def reopen(self, note_ref: str, agent: str) -> Note:
        def check(n: Note) -> None:
            if n.state != NoteState.DONE:
                raise HandoverError("handover.not_done", note=n.short_id)
        return self._change(note_ref, agent, EventKind.REOPENED, {}, check)

    # ---- reads --------------------------------------------------------------------------
    def _find(self, s, note_ref: str) -> Note:
        ref = note_ref.strip().lower()
        if len(ref) < 4:
            raise HandoverError("handover.short_ref")
        ids = repo.note_ids_matching(s, ref)
        notes = derive(repo.events(s, ids)) if ids else []
        if not notes:
            raise HandoverError("handover.no_note", ref=shown(note_ref))
        if len(notes) > 1:
            raise HandoverError("handover.ambiguous", ref=note_ref, count=len(notes))
        return notes[0]

    def get(self, note_ref: str) -> Note:
        with self.store.read() as s:
            return self._find(s, note_ref)

    def notes(self, *, open_only: bool = False, shift: str | None = None, day: str | None = None,
              for_shift: str | None = None, unacked: bool = False) -> list[Note]:
        """Notes in board order (open first, unacknowledged first), filtered."""
        bad: repo.Quarantine = []
        with self.store.read() as s:
            evs = repo.events(s, bad=bad)
        self.last_quarantine = bad
        return select(derive(evs), open_only=open_only, shift=shift, day=day, for_shift=for_shift, unacked=unacked)

    def quarantine(self) -> repo.Quarantine:
        """(event id, reason) of every stored event that fails the domain's check: such events
        are never shown, exported or synced, and never crash a reader."""
        bad: repo.Quarantine = []
        with self.store.read() as s:
            repo.events(s, bad=bad)
        return bad

    def agent_shift(self, agent: str) -> ShiftDef:
        """The agent's shift now: the rota, else judged by their first action today (a chat
        message or a handover event), else by the time now."""
        now = self.clock()
        start, _ = self.shifts.day_bounds(self.shifts.day_of(now))
        with self.store.read() as s:
            first = first_action(s, agent.strip(), start)
        return self.shifts.shift_of(agent, now, since=first)

    def inbox(self, agent: str) -> list[Note]:
        """Unacknowledged notes addressed to the agent's shift (shown first thing on start)."""
        sh = self.agent_shift(agent)
        return self.notes(for_shift=sh.id, unacked=True)

    def event_count(self) -> int:
        with self.store.read() as s:
            return repo.count(s)

    # ---- exchange -----------------------------------------------------------------------
    def export(self, path: Path) -> int:
        """Write every event to ``path`` (JSON with a checksum); returns the event count."""
        with self.store.read() as s:
            evs = repo.events(s)
        text = handover_file.dump(evs, store_id=self.origin, exported_at=self.clock())
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return len(evs)

    def import_(self, path: Path) -> ImportResult:
        """Merge the events of an export file; a malformed or tampered file changes nothing."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise handover_file.HandoverFileError("file.unreadable", path=path, reason=os_reason(exc)) from exc
        except UnicodeDecodeError:
            raise handover_file.HandoverFileError("text", text=f"{path}:1: 不是 UTF-8 文本") from None
        evs = handover_file.parse(text, str(path))
        with self.store.write() as s:
            inserted = repo.insert_missing(s, evs)
        return ImportResult(len(evs), inserted)

    def sync(self, other_url: str, progress: Progress | None = None) -> SyncResult:
        """Union of this store's and ``other_url``'s handover logs, both directions."""
        other = open_store(other_url)
        try:
            return sync_stores(self.store, other, progress)
        finally:
            other.dispose()

    def buyer_link(self, buyer: str | None) -> tuple[str | None, str | None]:
        """(buyer nick, their latest order number) for linking a note to the current chat."""
        if not buyer:
            return None, None
        with self.store.read() as s:
            try:
                b = find_buyer(s, buyer)
            except NotFound:
                return buyer, None
            order = latest_order(s, b.id)
            return b.nick, order.order_no if order else None
