"""Quick-reply results of every bench keystroke, saved or compared: ``python -m bench.replies_same
save FILE`` writes the hits (code and score, in order) at 10k and 100k phrases, ``compare FILE``
exits 1 naming each keystroke whose hits differ now. A speed change to the search runs
``save`` before and ``compare`` after (no ``run``: not a bench of its own)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.replies import generate, keystrokes
from cs_console.domain.replies import ReplyIndex, pinyin_keys


def results(n: int) -> dict[str, list[list]]:
    phrases = generate(n)
    cache: dict[str, object] = {}

    def cached(text: str):
        hit = cache.get(text)
        if hit is None:
            hit = cache[text] = pinyin_keys(text)
        return hit

    index = ReplyIndex(phrases, cached)
    usage = {p.code: 1 + i % 9 for i, p in enumerate(phrases[::50][:200])}  # as the bench
    out = {}
    for q in keystrokes():
        out[q] = [[h.phrase.code, h.score] for h in index.search(q, usage, limit=8)]
        out[q + "\0plain"] = [[h.phrase.code, h.score] for h in index.search(q, limit=8)]
    return out


def main(argv: list[str]) -> int:
    mode, path = argv
    sizes = (10_000, 100_000)
    now = {str(n): results(n) for n in sizes}
    if mode == "save":
        Path(path).write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
        return 0
    before = json.loads(Path(path).read_text(encoding="utf-8"))
    differ = [(n, q) for n in before for q in before[n] if before[n][q] != now[n][q]]
    for n, q in differ:
        print(f"{n} phrases, {q!r}: before {before[n][q]}, now {now[n][q]}")
    total = sum(map(len, before.values()))
    print(f"{total - len(differ)} of {total} searches give the same hits")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
