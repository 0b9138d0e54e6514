"""The goods catalogue (商品, from 淘宝助理) and its SKUs with stock.

Weights are integer grams and volumes integer cm³ (exact, like money in fen). A goods row is
keyed by ``key`` (``id:<num_id>`` or ``code:<outer_id>``) so a re-import updates it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cs_console.store.types import Money, UTCDateTime


class Goods(SQLModel, table=True):
    __tablename__ = "goods"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True, index=True)
    item_id: str = Field(default="", max_length=24, index=True)
    merchant_code: str = Field(default="", max_length=64, index=True)
    title: str
    price: Decimal = Field(sa_type=Money)
    stock: int = 0
    weight_g: int | None = None
    volume_cm3: int | None = None
    freight_template: str = Field(default="", max_length=24)
    title_pinyin: str = ""  # search keys, computed at import (pypinyin is slow: never at start-up)
    title_initials: str = ""
    imported_at: datetime = Field(sa_type=UTCDateTime)


class GoodsSku(SQLModel, table=True):
    __tablename__ = "goods_skus"
    __table_args__ = (UniqueConstraint("goods_id", "prop_key"),)
    id: int | None = Field(default=None, primary_key=True)
    goods_id: int = Field(foreign_key="goods.id", index=True)
    position: int
    prop_key: str = Field(max_length=200)  # 1627207:28320;20509:28314
    props_json: str  # [[pid, vid, name, value], …]
    colour: str = ""
    size: str = ""
    price: Decimal = Field(sa_type=Money)
    stock: int = 0
    merchant_code: str = Field(default="", max_length=64, index=True)
    barcode: str = Field(default="", max_length=64)
