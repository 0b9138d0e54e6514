"""Buyer-supplied text is data: shown literally, never interpreted.

Rich markup is never parsed because the UI builds ``rich.text.Text`` objects from plain strings;
this module removes what a terminal *would* interpret: ANSI/escape sequences and control
characters. Widths are terminal cells, not ``len()`` (full-width Chinese is two cells), as
rich measures them (``rich.cells``), so what is measured here is what the screen draws.

``display_text`` also neutralises what terminals disagree about: bidi controls (U+202E turns
the rest of a row around, borders included), zero-width characters, and the joiners and
modifiers that glue several emoji into one glyph on some terminals and not on others
(ZWJ families, skin tones, variation selectors, keycaps). What is left has one width
everywhere; each emoji of a family is still shown, side by side.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells

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


# Bidi embeddings/overrides/isolates and marks, zero-width space/joiners/no-break, word joiner
# and invisible operators, soft hyphen, Mongolian vowel separator, BOM, variation selectors,
# combining keycap, emoji skin-tone modifiers, tag characters.
_UNSTABLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u061c\u00ad\u180e\ufeff"
    "\ufe00-\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)


def display_text(text: str) -> str:
    """``clean_text`` plus the characters terminals draw at different widths (see module doc)."""
    return _UNSTABLE.sub("", clean_text(text))


def cell_width(text: str) -> int:
    """Terminal cells the text occupies (East Asian wide/full-width count 2)."""
    return cell_len(text)


def truncate_cells(text: str, max_cells: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``max_cells`` cells, adding an ellipsis when cut."""
    if cell_len(text) <= max_cells:
        return text
    room = max(0, max_cells - cell_len(ellipsis))
    head = chop_cells(text, room)[0] if room else ""  # never half a wide character, never a pad
    return head + ellipsis


def one_line(text: str) -> str:
    """Collapse whitespace/newlines for a single-line preview."""
    return " ".join(clean_text(text).split())


def display_line(text: str) -> str:
    """``one_line`` for the screen: also neutralised like ``display_text``."""
    return " ".join(display_text(text).split())
