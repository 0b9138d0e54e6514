"""Deriving notes from their event log: whatever order the events arrive in, same notes."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from cs_console.domain.handover import (
    EventKind,
    NoteEvent,
    NoteState,
    Priority,
    board_order,
    derive,
    select,
)

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def ev(n: int, kind: EventKind, minutes: float, author="小美", note="n1", **data) -> NoteEvent:
    return NoteEvent(f"e{n:03d}", note, kind, T0 + timedelta(minutes=minutes), author, "store-a", data)


def created(n=1, note="n1", minutes=0, **data) -> NoteEvent:
    base = {"text": "小王退款", "priority": "normal", "shift": "day", "for_shift": "night", "day": "2026-11-23"}
    return ev(n, EventKind.CREATED, minutes, note=note, **{**base, **data})


CASES = [
    # (events, expected: state, text, acked_by, done_by, resolution, priority)
    ([created()], (NoteState.OPEN, "小王退款", None, None, None, Priority.NORMAL)),
    ([created(), ev(2, EventKind.ACKNOWLEDGED, 5, "阿强")],
     (NoteState.ACKNOWLEDGED, "小王退款", "阿强", None, None, Priority.NORMAL)),
    ([created(), ev(2, EventKind.ACKNOWLEDGED, 5, "阿强"), ev(3, EventKind.DONE, 9, "阿强", resolution="已退款")],
     (NoteState.DONE, "小王退款", "阿强", "阿强", "已退款", Priority.NORMAL)),
    # done without acknowledgement: done implies seen
    ([created(), ev(2, EventKind.DONE, 9, "小丽", resolution="好了")],
     (NoteState.DONE, "小王退款", "小丽", "小丽", "好了", Priority.NORMAL)),
    # two acknowledgements (two stores): the first wins
    ([created(), ev(2, EventKind.ACKNOWLEDGED, 7, "小丽"), ev(3, EventKind.ACKNOWLEDGED, 5, "阿强")],
     (NoteState.ACKNOWLEDGED, "小王退款", "阿强", None, None, Priority.NORMAL)),
    # edits on both sides: last writer wins per field
    ([created(), ev(2, EventKind.EDITED, 3, "小美", text="小王退款（已催仓库）"),
      ev(3, EventKind.EDITED, 4, "阿强", priority="urgent"), ev(4, EventKind.EDITED, 2, "小丽", text="旧的")],
     (NoteState.OPEN, "小王退款（已催仓库）", None, None, None, Priority.URGENT)),
    # reopened after done, then done again
    ([created(), ev(2, EventKind.DONE, 3, "阿强", resolution="a"), ev(3, EventKind.REOPENED, 4, "小美"),
      ev(4, EventKind.DONE, 6, "小丽", resolution="b")],
     (NoteState.DONE, "小王退款", "阿强", "小丽", "b", Priority.NORMAL)),
    ([created(), ev(2, EventKind.DONE, 3, "阿强", resolution="a"), ev(3, EventKind.REOPENED, 4, "小美")],
     (NoteState.ACKNOWLEDGED, "小王退款", "阿强", None, None, Priority.NORMAL)),
    # same instant: ties broken by event id, deterministically
    ([created(), ev(5, EventKind.EDITED, 1, text="B"), ev(4, EventKind.EDITED, 1, text="A")],
     (NoteState.OPEN, "B", None, None, None, Priority.NORMAL)),
]


@pytest.mark.parametrize(("events", "expected"), CASES)
def test_derive_every_order_gives_same_note(events, expected):
    results = set()
    for perm in itertools.islice(itertools.permutations(events), 120):
        [n] = derive(perm)
        results.add((n.state, n.text, n.acked_by, n.done_by, n.resolution, n.priority))
    assert results == {expected}


def test_events_before_their_created_event_wait_for_it():
    ack = ev(2, EventKind.ACKNOWLEDGED, 5, "阿强")
    assert derive([ack]) == []
    [n] = derive([ack, created()])
    assert n.state == NoteState.ACKNOWLEDGED


def test_board_order_open_unacked_first_then_priority_done_last():
    evs = [created(1, "a", 0), created(2, "b", 1, priority="urgent"), created(3, "c", 2),
           ev(4, EventKind.ACKNOWLEDGED, 3, note="c"), created(5, "d", 3),
           ev(6, EventKind.DONE, 4, note="d", resolution="ok")]
    random.Random(1).shuffle(evs)
    assert [n.id for n in board_order(derive(evs))] == ["b", "a", "c", "d"]
    notes = derive(evs)
    assert [n.id for n in select(notes, open_only=True)] == ["b", "a", "c"]
    assert [n.id for n in select(notes, unacked=True)] == ["b", "a"]
    assert select(notes, shift="night") == [] and len(select(notes, day="2026-11-23", for_shift="night")) == 4
