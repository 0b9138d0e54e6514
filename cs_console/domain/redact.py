"""Masking personal data out of text that goes to a log file.

Error details are for developers; they must never hold a buyer's phone, name, address or an
agent's draft. The rule is blunt on purpose: every phone-like digit run is masked, every quoted
literal and every ``=(value)`` detail is replaced by its length, and every CJK character (names,
addresses and drafts are Chinese) becomes ``＊``. What remains is the shape of the error.
"""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_LONG_DIGITS = re.compile(r"\d{7,}")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.){0,2000}'|\"(?:[^\"\\]|\\.){0,2000}\"")
_DETAIL = re.compile(r"=\((?:[^()]|\([^()]*\)){0,2000}\)")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
MAX_LOG_TEXT = 2000


def mask_personal(text: str) -> str:
    """``text`` with phones, quoted values, key details and CJK text masked (and cut short)."""
    text = _PHONE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)
    text = _LONG_DIGITS.sub(lambda m: "#" * len(m.group(0)), text)
    text = _DETAIL.sub(lambda m: f"=(<{len(m.group(0)) - 3}>)", text)
    text = _QUOTED.sub(lambda m: f"<{len(m.group(0)) - 2} chars>", text)
    text = _CJK.sub("＊", text)
    return text if len(text) <= MAX_LOG_TEXT else text[:MAX_LOG_TEXT] + "…"
