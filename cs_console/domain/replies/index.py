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
inverted index (``grams.SubstringIndex``: grams of 1–2 characters for Chinese, 1–3 for
pinyin/Latin, so a needle up to that long reads its own posting list) and the prefix tiers a
table of first characters (``grams.PrefixIndex``), so a tier reads the rarest posting list of
the query and stops after the ``limit`` first matches. Several words intersect their posting
sets (C-speed set operations) and stop once ``limit`` phrases reach the best possible score;
the final top ``limit`` is a heap, never a sort of every match. The typo fallback scores only
distinct values of a length that can pass the cutoff and sharing near character pairs with
the query. The agent's used phrases (a few dozen) are checked one by one so usage can still
lift them within their tier.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

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


class _Tiers(dict):
    """Posting structures by key field, each built by ``build(field)`` on first use."""

    def __init__(self, build: Callable[[str], object]):
        super().__init__()
        self._build = build

    def __missing__(self, name: str):
        made = self[name] = self._build(name)
        return made

    def build(self, names) -> None:
        for name in names:
            self[name] = self._build(name)


class ReplyIndex:
    """Search keys for a phrase list, built once per phrase-set change."""

    def __init__(self, phrases: Sequence[Phrase], keys_of: Callable[[str], PinyinKeys] = pinyin_keys, *,
                 one_shot: bool = False):
        """``one_shot``: for a single search, each posting structure is built when a tier first
        reads it (the same structures, the same results)."""
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
        self._group_lists: dict[str, list[int]] = {}
        # substring tiers: n-gram postings (bigrams for Chinese, trigrams for pinyin/Latin keys)
        # (the long pinyin of the texts keeps trigrams only: short needles scan it, stopping early)
        subs = {"ini": (3, True), "title_full": (3, True), "text_full": (3, False), "label": (2, True),
                "texts": (2, True), "latin": (3, True)}
        self._subs = _Tiers(lambda name: SubstringIndex(getattr(self, name), subs[name][0], short=subs[name][1]))
        # prefix tiers: every value's first 1–3 characters
        self._prefix = _Tiers(lambda name: PrefixIndex(getattr(self, name)))
        # typo fallback: candidates sharing near character pairs with the query
        self._fuzzy_keys = _Tiers(lambda name: FuzzyCandidates(getattr(self, name)))
        if not one_shot:  # every structure now, so that no keystroke pays for one
            self._subs.build(subs)
            self._prefix.build(("codes", "title_ini", "text_ini"))
            self._fuzzy_keys.build(("codes", "title_ini", "titles"))

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
        used = [self.by_code[c] for c, n in usage.items() if n > 0 and c in self.by_code]
        if not words:  # the used phrases, then the first others in file order
            used = [i for i in used if allowed is None or i in allowed]
            pool = range(len(self.phrases)) if allowed is None else self._group_order(group)
            taken = set(used)
            scores = dict.fromkeys(used, 0)
            scores.update(dict.fromkeys(islice((i for i in pool if i not in taken), limit), 0))
        elif len(words) == 1:
            scores = self._tiers(words[0], limit, allowed, used)
        else:
            scores = self._all_words(words, limit, allowed, used)
        return self._rank(scores, usage, limit)

    def _group_members(self, group: str) -> set[int]:
        members = self._groups_cache.get(group)
        if members is None:
            members = self._groups_cache[group] = {i for i, p in enumerate(self.phrases) if p.group == group}
        return members

    def _group_order(self, group: str) -> list[int]:
        order = self._group_lists.get(group)
        if order is None:
            order = self._group_lists[group] = sorted(self._group_members(group))
        return order

    def _rank(self, scores: dict[int, int], usage: Mapping[str, int], limit: int) -> list[Hit]:
        order = heapq.nsmallest(limit, scores, key=lambda i: (-scores[i], -usage.get(self.codes[i], 0), i))
        return [Hit(self.phrases[i], scores[i]) for i in order]

    def _tier_specs(self, q: str, sound: bool = True):
        """``(score, field, needle)`` in tier order; a needle starting with ``\n`` is a prefix test
        (``sound=False``: without the same-sound tiers of a query with Chinese characters)."""
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
        if sound and _has_han(q):
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

        near: dict[str, list[int]] = {}  # needle → the used phrases holding it in some key
        for score, field, needle in self._tier_specs(q):
            if used:  # the agent's favourites rank first within their tier
                values = getattr(self, field)
                bare = needle[1:] if needle[0] == "\n" else needle
                if bare not in near:  # every key is verbatim in ``combo``: one test per phrase
                    near[bare] = [i for i in used if bare in self.combo[i]]
                if needle[0] == "\n":
                    hits = [i for i in near[bare] if values[i].startswith(bare)]
                else:
                    hits = [i for i in near[bare] if bare in values[i]]
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

        def skip(i: int) -> bool:
            return i in scores or (allowed is not None and i not in allowed)

        best: dict[int, float] = {}
        for name in (["codes", "title_ini"] if q.isascii() else ["titles"]):
            for i, sim in self._fuzzy_keys[name].best(q, want, FUZZY_CUTOFF, FUZZY_POOL, skip):
                best[i] = max(best.get(i, 0.0), sim)
        for i, sim in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:want]:
            scores[i] = 10 + int((sim - FUZZY_CUTOFF) * 39 / (100 - FUZZY_CUTOFF))

    def _all_words(self, words: list[str], limit: int, allowed: set[int] | None, used: list[int]) -> dict[int, int]:
        """Several words: each must match in one of its tiers (a word with Chinese characters:
        literally, in the title/tags/group or the text); the phrase scores its worst word.

        Score levels are read best first. At a level, a word's possible phrases are the union
        of the posting lists of its tiers at or above it; the rarest word's set is narrowed by
        the others' while that is cheaper than tiering (C-speed set operations), and the
        survivors are tiered in file order until ``limit`` phrases reach the level: every
        phrase not tiered yet ranks below them."""
        words = list(dict.fromkeys(words))
        specs = {w: list(self._tier_specs(w, sound=False)) for w in words}
        result: dict[int, int] = {}
        tiered: set[int] = set()

        def tier(i: int) -> None:
            tiered.add(i)
            worst = 100
            for w in words:
                worst = min(worst, self._tier_of(i, w, specs[w]))
                if not worst:
                    return
            result[i] = worst

        # the agent's used phrases and exact codes (score 100) are tiered up front
        for i in [*used, *(self.by_code[w] for w in words if w in self.by_code)]:
            if i not in tiered and (allowed is None or i in allowed):
                tier(i)
        reach: dict[str, list[Sequence[int]]] = {w: [] for w in words}
        unions: dict[str, set[int]] = {}
        for level in sorted({s for w in words for s, _, _ in specs[w]}, reverse=True):
            for w in words:
                new = self._possible([spec for spec in specs[w] if spec[0] == level])
                reach[w] += new
                if w in unions:
                    unions[w].update(*new)
            sizes = {w: sum(map(len, reach[w])) for w in words}
            if not all(sizes.values()):
                continue
            rarest, *others = sorted(words, key=sizes.__getitem__)
            if rarest not in unions:
                unions[rarest] = set().union(*reach[rarest])
            candidates = unions[rarest]
            for w in others:
                # reading a list entry costs ~1/50 of tiering a phrase (and tiering stops early)
                if len(candidates) < 64 or sizes[w] > 50 * len(candidates):
                    break
                if w in unions:
                    candidates = candidates & unions[w]
                else:
                    narrowed: set[int] = set()
                    for found in reach[w]:
                        narrowed |= candidates.intersection(found)
                    candidates = narrowed
            if allowed is not None:
                candidates = candidates & allowed
            order, reached = list(candidates), 0
            heapq.heapify(order)  # file order, popped only as far as needed
            while order:
                i = heapq.heappop(order)
                if i not in tiered:
                    tier(i)
                if result.get(i, 0) >= level:
                    reached += 1
                    if reached >= limit:
                        return result
        return result

    def _possible(self, specs: list[tuple[int, str, str]]) -> list[Sequence[int]]:
        """Posting lists whose union holds every phrase reaching one of the tiers ``specs``."""
        out: list[Sequence[int]] = []
        for _score, field, needle in specs:
            if needle[0] == "\n":
                prefix = self._prefix[field]
                out.append(prefix.table.get(needle[1:prefix.depth + 1], ()) if len(needle) > 1 else range(len(self)))
                continue
            for name in (("title_full", "text_full") if field == "full" else (field,)):
                found = self._subs[name].candidates(needle)
                out.append(range(len(self)) if found is None else found)
        return out
