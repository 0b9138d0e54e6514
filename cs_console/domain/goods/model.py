"""Goods and SKUs as plain records, and the facts an agent asks about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

COLOUR_PID = "1627207"  # 颜色分类
SIZE_PIDS = ("20509", "20549", "122216343")  # 尺码, 鞋码, 参考身高
PROPERTY_NAMES = {"1627207": "颜色分类", "20509": "尺码", "20549": "鞋码", "20000": "品牌", "122216343": "参考身高"}
# Taobao's standard value ids (shops rename them with propAlias)
STANDARD_VALUES = {"28320": "白色", "28341": "黑色", "28314": "S", "28315": "M", "28316": "L", "28317": "XL",
                   "28383": "均码"}
LOW_STOCK = 5  # at or below: marked 紧张 in the grid


@dataclass(frozen=True, slots=True)
class SkuProp:
    pid: str
    vid: str
    name: str  # the property's name (颜色分类)
    value: str  # the display value (alias, custom value or standard name)


@dataclass(frozen=True, slots=True)
class Sku:
    props: tuple[SkuProp, ...]
    price: Decimal
    stock: int
    merchant_code: str = ""
    barcode: str = ""

    @property
    def key(self) -> str:
        """``1627207:28320;20509:28314`` — the SKU's identity inside its goods."""
        return ";".join(f"{p.pid}:{p.vid}" for p in self.props)

    @property
    def colour(self) -> str:
        return next((p.value for p in self.props if p.pid == COLOUR_PID), "")

    @property
    def size(self) -> str:
        """Every non-colour property's value (尺码, 鞋码, 参考身高…), joined by ``/``."""
        return "/".join(p.value for p in self.props if p.pid != COLOUR_PID)

    @property
    def label(self) -> str:
        return " ".join(p.value for p in self.props)


@dataclass(frozen=True, slots=True)
class GoodsItem:
    title: str
    price: Decimal
    stock: int  # ``num``: the listed quantity (= sum of SKU quantities when it adds up)
    item_id: str = ""  # ``num_id`` (0 / empty before the item was uploaded)
    merchant_code: str = ""  # ``outer_id``
    weight_kg: Decimal | None = None  # ``item_weight``
    volume_m3: Decimal | None = None  # ``item_size``
    freight_template: str = ""  # ``postage_id`` ("" when 0 = none)
    skus: tuple[Sku, ...] = field(default=())
    title_keys: tuple[str, str] | None = None  # (full pinyin, initials), computed at import

    @property
    def key(self) -> str:
        """The identity a re-import updates: the item id, else the merchant code."""
        return f"id:{self.item_id}" if self.item_id else f"code:{self.merchant_code}"

    @property
    def sku_stock(self) -> int:
        return sum(s.stock for s in self.skus)

    @property
    def stock_adds_up(self) -> bool:
        return not self.skus or self.sku_stock == self.stock

    @property
    def colours(self) -> list[str]:
        return list(dict.fromkeys(s.colour for s in self.skus))

    @property
    def sizes(self) -> list[str]:
        return list(dict.fromkeys(s.size for s in self.skus))

    def sku_at(self, colour: str, size: str) -> Sku | None:
        return next((s for s in self.skus if s.colour == colour and s.size == size), None)


def stock_word(stock: int) -> str:
    """有货 / 仅剩 N 件 / 缺货 — what the agent tells the buyer."""
    if stock <= 0:
        return "暂时缺货"
    if stock <= LOW_STOCK:
        return f"有货（仅剩 {stock} 件）"
    return "有货"
