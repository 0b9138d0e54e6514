"""Goods use-cases shared by the CLI and the TUI: import the 淘宝助理 file, list/show/stock,
search (the quick-reply index over goods), the goods of an order line."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cs_console.domain.goods.model import GoodsItem
from cs_console.domain.messages import os_reason
from cs_console.store import goods as repo

if TYPE_CHECKING:
    from cs_console.domain.clock import Clock
    from cs_console.domain.goods.taobao_csv import Problem
    from cs_console.domain.replies.index import ReplyIndex
    from cs_console.store.engine import Store

Progress = Callable[[int, int], None]


class GoodsImportRejected(ValueError):
    """The file was refused; nothing was written. ``problems`` are ``FILE:LINE: reason``."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class GoodsImportSummary:
    file: str
    encoding: str
    layout: str
    columns: int
    created: int = 0
    updated: int = 0
    skus: int = 0
    stock_mismatches: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "encoding": self.encoding, "layout": self.layout, "columns": self.columns,
                "created": self.created, "updated": self.updated, "skus": self.skus,
                "stock_mismatches": self.stock_mismatches}


class GoodsService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock
        self._lock = threading.Lock()
        self._goods: list[GoodsItem] | None = None
        self._index: ReplyIndex | None = None
        self._vocab = None
        self._codes: dict[str, list[int]] = {}
        self._stamp: tuple = ()
        self._recheck = False

    # ---- import ---------------------------------------------------------------------------------
    def import_file(self, path: Path, progress: Progress | None = None) -> GoodsImportSummary:
        """Read the whole file, then write every goods in one transaction (all or nothing)."""
        from cs_console.domain.goods.taobao_csv import GoodsFileError, Problem, parse_goods_file

        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise GoodsImportRejected([Problem(name, 0, f"无法读取：{os_reason(exc)}")]) from None
        try:
            parsed = parse_goods_file(data, name)
        except GoodsFileError as exc:
            raise GoodsImportRejected(exc.problems) from None
        if parsed.problems:
            raise GoodsImportRejected(parsed.problems)
        from dataclasses import replace

        from cs_console.domain.replies.pinyin import pinyin_keys

        items = []
        for n, (_, g) in enumerate(parsed.goods, 1):  # search keys now, not at the agent's first search
            keys = pinyin_keys(g.title)
            items.append(replace(g, title_keys=(keys.full, keys.initials)))
            if progress and n % 100 == 0:
                progress(n // 2, len(parsed.goods))
        summary = GoodsImportSummary(name, parsed.encoding, parsed.layout, parsed.columns,
                                     skus=sum(len(g.skus) for g in items))
        summary.stock_mismatches = [{"line": line, "title": g.title, "merchant_code": g.merchant_code,
                                     "item_id": g.item_id, "num": g.stock, "sku_total": g.sku_stock}
                                    for line, g in parsed.stock_mismatches]
        total = len(items)
        with self.store.write() as s:
            summary.created, summary.updated = repo.upsert(
                s, items, self.clock(), (lambda n: progress(total // 2 + n // 2, total)) if progress else None)
        self.invalidate()
        return summary

    # ---- reads ----------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget the cached catalogue (after an import by this process)."""
        with self._lock:
            self._goods = self._index = self._vocab = None

    def store_changed(self) -> None:
        """Someone committed (a chat message, an import elsewhere): re-check the catalogue's
        fingerprint on the next read, and reload only if the goods changed."""
        self._recheck = True

    def cached(self) -> list[GoodsItem] | None:
        """The catalogue as last read (None before the first read)."""
        return self._goods

    def all(self) -> list[GoodsItem]:
        """The catalogue (read once; re-read when its fingerprint changed): no pinyin here."""
        with self._lock:
            if self._goods is not None and self._recheck:
                self._recheck = False
                with self.store.read() as s:
                    if repo.stamp(s) != self._stamp:
                        self._goods = self._index = self._vocab = None
            if self._goods is None:
                with self.store.read() as s:
                    self._stamp = repo.stamp(s)
                    self._goods = repo.all_goods(s)
            return self._goods

    def _snapshot(self) -> tuple[list[GoodsItem], ReplyIndex]:
        """The catalogue and its search index (pinyin keys: built on the first search)."""
        goods = self.all()
        with self._lock:
            if self._index is None or self._goods is not goods:
                from cs_console.domain.goods.lookup import goods_keys, search_entries, vocabulary
                from cs_console.domain.replies.index import ReplyIndex

                stored = {g.title: g.title_keys for g in goods if g.title_keys}
                self._index = ReplyIndex(search_entries(goods), goods_keys(stored))
                self._vocab = vocabulary(goods)
                codes: dict[str, list[int]] = {}
                for n, g in enumerate(goods):
                    for c in {g.merchant_code.lower(), g.item_id, *(k.merchant_code.lower() for k in g.skus)} - {""}:
                        codes.setdefault(c, []).append(n)
                self._codes = codes
            return goods, self._index

    def find(self, ref: str) -> GoodsItem:
        with self.store.read() as s:
            return repo.find(s, ref)

    def search(self, query: str, limit: int = 20) -> list[GoodsItem]:
        """Title words, merchant code, item id, pinyin or initials (the quick-reply tiers)."""
        from cs_console.domain.goods.lookup import query_words

        goods, index = self._snapshot()
        words, product_words = query_words(query, self._vocab)
        if not words:
            return goods[:limit]
        exact = self._codes.get(query.strip().lower())
        if exact:  # a merchant code (goods or SKU) or an item id, as typed
            return [goods[n] for n in exact[:limit]]
        hits = index.search(" ".join(words), limit=limit)
        if not hits and product_words and product_words != words:  # 连体衣 蓝色90: the title words alone
            hits = index.search(" ".join(product_words), limit=limit)
        return [goods[hit.phrase.position] for hit in hits]

    def for_order_line(self, *, title: str, merchant_code: str = "", item_id: str = "") -> GoodsItem | None:
        from cs_console.domain.goods.lookup import match_order_line

        return match_order_line(self.all(), title=title, merchant_code=merchant_code, item_id=item_id)

    def link(self, line):
        """An order line's goods and SKU (``LineLink``) by its merchant code, item id, else title."""
        from cs_console.domain.goods.lookup import link_order_line

        return link_order_line(self.all(), title=line.title, merchant_code=getattr(line, "merchant_code", "") or "",
                               item_id=getattr(line, "item_id", "") or "", colour=getattr(line, "colour", "") or "",
                               size=getattr(line, "size", "") or "")

    def stock_hint(self, line) -> str | None:
        """For an order line (title, colour, size; merchant code / item id when the order export
        had them): the current stock of the same goods in the ordered colour's other sizes."""
        from cs_console.domain.goods.lookup import same_colour_stock

        link = self.link(line)
        if link is None:
            return None
        if link.sku is not None:  # the catalogue's own names of the ordered SKU (the export may use an alias)
            return same_colour_stock(link.goods, link.sku.colour, link.sku.size)
        return same_colour_stock(link.goods, line.colour, line.size)
