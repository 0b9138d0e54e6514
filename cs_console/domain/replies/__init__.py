"""Quick replies (快捷短语): the phrase model, its validation and the pure search index."""

from cs_console.domain.replies.index import Hit, ReplyIndex
from cs_console.domain.replies.model import Phrase, PhraseFile
from cs_console.domain.replies.pinyin import PinyinKeys, pinyin_keys

__all__ = ["Hit", "Phrase", "PhraseFile", "PinyinKeys", "ReplyIndex", "pinyin_keys"]
