"""Pinyin search keys for a phrase: full pinyin and word-aware initials (``亲，稍等`` → ``qsd``).

pypinyin costs ~0.28 s to import and ~130 µs per phrase: import it lazily and compute keys
only for phrases whose text changed (callers cache :class:`PinyinKeys` by :func:`key_digest`).
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple


class PinyinKeys(NamedTuple):
    """Lower-case search keys: ``full`` (``qinshaodeng``) and ``initials`` (``qsd``)."""

    full: str
    initials: str


def key_digest(text: str) -> str:
    """Cache key of a text's pinyin keys."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def pinyin_keys(text: str) -> PinyinKeys:
    """Full pinyin and initials of ``text``.

    pypinyin segments words (so polyphones read right: 稍等 → shao deng, 快递 → kuai di);
    each Han syllable gives its first letter, a Latin/digit word (``SF``, ``7``) gives its
    first character to the initials and the whole word to the full key; punctuation is skipped.
    """
    from pypinyin import Style, lazy_pinyin  # lazy: 0.28 s import

    full: list[str] = []
    initials: list[str] = []
    for token in lazy_pinyin(text, style=Style.NORMAL, errors=_split_non_han):
        word = "".join(ch for ch in token.lower() if ch.isascii() and ch.isalnum())
        if word:
            full.append(word)
            initials.append(word[0])
    return PinyinKeys("".join(full), "".join(initials))


def _split_non_han(chunk: str) -> list[str]:
    """Non-Han runs: one token per Latin/digit word, punctuation dropped."""
    out, cur = [], []
    for ch in chunk:
        if ch.isascii() and ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out
