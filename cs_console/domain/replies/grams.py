"""Generic search indexes over a list of strings (pure): substring by n-grams, prefix by a
short-prefix table. Both answer "which values match, in list order, the first ``want`` not
skipped" in time that grows with the answer, not with the list (a full scan only for
needles shorter than the gram, where matches are plentiful and the scan stops early).

Used by the quick-reply index; any other list search (goods titles, codes) can reuse them.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain, compress, groupby, islice
from operator import itemgetter

Skip = Callable[[int], bool]
NARROW = 256  # a longer candidate list is first intersected with the next rarest n-gram's


def _never(_i: int) -> bool:
    return False


class SubstringIndex:
    """``needle in values[i]`` for every i, answered from n-gram postings.

    Each value's distinct grams of length 1..``n`` map to the (ascending) indexes holding them
    (``short=False``: only length ``n``). A needle no longer than ``n`` reads its own posting
    list, which is the exact answer; a longer needle takes the rarest of its n-grams' lists,
    verifies the head of it with ``in``; when that does not give ``want`` matches, the rest is
    first narrowed by the other n-grams' lists (set intersection, C speed). Without short grams a shorter needle scans the values joined into
    one string (C speed, stopping after ``want`` matches)."""

    def __init__(self, values: Sequence[str], n: int = 2, *, short: bool = True):
        self.values, self.n, self.short = list(values), n, short
        postings: dict[str, array] = {}
        get = postings.get
        sizes = range(1, n + 1) if short else (n,)
        for i, v in enumerate(self.values):
            grams = set()
            for m in sizes:
                grams.update(v[k:k + m] for k in range(len(v) - m + 1))
            for g in grams:
                p = get(g)
                if p is None:
                    p = postings[g] = array("I")
                p.append(i)
        self.postings = postings
        self._blob = None if short else self._joined()

    def _joined(self) -> tuple[str, list[int]]:
        starts, pos = [], 0
        for v in self.values:
            starts.append(pos)
            pos += len(v) + 1
        return "".join("\n" + v for v in self.values), starts

    def _lists(self, needle: str) -> list[Sequence[int]] | None:
        """Posting lists every match is in, shortest first (None: needle needs a scan)."""
        n = len(needle) if self.short and len(needle) <= self.n else self.n
        if len(needle) < n or not needle:
            return None
        lists = []
        for k in range(len(needle) - n + 1):
            p = self.postings.get(needle[k:k + n])
            if p is None:
                return [()]
            lists.append(p)
        lists.sort(key=len)
        return lists

    def candidates(self, needle: str) -> Sequence[int] | None:
        """The shortest posting list that every match must be in (None: needle needs a scan)."""
        lists = self._lists(needle)
        return None if lists is None else lists[0]

    def find(self, needle: str, want: int | None = None, skip: Skip = _never) -> list[int]:
        """Indexes whose value contains ``needle``, ascending, at most ``want`` not skipped."""
        values = self.values
        if not needle:
            hits = (i for i in range(len(values)) if not skip(i))
            return list(hits if want is None else islice(hits, want))
        lists = self._lists(needle)
        if lists is not None:
            first = lists[0]
            if len(needle) <= self.n:  # the needle's own list: exact
                hits = (i for i in first if not skip(i))
                return list(hits if want is None else islice(hits, want))
            # verify the head of the rarest list (dense matches stop here); narrow the rest
            # with the other n-grams' lists before verifying it
            head = [i for i in first[:NARROW] if needle in values[i] and not skip(i)]
            if want is not None and len(head) >= want or len(first) <= NARROW:
                return head if want is None else head[:want]
            rest = set(first[NARROW:])
            for p in lists[1:]:  # worth it while a list costs less to read than verifying
                if len(rest) < NARROW or len(p) > 8 * len(rest):
                    break
                rest.intersection_update(p)
            hits = (i for i in sorted(rest) if needle in values[i] and not skip(i))
            head.extend(hits if want is None else islice(hits, want - len(head)))
            return head
        from bisect import bisect_right

        blob, starts = self._blob
        find, out, pos = blob.find, [], 0
        while want is None or len(out) < want:
            at = find(needle, pos)
            if at < 0:
                break
            i = bisect_right(starts, at) - 1
            if not skip(i):
                out.append(i)
            pos = starts[i + 1] if i + 1 < len(starts) else len(blob)
        return out


def _near_pairs(v: str) -> set[str]:
    """Unordered character pairs at distance 1 and 2: a typo (swap, extra, missing or wrong
    character) keeps most of them."""
    pairs = set()
    for a, b in zip(v, v[1:], strict=False):
        pairs.add(a + b if a < b else b + a)
    for a, b in zip(v, v[2:], strict=False):
        pairs.add(a + b if a < b else b + a)
    return pairs


class FuzzyCandidates:
    """Values a typo away from a query: rapidfuzz ``ratio`` scored only on the distinct values
    of a length that can reach the cutoff and sharing the most near pairs with the query."""

    def __init__(self, values: Sequence[str]):
        self.values = list(values)
        members: dict[str, array] = {}
        for i, v in enumerate(self.values):
            p = members.get(v)
            if p is None:
                p = members[v] = array("I")
            p.append(i)
        self.distinct = list(members)
        self.members = list(members.values())
        # postings by (pair, value length): a query reads only the lengths that can pass
        postings: dict[tuple[str, int], array] = {}
        for d, v in enumerate(self.distinct):
            for g in _near_pairs(v):
                p = postings.get((g, len(v)))
                if p is None:
                    p = postings[g, len(v)] = array("I")
                p.append(d)
        self.postings = postings
        self.lengths = sorted({len(v) for v in self.distinct})
        import rapidfuzz.process  # noqa: F401  (loaded with the index, not on the first typo keystroke)

    def _window(self, n: int, cutoff: float) -> list[int]:
        """Value lengths whose ``ratio`` with a needle of ``n`` characters can reach ``cutoff``
        (ratio = 200 × common / (n + length) and common ≤ the shorter of the two)."""
        if cutoff <= 0:
            return self.lengths
        lo, hi = n * cutoff / (200 - cutoff) - 1e-9, n * (200 - cutoff) / cutoff + 1e-9
        return [m for m in self.lengths if lo <= m <= hi]

    def _lists(self, needle: str, cutoff: float) -> list[Sequence[int]]:
        """The posting lists of the needle's near pairs at the lengths that can pass ``cutoff``."""
        get = self.postings.get
        lengths = self._window(len(needle), cutoff)
        return [p for g in _near_pairs(needle) for m in lengths if (p := get((g, m)))]

    @staticmethod
    def _level(counts: Counter, limit: int) -> tuple[int, list[int]]:
        """For more than ``limit`` counted values: the shared-pair level that fills the pool and
        the values at that level taken into it (the first in list order); every value above the
        level is in the pool too (C-speed selection, no heap or sort of every candidate)."""
        taken = level = 0
        for shared, n in sorted(Counter(counts.values()).items(), reverse=True):
            level = shared
            if taken + n >= limit:
                break
            taken += n
        return level, sorted(compress(counts, map(level.__eq__, counts.values())))[:limit - taken]

    def pool(self, needle: str, limit: int, cutoff: float = 0) -> list[int]:
        """Up to ``limit`` distinct values (ids into ``distinct``) sharing the most near pairs
        with ``needle``, ascending; among values sharing as many pairs, the first in list order."""
        counts = Counter(chain.from_iterable(self._lists(needle, cutoff)))
        if len(counts) <= limit:
            return sorted(counts)
        level, at_level = self._level(counts, limit)
        return sorted([*compress(counts, map(level.__lt__, counts.values())), *at_level])

    def best(self, needle: str, want: int, cutoff: float, pool: int, skip: Skip = _never) -> list[tuple[int, float]]:
        """Up to ``want`` ``(index, ratio)`` not skipped with ``ratio ≥ cutoff``, best first
        (ties in list order), among the ``pool`` distinct values of :meth:`pool`.

        When the near pairs' postings hold no more than ``pool`` entries, their union is the pool
        (a set: no count per value, no ranking); values are scored in one C call, in any order."""
        from rapidfuzz import fuzz, process

        lists = self._lists(needle, cutoff)
        if not lists:
            return []
        if sum(map(len, lists)) <= pool:  # they all fit: the pool is their union
            ids = set().union(*lists)
        else:
            counts = Counter(chain.from_iterable(lists))
            ids = counts
            if len(counts) > pool:
                level, at_level = self._level(counts, pool)
                ids = [*compress(counts, map(level.__lt__, counts.values())), *at_level]
        ids = list(ids)  # any order: each similarity's values are merged in list order below
        strings = [self.distinct[ids[0]]] if len(ids) == 1 else itemgetter(*ids)(self.distinct)
        found = process.extract(needle, strings, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        found.sort(key=lambda hit: -hit[1])
        out: list[tuple[int, float]] = []
        for sim, level_hits in groupby(found, key=lambda hit: hit[1]):  # one similarity: list order
            for i in heapq.merge(*(self.members[ids[k]] for _, _, k in level_hits)):
                if not skip(i):
                    out.append((i, sim))
                    if len(out) >= want:
                        return out
        return out


class PrefixIndex:
    """``values[i].startswith(prefix)``, from a table of every value's first 1..``depth``
    characters (longer prefixes verify the candidates of their first ``depth`` characters)."""

    def __init__(self, values: Sequence[str], depth: int = 3):
        self.values, self.depth = list(values), depth
        table: dict[str, array] = {}
        for i, v in enumerate(self.values):
            for k in range(1, min(depth, len(v)) + 1):
                p = table.get(v[:k])
                if p is None:
                    p = table[v[:k]] = array("I")
                p.append(i)
        self.table = table

    def find(self, prefix: str, want: int | None = None, skip: Skip = _never) -> list[int]:
        if not prefix:
            hits = (i for i in range(len(self.values)) if not skip(i))
        else:
            cands = self.table.get(prefix[:self.depth], ())
            values = self.values
            exact = len(prefix) <= self.depth
            hits = (i for i in cands if (exact or values[i].startswith(prefix)) and not skip(i))
        return list(hits if want is None else islice(hits, want))
