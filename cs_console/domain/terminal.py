"""Stored text on its way to a terminal (the CLI): nothing in it may drive the terminal.

A remark, nick or agent name that arrived in a CSV or from a buyer can hold escape sequences
(clear the screen, OSC 52 writes to the clipboard, retitle the window) or bidi controls that
reorder what the eye reads. :func:`terminal_safe` removes them (``text.clean_text`` plus the
bidi embedding/override/isolate controls); :func:`json_safe` keeps JSON output literal — the
characters JSON itself does not escape (DEL, C1 controls, bidi controls) become ``\\uXXXX``.
"""

from __future__ import annotations

import re

from cs_console.domain.text import clean_text

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")


def terminal_safe(text: str) -> str:
    """``text`` without escape sequences, control characters (newlines and tabs kept) or bidi
    controls; everything else shown literally."""
    return _BIDI.sub("", clean_text(text))


def json_safe(json_text: str) -> str:
    """JSON text (``ensure_ascii=False``) with the characters a terminal would act on escaped;
    a JSON reader gets exactly the same strings back."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json_text)
