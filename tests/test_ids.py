"""Handover event ids are UUIDs that sort by the time they were made (sync inserts in key order)."""

import uuid
from datetime import UTC, datetime, timedelta

from cs_console.domain.ids import time_ordered_id


def test_later_ids_sort_later_and_are_unique_uuid7():
    t0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    ids = [time_ordered_id(t0 + timedelta(milliseconds=k)) for k in range(2000)]
    assert len(set(ids)) == 2000
    assert ids == sorted(ids)
    parsed = uuid.UUID(ids[0])
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    same_ms = {time_ordered_id(t0) for _ in range(500)}
    assert len(same_ms) == 500
