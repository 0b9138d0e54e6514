"""The quick-reply search index (pure): tiered ranking, then this agent's usage.

Tiers, best first (a phrase is ranked by the best tier it reaches)::

    100 exact code          hi
     90 code prefix         tk → tkuan
     80 title initials      qsd → 亲，稍等 (title starts with the initials)
     75 text initials       … text starts with them
     70 initials inside     title or text initials contain the query
     65 title pinyin        tuikuan → 退款进度
     60 text pinyin         … full pinyin of the text contains it
     58 title words         substring of title / tags / group (Chinese or Latin)
     55 text words          substring of the text
  52/50 same sound          a query with Han characters, as pinyin, inside the full pinyin:
                            mixed input (tui款) and IME homophone typos (尺马 → 尺码)
  10–49 typo fallback       rapidfuzz ``ratio`` on codes and title initials/titles, score_cutoff

Within a tier: more uses by this agent first, then file order. Several words separated by
spaces must all match (the phrase's score is its worst word's). Each tier is one C-speed list
comprehension over 10k strings, and tiers stop as soon as ``limit`` results are certain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from cs_console.domain.replies.model import Phrase
from cs_console.domain.replies.pinyin import PinyinKeys, pinyin_keys

FUZZY_CUTOFF = 60.0


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    score: int


def _has_han(s: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in s)


class ReplyIndex:
    """Search keys for a phrase list, built once per phrase-set change."""

    def __init__(self, phrases: Sequence[Phrase], keys_of: Callable[[str], PinyinKeys] = pinyin_keys):
        self.phrases = list(phrases)
        self.keys_of = keys_of
        self.by_code = {p.code: i for i, p in enumerate(self.phrases)}
        self.groups = list(dict.fromkeys(p.group for p in self.phrases))
        self.codes = [p.code for p in self.phrases]
        self.titles = [p.title.lower() for p in self.phrases]
        title_keys = [keys_of(p.title) for p in self.phrases]
        text_keys = [keys_of(p.text) for p in self.phrases]
        self.title_ini = [k.initials for k in title_keys]
        self.text_ini = [k.initials for k in text_keys]
        self.ini = [f"{a}|{b}" for a, b in zip(self.title_ini, self.text_ini, strict=True)]
        self.title_full = [k.full for k in title_keys]
        self.full = [f"{a.full}|{b.full}" for a, b in zip(title_keys, text_keys, strict=True)]
        self.label = [f"{p.title}\n{' '.join(p.tags)}\n{p.group}".lower() for p in self.phrases]
        self.texts = [p.text.lower() for p in self.phrases]

    def __len__(self) -> int:
        return len(self.phrases)

    def get(self, code: str) -> Phrase | None:
        i = self.by_code.get(code.strip().lstrip("/").lower())
        return None if i is None else self.phrases[i]

    # ---- search ----------------------------------------------------------------------------
    def search(self, query: str, usage: Mapping[str, int] | None = None, *, limit: int = 10,
               group: str | None = None) -> list[Hit]:
        """Best ``limit`` phrases for ``query`` (empty query: browse by usage, then file order)."""
        usage = usage or {}
        words = query.strip().lstrip("/").lower().split()
        allowed = None if group is None else {i for i, p in enumerate(self.phrases) if p.group == group}
        if not words:
            pool = range(len(self.phrases)) if allowed is None else sorted(allowed)
            return self._rank({i: 0 for i in pool}, usage, limit)
        if len(words) == 1:
            scores = self._tiers(words[0], limit, allowed)
        else:
            scores = self._all_words(words, allowed)
        return self._rank(scores, usage, limit)

    def _rank(self, scores: dict[int, int], usage: Mapping[str, int], limit: int) -> list[Hit]:
        order = sorted(scores, key=lambda i: (-scores[i], -usage.get(self.codes[i], 0), i))
        return [Hit(self.phrases[i], scores[i]) for i in order[:limit]]

    def _tier_lists(self, q: str):
        """(score, matching-index generator) in tier order; generators run lazily."""
        latin = q.isascii()
        n = range(len(self.phrases))
        yield 100, ([self.by_code[q]] if q in self.by_code else [])
        yield 90, [i for i in n if self.codes[i].startswith(q)]
        if latin:
            yield 80, [i for i in n if self.title_ini[i].startswith(q)]
            yield 75, [i for i in n if self.text_ini[i].startswith(q)]
            yield 70, [i for i in n if q in self.ini[i]]
            if len(q) >= 2:
                yield 65, [i for i in n if q in self.title_full[i]]
                yield 60, [i for i in n if q in self.full[i]]
        yield 58, [i for i in n if q in self.label[i]]
        yield 55, [i for i in n if q in self.texts[i]]
        if _has_han(q):
            py = self.keys_of(q).full
            if py:
                yield 52, [i for i in n if py in self.title_full[i]]
                yield 50, [i for i in n if py in self.full[i]]

    def _tiers(self, q: str, limit: int, allowed: set[int] | None) -> dict[int, int]:
        scores: dict[int, int] = {}
        for score, matches in self._tier_lists(q):
            for i in matches:
                if i not in scores and (allowed is None or i in allowed):
                    scores[i] = score
            if len(scores) >= limit:
                return scores  # every later tier ranks below these
        if len(q) >= 2:
            self._fuzzy(q, limit - len(scores), scores, allowed)
        return scores

    def _fuzzy(self, q: str, want: int, scores: dict[int, int], allowed: set[int] | None) -> None:
        """Typo fallback: rapidfuzz ``ratio`` (cheap) with a cutoff, never ``WRatio`` (24 ms)."""
        if want <= 0:
            return
        targets = [self.codes, self.title_ini] if q.isascii() else [self.titles]
        best: dict[int, float] = {}
        for choices in targets:
            for _, sim, i in process.extract(q, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                                             limit=want + len(scores)):
                if i not in scores and (allowed is None or i in allowed):
                    best[i] = max(best.get(i, 0.0), sim)
        for i, sim in sorted(best.items(), key=lambda kv: -kv[1])[:want]:
            scores[i] = 10 + int((sim - FUZZY_CUTOFF) * 39 / (100 - FUZZY_CUTOFF))

    def _all_words(self, words: list[str], allowed: set[int] | None) -> dict[int, int]:
        """Several words: each must match somewhere; the phrase scores its worst word."""
        result: dict[int, int] | None = None
        for w in words:
            scores = self._tiers(w, len(self.phrases) + 1, allowed)
            if result is None:
                result = scores
            else:
                result = {i: min(s, scores[i]) for i, s in result.items() if i in scores}
            if not result:
                return {}
        return result or {}
