"""The quick-reply search index (pure): tiered ranking, then this agent's usage.

Tiers, best first (a phrase is ranked by the best tier it reaches)::

    100 exact code          hi
     90 code prefix         tk → tkuan
     80 title initials      qsd → 亲，稍等 (title starts with the initials)
     75 text initials       … text starts with them
     70 initials inside     title, text or tag initials contain the query
     65 title pinyin        tuikuan → 退款进度 (and the tags' pinyin: zaima → 在的呢, tag 在吗)
     60 text pinyin         … full pinyin of the text contains it (queries of ≥ 4 letters)
     58 title words         substring of title / tags / group (Chinese queries)
     55 text words          substring of the text; for Latin queries, the Latin words (SF, 7)
  52/50 same sound          a query with Han characters, as pinyin, inside the full pinyin:
                            mixed input (tui款) and IME homophone typos (尺马 → 尺码)
  10–49 typo fallback       rapidfuzz ``ratio`` on codes and title initials/titles, score_cutoff

Within a tier: more uses by this agent first, then file order. Several words separated by
spaces must all match (the phrase's score is its worst word's).

Speed (per keystroke, 100k phrases: p99 well under 5 ms): every key list has an n-gram
inverted index (``grams.SubstringIndex``: bigrams for Chinese, trigrams for pinyin/Latin) and
the prefix tiers a table of first characters (``grams.PrefixIndex``), so a tier reads the
rarest posting list of the query and stops after the ``limit`` first matches; the typo
fallback scores only phrases sharing near character pairs with the query. The agent's used phrases (a few
dozen) are checked one by one so usage can still lift them within their tier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cs_console.domain.replies.grams import FuzzyCandidates, PrefixIndex, SubstringIndex
from cs_console.domain.replies.model import Phrase
from cs_console.domain.replies.pinyin import PinyinKeys, pinyin_keys

FUZZY_CUTOFF = 60.0
FUZZY_POOL = 2000  # typo fallback: at most this many phrases sharing the most bigrams are scored


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    score: int


def _latin_only(s: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in s.lower())


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
        # tags are keywords: their pinyin counts with the title's (在吗 → zaima, zm)
        tag_keys = [[keys_of(t) for t in p.tags] for p in self.phrases]
        self.ini = [f"{a}|{b}|{'|'.join(k.initials for k in tags)}"
                    for a, b, tags in zip(self.title_ini, self.text_ini, tag_keys, strict=True)]
        self.title_full = [f"{k.full}|{'|'.join(t.full for t in tags)}" for k, tags in zip(title_keys, tag_keys, strict=True)]
        self.text_full = [k.full for k in text_keys]
        self.full = [f"{a}|{b}" for a, b in zip(self.title_full, self.text_full, strict=True)]
        self.label = [f"{p.title}\n{' '.join(p.tags)}\n{p.group}".lower() for p in self.phrases]
        self.texts = [p.text.lower() for p in self.phrases]
        # Latin words of title/tags/text ("SF", "7天" → "7"): Latin queries scan this small ASCII
        # string instead of the wide Chinese texts
        self.latin = [" ".join(_latin_only(f"{a} {b}").split()) for a, b in zip(self.label, self.texts, strict=True)]
        self.combo = ["\t".join(keys) for keys in zip(self.codes, self.ini, self.full, self.label, self.texts, strict=True)]
        self._groups_cache: dict[str, set[int]] = {}
        # substring tiers: n-gram postings (bigrams for Chinese, trigrams for pinyin/Latin keys)
        self._subs = {name: SubstringIndex(getattr(self, name), n) for name, n in
                      (("ini", 3), ("title_full", 3), ("text_full", 3), ("label", 2), ("texts", 2), ("latin", 3))}
        # prefix tiers: every value's first 1–3 characters
        self._prefix = {name: PrefixIndex(getattr(self, name)) for name in ("codes", "title_ini", "text_ini")}
        # typo fallback: candidates sharing near character pairs with the query
        self._fuzzy_keys = {name: FuzzyCandidates(getattr(self, name)) for name in ("codes", "title_ini", "titles")}

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
        allowed = None if group is None else self._group_members(group)
        if not words:
            pool = range(len(self.phrases)) if allowed is None else sorted(allowed)
            return self._rank({i: 0 for i in pool}, usage, limit)
        used = [self.by_code[c] for c, n in usage.items() if n > 0 and c in self.by_code]
        if len(words) == 1:
            scores = self._tiers(words[0], limit, allowed, used)
        else:
            scores = self._all_words(words, allowed)
        return self._rank(scores, usage, limit)

    def _group_members(self, group: str) -> set[int]:
        members = self._groups_cache.get(group)
        if members is None:
            members = self._groups_cache[group] = {i for i, p in enumerate(self.phrases) if p.group == group}
        return members

    def _rank(self, scores: dict[int, int], usage: Mapping[str, int], limit: int) -> list[Hit]:
        order = sorted(scores, key=lambda i: (-scores[i], -usage.get(self.codes[i], 0), i))
        return [Hit(self.phrases[i], scores[i]) for i in order[:limit]]

    def _tier_specs(self, q: str):
        """``(score, field, needle)`` in tier order; a needle starting with ``\n`` is a prefix test."""
        if q.isascii():
            yield 90, "codes", "\n" + q
            yield 80, "title_ini", "\n" + q
            yield 75, "text_ini", "\n" + q
            yield 70, "ini", q
            if len(q) >= 2:
                yield 65, "title_full", q
            if len(q) >= 4:  # shorter runs inside a text's pinyin are mostly noise (and a long scan)
                yield 60, "text_full", q
            yield 55, "latin", q
            return
        yield 58, "label", q
        yield 55, "texts", q
        if _has_han(q):
            py = self.keys_of(q).full
            if py:
                yield 52, "title_full", py
                yield 50, "full", py

    def _matches(self, field: str, needle: str, want: int | None, skip: Callable[[int], bool]) -> list[int]:
        """Indexes whose ``field`` contains ``needle`` (file order), at most ``want`` not skipped."""
        if needle[0] == "\n":  # prefix
            return self._prefix[field].find(needle[1:], want, skip)
        if field == "full":  # title's or text's pinyin
            found = set(self._subs["title_full"].find(needle, want, skip))
            found.update(self._subs["text_full"].find(needle, want, skip))
            out = sorted(found)
            return out if want is None else out[:want]
        return self._subs[field].find(needle, want, skip)

    def _tier_of(self, i: int, q: str, specs: list[tuple[int, str, str]]) -> int:
        """One phrase's best tier for ``q`` (0: no match)."""
        if self.codes[i] == q:
            return 100
        for score, field, needle in specs:
            value = getattr(self, field)[i]
            if value.startswith(needle[1:]) if needle[0] == "\n" else needle in value:
                return score
        return 0

    def _tiers(self, q: str, limit: int, allowed: set[int] | None, used: list[int] = ()) -> dict[int, int]:
        scores: dict[int, int] = {}
        if q in self.by_code and (allowed is None or self.by_code[q] in allowed):
            scores[self.by_code[q]] = 100

        def skip(i: int) -> bool:
            return i in scores or (allowed is not None and i not in allowed)

        for score, field, needle in self._tier_specs(q):
            if used:  # the agent's favourites rank first within their tier
                values = getattr(self, field)
                if needle[0] == "\n":
                    prefix = needle[1:]
                    hits = [i for i in used if values[i].startswith(prefix)]
                else:
                    hits = [i for i in used if needle in values[i]]
                for i in hits:
                    if not skip(i):
                        scores[i] = score
            want = limit - len(scores)
            if want <= 0:
                return scores  # every later tier ranks below these
            for i in self._matches(field, needle, want, skip):
                scores[i] = score
        if len(scores) < limit and len(q) >= 2:
            self._fuzzy(q, limit - len(scores), scores, allowed)
        return scores

    def _fuzzy(self, q: str, want: int, scores: dict[int, int], allowed: set[int] | None) -> None:
        """Typo fallback: rapidfuzz ``ratio`` (cheap) with a cutoff, never ``WRatio`` (24 ms)."""
        if want <= 0:
            return
        from rapidfuzz import fuzz, process  # lazy: only typos need it

        targets = ["codes", "title_ini"] if q.isascii() else ["titles"]
        best: dict[int, float] = {}
        for name in targets:
            values = getattr(self, name)
            pool = self._fuzzy_keys[name].pool(q, FUZZY_POOL)
            for _, sim, k in process.extract(q, [values[i] for i in pool], scorer=fuzz.ratio,
                                             score_cutoff=FUZZY_CUTOFF, limit=want + len(scores)):
                i = pool[k]
                if i not in scores and (allowed is None or i in allowed):
                    best[i] = max(best.get(i, 0.0), sim)
        for i, sim in sorted(best.items(), key=lambda kv: -kv[1])[:want]:
            scores[i] = 10 + int((sim - FUZZY_CUTOFF) * 39 / (100 - FUZZY_CUTOFF))

    def _all_words(self, words: list[str], allowed: set[int] | None) -> dict[int, int]:
        """Several words: each must match somewhere; the phrase scores its worst word.

        Candidates come from the rarest word (counted in the first eighth of the texts: C-speed),
        the other words filter them with one ``in`` test each on all keys joined, and only the
        survivors are tiered."""
        words = list(dict.fromkeys(words))
        def rarity(w: str) -> tuple[int, int]:
            index = self._subs["text_full" if w.isascii() else "texts"]
            cands = index.candidates(w)
            return (len(index.values) if cands is None else len(cands)), -len(w)

        first = min(reversed(words), key=rarity)
        skip = (lambda i: False) if allowed is None else (lambda i: i not in allowed)
        if first.isascii():
            found = {i for f in ("ini", "full", "latin") for i in self._matches(f, first, None, skip)}
            found |= {i for i in self._matches("codes", "\n" + first, None, skip)}
        else:
            found = {i for f in ("label", "texts") for i in self._matches(f, first, None, skip)}
        candidates = sorted(found)
        words.remove(first)
        words.insert(0, first)
        for w in words[1:]:
            candidates = [i for i in candidates if w in self.combo[i]]
        specs = {w: list(self._tier_specs(w)) for w in words}
        result = {}
        for i in candidates:
            tiers = [self._tier_of(i, w, specs[w]) for w in words]
            if all(tiers):
                result[i] = min(tiers)
        return result
