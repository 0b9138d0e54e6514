"""Generic search indexes over a list of strings (pure): substring by n-grams, prefix by a
short-prefix table. Both answer "which values match, in list order, the first ``want`` not
skipped" in time that grows with the answer, not with the list (a full scan only for
needles shorter than the gram, where matches are plentiful and the scan stops early).

Used by the quick-reply index; any other list search (goods titles, codes) can reuse them.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import islice

Skip = Callable[[int], bool]


def _never(_i: int) -> bool:
    return False


class SubstringIndex:
    """``needle in values[i]`` for every i, answered from n-gram postings.

    Each value's distinct n-grams map to the (ascending) indexes holding them. A needle of at
    least ``n`` characters takes the rarest of its n-grams' posting lists and verifies each
    candidate with ``in``; a shorter needle scans the values joined into one string (C speed,
    stopping after ``want`` matches)."""

    def __init__(self, values: Sequence[str], n: int = 2):
        self.values, self.n = list(values), n
        postings: dict[str, array] = {}
        get = postings.get
        for i, v in enumerate(self.values):
            for g in {v[k:k + n] for k in range(len(v) - n + 1)}:
                p = get(g)
                if p is None:
                    p = postings[g] = array("I")
                p.append(i)
        self.postings = postings
        self._blob: tuple[str, list[int]] | None = None

    def _joined(self) -> tuple[str, list[int]]:
        if self._blob is None:
            starts, pos = [], 0
            for v in self.values:
                starts.append(pos)
                pos += len(v) + 1
            self._blob = "".join("\n" + v for v in self.values), starts
        return self._blob

    def candidates(self, needle: str) -> Sequence[int] | None:
        """The shortest posting list that every match must be in (None: needle too short)."""
        n = self.n
        if len(needle) < n:
            return None
        best: Sequence[int] | None = None
        for k in range(len(needle) - n + 1):
            p = self.postings.get(needle[k:k + n])
            if p is None:
                return ()
            if best is None or len(p) < len(best):
                best = p
        return best

    def find(self, needle: str, want: int | None = None, skip: Skip = _never) -> list[int]:
        """Indexes whose value contains ``needle``, ascending, at most ``want`` not skipped."""
        cands = self.candidates(needle)
        values = self.values
        if cands is not None:
            exact = len(needle) == self.n
            hits = (i for i in cands if (exact or needle in values[i]) and not skip(i))
            return list(hits if want is None else islice(hits, want))
        from bisect import bisect_right

        blob, starts = self._joined()
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
    """Which values might be a typo away from a query: those sharing the most near pairs."""

    def __init__(self, values: Sequence[str]):
        self.values = list(values)
        postings: dict[str, array] = {}
        for i, v in enumerate(self.values):
            for g in _near_pairs(v):
                p = postings.get(g)
                if p is None:
                    p = postings[g] = array("I")
                p.append(i)
        self.postings = postings

    def pool(self, needle: str, limit: int) -> list[int]:
        """Up to ``limit`` indexes sharing the most near pairs with ``needle``, ascending."""
        from collections import Counter

        counts: Counter[int] = Counter()
        for g in _near_pairs(needle):
            counts.update(self.postings.get(g, ()))
        if len(counts) <= limit:
            return sorted(counts)
        return sorted(i for i, _ in counts.most_common(limit))


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
