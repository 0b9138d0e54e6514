"""Quick-reply search over 10,000 and 100,000 generated phrases: index build, per-keystroke
query min/median/p99 (collector on, every keystroke counted).

Goal: p99 ≤ 5 ms per keystroke at 100k phrases. Compared in the same run with a plain substring scan
over the texts (what a naive picker would do — and which finds nothing for codes or pinyin).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from bench.common import Figure, percentile, sampled
from cs_console.config.replies import load_phrases
from cs_console.domain.replies import Phrase, ReplyIndex, pinyin_keys

N = 10_000
REPO = Path(__file__).resolve().parents[1]
QUERIES = ["qsd", "tk", "tuikuan", "物流", "退款进度", "退kuan", "qds", "wlcx", "shunfeng", "尺码 偏大",
           "hp", "cuifu", "色差", "zdkd", "baoyou", "亲", "发票", "kuaidi", "xyz", "无此短语", "qinzaima"]
# (the last ones find little or nothing: the tiers' worst case, then the typo fallback)


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


def run(ctx) -> list[Figure]:
    """Every keystroke of the query mix ×3 with the collector on, at 10k and 100k phrases; a
    plain ``q in text`` scan (the anchor) timed right after each search."""
    pinyin_keys("预热")  # import pypinyin outside the timing (0.28 s, lazy at run time)
    figures: list[Figure] = []
    for n in ([10_000] if ctx.quick else [10_000, 100_000]):
        figures += _at(n, ctx)
    return figures


def _at(n: int, ctx) -> list[Figure]:
    phrases = generate(n)
    cache: dict[str, object] = {}

    def cached(text: str):
        hit = cache.get(text)
        if hit is None:
            hit = cache[text] = pinyin_keys(text)
        return hit

    task = ctx.add_task(f"replies {n}", total=2)
    cold = None
    if n <= 10_000:  # pinyin of 100k phrases is computed once per phrase set (cached): minutes, not a keystroke
        t0 = time.perf_counter()
        ReplyIndex(phrases, cached)
        cold = time.perf_counter() - t0
    else:
        for p in phrases:
            cached(p.title), cached(p.text), [cached(t) for t in p.tags]
    ctx.advance(task)
    t0 = time.perf_counter()
    index = ReplyIndex(phrases, cached)
    warm = time.perf_counter() - t0
    ctx.advance(task)

    usage = {p.code: 1 + i % 9 for i, p in enumerate(phrases[::50][:200])}  # an agent's favourites
    strokes = keystrokes()
    texts = [p.text for p in phrases]
    tiered, naive, tiered_cpu, naive_cpu = [], [], [], []
    clock, cpu = time.perf_counter, time.thread_time
    for _ in range(3):
        for q in strokes:
            t, c = clock(), cpu()
            index.search(q, usage, limit=8)
            tiered.append((clock() - t) * 1000)
            tiered_cpu.append((cpu() - c) * 1000)
            t, c = clock(), cpu()
            [i for i, s in enumerate(texts) if q in s][:8]
            naive.append((clock() - t) * 1000)
            naive_cpu.append((cpu() - c) * 1000)
    slowest = sorted(zip(tiered, strokes * 3, strict=True), reverse=True)[:5]
    size = f"{n // 1000}k phrases"
    out = [
        *([Figure("replies", "index build, pinyin computed", round(cold, 3), "s", size=size)] if cold else []),
        Figure("replies", "index build, pinyin cached", round(warm, 3), "s", size=size),
        sampled("replies", "tiered search per keystroke", tiered, "ms", anchor=naive, stat="p99", size=size,
                digits=3, slowest=[f"{q} {ms:.2f}" for ms, q in slowest]),
        # the same keystrokes in CPU time of this thread: what a busy shared machine's
        # preemption adds to the wall-clock p99 is left out
        sampled("replies", "tiered search per keystroke, CPU time", tiered_cpu, "ms", anchor=naive_cpu,
                stat="p99", size=size, digits=3),
    ]
    p99 = percentile(tiered, 99)
    out[-2].goal, out[-2].ok = "p99 ≤ 5 ms", p99 <= 5
    if not ctx.quick and n == 10_000:
        picker = asyncio.run(_picker_refresh(index, usage, strokes))
        out.append(sampled("replies", "picker refresh (search + list update in place)", picker, "ms",
                           size=size, digits=3))
    return out


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
