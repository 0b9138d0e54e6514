"""Buyer-supplied text is data: shown literally, never interpreted.

Rich markup is never parsed because the UI builds ``rich.text.Text`` objects from plain strings;
this module removes what a terminal *would* interpret: ANSI/escape sequences and control
characters. Widths are terminal cells, not ``len()`` (full-width Chinese is two cells).
"""

from __future__ import annotations

import re
import unicodedata

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control except \n and \t.
_ESCAPES = re.compile(
    r"(\x1b\[[0-?]*[ -/]*[@-~])"  # CSI ... final
    r"|(\x1b\][^\x07\x1b]*(\x07|\x1b\\)?)"  # OSC ... BEL/ST
    r"|(\x1b[PX^_][^\x1b]*(\x1b\\)?)"  # DCS/SOS/PM/APC
    r"|(\x1b[@-Z\\-_])"  # 2-char ESC sequences
    r"|(\x9b[0-?]*[ -/]*[@-~])"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Strip escape sequences and control characters; keep newlines and tabs (as spaces)."""
    text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    return _CONTROLS.sub("", text)


def cell_width(text: str) -> int:
    """Terminal cells the text occupies (East Asian wide/full-width count 2)."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def truncate_cells(text: str, max_cells: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``max_cells`` cells, adding an ellipsis when cut."""
    if cell_width(text) <= max_cells:
        return text
    out, used, limit = [], 0, max(0, max_cells - cell_width(ellipsis))
    for ch in text:
        w = cell_width(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis


def one_line(text: str) -> str:
    """Collapse whitespace/newlines for a single-line preview."""
    return " ".join(clean_text(text).split())
