"""The batch check sync applies to a peer's rows (a column at a time, for speed) refuses exactly
the rows, and gives exactly the reasons, that checking each row on its own gives — for any mix
of good rows and rows broken in any field, wherever in a batch they sit."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_console.domain.handover_check import refused_rows, row_reason


def good_row(i: int) -> tuple:
    at = f"2026-11-23 0{i % 10}:00:00.{i % 1000000:06d}"
    data = json.dumps({"text": f"交接 {i}", "priority": "normal", "day": "2026-11-23"}, ensure_ascii=False)
    return (str(uuid.UUID(int=i + 1)), str(uuid.UUID(int=10**9 + i)), "created", at, "小美", "store-a",
            data if i % 2 else "{}")


# one broken value per field: wrong type, unknown enum, out of range, too long, not JSON …
BREAKS = {
    0: ["not-a-uuid", None, 7, b"\x00", str(uuid.uuid4()).upper(), str(uuid.uuid4()) + "x",
        str(uuid.uuid4()) + "\n"],
    1: ["", 3.5, None, str(uuid.uuid4()) + "\n"],
    2: ["deleted", None, 1, "CREATED"],
    3: ["9999-12-31 23:59:59.000000", "1999-12-31 23:59:59.000000", "2026-13-01 00:00:00.000000", "yesterday",
        None, 12345, "2026-11-23T01:00:00+08:00", "2026-11-23 01:00:00", "2" * 41,
        datetime(2026, 11, 23, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)],
    4: ["", "   ", "长" * 65, None, 5, "阿强"],
    5: ["o" * 65, None, 0, ""],
    6: ['{"priority": "ultra"}', '{"text": ["a"]}', '{"secret": "x"}', '{"day": "2026-02-30"}', "[]",
        '{"day": "2026-11-23\\n"}', "null", "not json", '{"text": "' + "长" * 2001 + '"}', "[" * 5000, None, '{"buyer": null}',
        '{"resolution": "已处理"}', '{"day": "1999-01-01"}', '{"text": "ok"}'],
}


@st.composite
def batches(draw) -> list[tuple]:
    n = draw(st.integers(1, 2500))
    rows = [good_row(i) for i in range(n)]
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, n - 1))
        col = draw(st.sampled_from(sorted(BREAKS)))
        row = list(rows[i])
        row[col] = draw(st.sampled_from(BREAKS[col]))
        if col != 2 and draw(st.booleans()):
            row[2] = draw(st.sampled_from(["edited", "done", "acknowledged", "reopened"]))
        rows[i] = tuple(row)
    return rows


@settings(max_examples=80, deadline=None)
@given(batches())
def test_batch_check_refuses_what_the_row_check_refuses_with_the_same_reason(rows):
    one_by_one = [(i, r) for i, r in enumerate(map(row_reason, rows)) if r is not None]
    assert refused_rows(rows) == one_by_one


def test_a_bad_row_at_the_end_of_a_large_batch_is_found():
    rows = [good_row(i) for i in range(5000)]
    rows[4999] = rows[4999][:3] + ("9999-01-01 00:00:00.000000",) + rows[4999][4:]
    rows[1234] = rows[1234][:2] + ("exploded",) + rows[1234][3:]
    found = refused_rows(rows)
    assert [i for i, _ in found] == [1234, 4999]
    assert "未知的事件类型「exploded」" in found[0][1]
    assert "超出允许的时间范围" in found[1][1]
    assert refused_rows(rows[:1000]) == []


@pytest.mark.parametrize(("column", "value", "reason"), [
    (0, str(uuid.UUID(int=7)) + "\n", "id 不是 UUID"),
    (1, str(uuid.UUID(int=8)) + "\n", "note_id 不是 UUID"),
    (3, "2026-11-23 01:00:00.000000\n", "at 不是有效时间"),
    (6, '{"day": "2026-11-23\\n"}', "data.day 过长（11 > 10）"),
])
def test_a_trailing_newline_is_refused_with_the_reason(column, value, reason):
    row = list(good_row(1))
    row[column] = value
    assert row_reason(row) == reason
    assert refused_rows([good_row(0), tuple(row)]) == [(1, reason)]
