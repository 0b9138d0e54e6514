"""Quick-reply search over 10,000 generated phrases: index build, per-keystroke query p50/p99.

Goal: p99 ≤ 5 ms per keystroke. Compared in the same run with a plain substring scan
over the texts (what a naive picker would do — and which finds nothing for codes or pinyin).
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from pathlib import Path

from bench.common import Figure, median, percentile
from cs_console.config.replies import load_phrases
from cs_console.domain.replies import Phrase, ReplyIndex, pinyin_keys

N = 10_000
REPO = Path(__file__).resolve().parents[1]
QUERIES = ["qsd", "tk", "tuikuan", "物流", "退款进度", "退kuan", "qds", "wlcx", "shunfeng", "尺码 偏大",
           "hp", "cuifu", "色差", "zdkd", "baoyou", "亲"]


def generate(n: int, seed: int = 4) -> list[Phrase]:
    """``n`` phrases recombined from the shipped set (real Chinese text, unique codes)."""
    base = load_phrases(REPO / "quick_replies.yaml")
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rnd.choice(base), rnd.choice(base)
        cut = rnd.randint(4, max(5, len(b.text) // 2))
        out.append(Phrase(group=a.group, code=f"{a.code}{i}", title=f"{a.title}{b.title[:2]}",
                          text=a.text + b.text[:cut], tags=a.tags))
    return out


def keystrokes() -> list[str]:
    """Every prefix of every query, as the agent types it."""
    return [q[:k] for q in QUERIES for k in range(1, len(q) + 1)]


def run(progress) -> list[Figure]:
    """All keystrokes ×5; a plain ``q in text`` scan timed right after each search."""
    phrases = generate(N)
    pinyin_keys("预热")  # import pypinyin outside the timing (0.28 s, lazy at run time)
    cache: dict[str, object] = {}

    def cached(text: str):
        hit = cache.get(text)
        if hit is None:
            hit = cache[text] = pinyin_keys(text)
        return hit

    t0 = time.perf_counter()
    ReplyIndex(phrases, cached)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ReplyIndex(phrases, cached)
    warm = time.perf_counter() - t0

    usage = {p.code: 1 + i % 9 for i, p in enumerate(phrases[::50])}  # an agent's ~200 favourites
    strokes = keystrokes()
    texts = [p.text for p in phrases]
    tiered, naive = [], []
    best: dict[str, float] = {}
    gc.disable()  # as timeit does: collector pauses are not the search's cost
    try:
        for _ in range(5):
            for q in strokes:
                t = time.perf_counter()
                index.search(q, usage, limit=8)
                ms = (time.perf_counter() - t) * 1000
                tiered.append(ms)
                best[q] = min(ms, best.get(q, ms))
                t = time.perf_counter()
                [i for i, s in enumerate(texts) if q in s][:8]
                naive.append((time.perf_counter() - t) * 1000)
    finally:
        gc.enable()
    p99 = percentile(tiered, 99)
    p99_best = percentile(list(best.values()), 99)
    picker = asyncio.run(_picker_refresh(index, usage, strokes))
    return [
        Figure("replies", f"index build, {N} phrases, pinyin computed", round(cold, 3), "s"),
        Figure("replies", f"index build, {N} phrases, pinyin cached", round(warm, 3), "s"),
        Figure("replies", "tiered search per keystroke p50", round(median(tiered), 3), "ms"),
        Figure("replies", "tiered search per keystroke p99", round(p99, 3), "ms", "≤ 5 ms", p99 <= 5),
        Figure("replies", "tiered search p99, best of 5 per keystroke (load noise removed)", round(p99_best, 3), "ms",
               "≤ 5 ms", p99_best <= 5),
        Figure("replies", "picker refresh (search + list update in place) p50", round(median(picker), 3), "ms"),
        Figure("replies", "picker refresh p99", round(percentile(picker, 99), 3), "ms"),
        Figure("replies", "plain substring scan p50", round(median(naive), 3), "ms"),
        Figure("replies", "plain substring scan p99", round(percentile(naive, 99), 3), "ms"),
    ]


async def _picker_refresh(index: ReplyIndex, usage: dict[str, int], strokes: list[str]) -> list[float]:
    """Inside a headless Textual app: one keystroke's search plus refill of the short list."""
    from textual.app import App
    from textual.widgets import Input

    from cs_console.tui.reply_picker import ReplyPicker

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReplyPicker(index, usage, {}))

    out = []
    async with Host().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        picker = pilot.app.screen
        field = picker.query_one(Input)
        for q in strokes:
            with field.prevent(Input.Changed):
                field.value = q
            t = time.perf_counter()
            picker.refresh_hits()
            out.append((time.perf_counter() - t) * 1000)
            await pilot.pause()
    return out
