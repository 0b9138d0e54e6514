"""Finding goods and SKUs the way an agent asks: search entries for the quick-reply index,
the SKU a buyer's words name (``蓝色90码`` → 蓝色 / 90cm), the line an agent pastes into the
draft, and the link from an order line to its goods."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cs_console.domain.goods.model import LOW_STOCK, GoodsItem, Sku, stock_word
from cs_console.domain.money import format_money

GOODS_GROUP = "商品"
_SIZE_UNITS = ("cm", "码", "号", "厘米", "yards")


@dataclass(frozen=True, slots=True)
class GoodsEntry:
    """One goods as the quick-reply index sees a phrase: code, title, text, tags, group.

    ``ReplyIndex`` (domain/replies/index.py) ranks anything with these attributes, so goods are
    searched by title words, merchant code, pinyin and initials with the same tiers."""

    code: str
    title: str
    text: str
    tags: tuple[str, ...]
    group: str
    position: int


def search_entries(goods: Sequence[GoodsItem]) -> list[GoodsEntry]:
    out = []
    for n, g in enumerate(goods):
        codes = tuple(dict.fromkeys(c for c in (g.merchant_code, g.item_id, *(s.merchant_code for s in g.skus)) if c))
        text = " ".join([*g.colours, *g.sizes])
        out.append(GoodsEntry((g.merchant_code or g.item_id or f"goods{n}").lower(), g.title, text or g.title, codes,
                              GOODS_GROUP, n))
    return out


_BOUNDARY = re.compile(r"(?<=[\u3400-\u9fff])(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])(?=[\u3400-\u9fff])")
_FILLER = ("还有货吗", "有货吗", "还有吗", "有吗", "还有", "有货", "吗", "呢", "？", "?", "，", ",", "。", "的", "这款", "要")


def vocabulary(goods: Sequence[GoodsItem]) -> tuple[frozenset[str], frozenset[str]]:
    """(colour names, size cores) of a catalogue: the words that name a SKU, not a product."""
    colours = {k.colour.lower() for g in goods for k in g.skus if k.colour}
    sizes = {_core(p) for g in goods for k in g.skus for p in k.size.split("/") if p}
    return frozenset(colours), frozenset(sizes)


def query_words(query: str, vocab: tuple[frozenset[str], frozenset[str]]) -> tuple[list[str], list[str]]:
    """(all words, words that are not a colour or size) of a search: ``连体衣 蓝色90码`` →
    (连体衣 蓝色 90码, 连体衣). Chinese and Latin/digit runs are separate words."""
    text = query
    for filler in _FILLER:
        text = text.replace(filler, " ")
    words = [w for w in _BOUNDARY.sub(" ", text).split() if w]
    colours, sizes = vocab

    def is_sku_word(w: str) -> bool:
        lw = w.lower()
        return (lw in colours or _core(lw) in sizes or lw in ("码", "cm", "号")
                or lw + "色" in colours)

    return words, [w for w in words if not is_sku_word(w)]


def goods_keys(stored: dict[str, tuple[str, str]] | None = None):
    """Pinyin keys for goods entries: the titles' keys stored at import, others cached per
    distinct text (colours and sizes repeat across the catalogue), ASCII text without pypinyin."""
    from functools import lru_cache

    from cs_console.domain.replies.pinyin import PinyinKeys, pinyin_keys

    known = stored or {}

    @lru_cache(maxsize=65536)
    def keys(text: str) -> PinyinKeys:
        if text in known:
            return PinyinKeys(*known[text])
        if text.isascii():
            words = re.findall(r"[0-9a-z]+", text.lower())
            return PinyinKeys("".join(words), "".join(w[0] for w in words))
        return pinyin_keys(text)

    return keys


def _core(size: str) -> str:
    s = size.lower().strip()
    for unit in _SIZE_UNITS:
        s = s.removesuffix(unit)
    return s.strip()


def _mentions(text: str, value: str) -> bool:
    """``value`` occurs in ``text``; digits must not run on (90 is not in 190)."""
    if not value:
        return False
    if value[0].isdigit() or value[-1].isdigit():
        return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", text) is not None
    return value in text


def pick_sku(goods: GoodsItem, text: str) -> Sku | None:
    """The SKU the words name: colour and size found in ``text`` (``蓝色90码还有货吗``).

    A colour matches by its name or its first character when that is unique (``蓝`` → 蓝色);
    a size by its number without unit (``90码`` → 90cm). None when the words name no SKU."""
    t = text.lower()
    best: tuple[int, Sku] | None = None
    for sku in goods.skus:
        score = 0
        colour = sku.colour.lower()
        if colour and (colour in t or (len(colour) > 1 and colour.removesuffix("色") in t
                                       and len(colour.removesuffix("色")) >= 1)):
            score += 2
        for part in sku.size.split("/"):
            if part and (_mentions(t, part.lower()) or _mentions(t, _core(part))):
                score += 2
        if score and (best is None or score > best[0]):
            best = (score, sku)
    return best[1] if best else None


def sku_line(sku: Sku) -> str:
    return f"{sku.label} {format_money(sku.price)} 库存 {sku.stock}"


def draft_summary(goods: GoodsItem, sku: Sku | None) -> str:
    """亲，双胞胎款连体衣 蓝色 90cm ¥79.00，有货（仅剩 3 件）"""
    if sku is None:
        stock = goods.sku_stock if goods.skus else goods.stock
        return f"亲，{goods.title} {format_money(goods.price)}，{stock_word(stock)}"
    return f"亲，{goods.title} {sku.label} {format_money(sku.price)}，{stock_word(sku.stock)}"


def stock_mark(stock: int) -> str:
    """Grid mark: 缺 for zero, 紧 for low stock, empty otherwise."""
    return "缺" if stock <= 0 else ("紧" if stock <= LOW_STOCK else "")


@dataclass(frozen=True, slots=True)
class LineLink:
    """What an order line is in the catalogue: its goods, the SKU when it is known, and how it
    was found (``sku_code``, ``goods_code``, ``item_id``, ``title``)."""

    goods: GoodsItem
    sku: Sku | None
    via: str


def link_order_line(goods: Sequence[GoodsItem], *, title: str, merchant_code: str = "", item_id: str = "",
                    colour: str = "", size: str = "") -> LineLink | None:
    """An order line's goods and SKU. The 宝贝报表 writes the SKU's 商家编码 when the SKU has one,
    else the goods': so a merchant code first (a SKU's, then a goods'), then the item id, then
    the title (exact, or the one title that contains it). Without a SKU code, the SKU is the one
    whose colour and size the line's 商品属性 named."""
    code = merchant_code.strip()
    if code:
        for g in goods:
            sku = next((s for s in g.skus if s.merchant_code == code), None)
            if sku is not None:
                return LineLink(g, sku, "sku_code")
        found = next((g for g in goods if g.merchant_code == code), None)
        if found is not None:
            return LineLink(found, _sku_by_props(found, colour, size), "goods_code")
    if item_id.strip():
        found = next((g for g in goods if g.item_id == item_id.strip()), None)
        if found is not None:
            return LineLink(found, _sku_by_props(found, colour, size), "item_id")
    found = _by_title(goods, title)
    return None if found is None else LineLink(found, _sku_by_props(found, colour, size), "title")


def _sku_by_props(goods: GoodsItem, colour: str, size: str) -> Sku | None:
    if not colour and not size:
        return None
    return next((s for s in goods.skus if s.colour == colour and s.size == size), None)


def match_order_line(goods: Sequence[GoodsItem], *, title: str, merchant_code: str = "",
                     item_id: str = "") -> GoodsItem | None:
    """The goods of an order line (see :func:`link_order_line`)."""
    link = link_order_line(goods, title=title, merchant_code=merchant_code, item_id=item_id)
    return None if link is None else link.goods


def _by_title(goods: Sequence[GoodsItem], title: str) -> GoodsItem | None:
    t = title.strip()
    if not t:
        return None
    exact = next((g for g in goods if g.title == t), None)
    if exact:
        return exact
    near = [g for g in goods if t in g.title or g.title in t]
    return near[0] if len(near) == 1 else None  # a loose title match only when it is unambiguous


def same_colour_stock(goods: GoodsItem, colour: str, size: str = "") -> str:
    """``同款 蓝色：80cm 5 · 90cm 缺货 · 100cm 12`` — the other sizes of an ordered colour."""
    skus = [s for s in goods.skus if s.colour == colour] or list(goods.skus)
    if not skus:
        return f"库存 {goods.stock}"
    parts = []
    for s in skus:
        mark = "缺货" if s.stock <= 0 else str(s.stock)
        here = "←" if s.size == size and s.colour == colour else ""
        parts.append(f"{s.size or s.colour} {mark}{here}")
    head = f"同款{colour}" if colour and any(s.colour == colour for s in goods.skus) else "库存"
    return f"{head}：" + " · ".join(parts)
