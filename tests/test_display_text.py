"""What buyer text becomes on screen: one width on every terminal, measured as rich draws it."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from cs_console.domain.text import cell_width, display_line, display_text, truncate_cells


@pytest.mark.parametrize(("raw", "shown"), [
    ("abc\u202edef\u202c", "abcdef"),  # right-to-left override
    ("\u2067مرحبا\u2069 hi", "مرحبا hi"),  # isolates
    ("小\u200b王\u2060", "小王"),  # zero-width space, word joiner
    ("👨\u200d👩\u200d👧", "👨👩👧"),  # ZWJ family: each emoji side by side
    ("👍🏽", "👍"),  # skin tone modifier
    ("❤️", "❤"),  # emoji presentation selector
    ("1️⃣", "1"),  # keycap
    ("\ufeff开头", "开头"),  # BOM
    ("\x1b[31m红\x1b[0m", "红"),  # escapes, as clean_text
    ("中文 ok", "中文 ok"),
])
def test_display_text(raw, shown):
    assert display_text(raw) == shown


@pytest.mark.parametrize(("text", "cells", "cut"), [
    ("中文很长的昵称", 7, "中文很…"),
    ("中文很长的昵称", 14, "中文很长的昵称"),
    ("abcdef", 4, "abc…"),
    ("中a文", 4, "中a…"),
])
def test_truncate_cells_by_terminal_cells(text, cells, cut):
    assert truncate_cells(text, cells) == cut
    assert cell_len(truncate_cells(text, cells)) <= cells


def test_widths_are_rich_cells():
    for text in ("中文", "abc", "👍", "ｆｕｌｌ"):
        assert cell_width(text) == cell_len(text)
    assert display_line("a\n\u202eb  c") == "a b c"
