"""Quick replies (快捷短语): the phrase model, its validation and the pure search index.

Names load on first use (``from cs_console.domain.replies import ReplyIndex``) so that the
start-up path, which only needs the service object, pays for none of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_WHERE = {"Hit": "index", "ReplyIndex": "index", "Phrase": "model", "PhraseFile": "model",
          "PinyinKeys": "pinyin", "pinyin_keys": "pinyin"}
__all__ = ["Hit", "Phrase", "PhraseFile", "PinyinKeys", "ReplyIndex", "pinyin_keys"]

if TYPE_CHECKING:
    from cs_console.domain.replies.index import Hit, ReplyIndex
    from cs_console.domain.replies.model import Phrase, PhraseFile
    from cs_console.domain.replies.pinyin import PinyinKeys, pinyin_keys


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"cs_console.domain.replies.{_WHERE[name]}"), name)
    raise AttributeError(name)
