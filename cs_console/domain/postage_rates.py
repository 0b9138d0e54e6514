"""The postage rates table (``data/postage.yaml``): couriers, the partner, per-province fees.

Pure data + name resolution: courier codes / Chinese names, province names with or without
their suffix (广东 = 广东省, 新疆 = 新疆维吾尔自治区), city names (沈阳 = 沈阳市).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cs_console.domain.messages import UserError
from cs_console.domain.money import MoneyError, parse_money


class PostageError(UserError, ValueError):
    """Input the calculator cannot quote (bad price, unknown courier or province…)."""


def _money(value: object) -> Decimal:
    """YAML numbers arrive as int/float: read them through their text, never as binary floats."""
    if isinstance(value, bool) or value is None:
        raise PostageError("postage.amount_type")
    if isinstance(value, Decimal):
        return parse_money(value)
    try:
        return parse_money(str(value))
    except MoneyError as exc:
        raise PostageError(exc.code, **exc.params) from exc


Amount = Annotated[Decimal, BeforeValidator(_money)]

def normalize_province(name: str) -> str:
    """Any written form of a province → its short name, against the national administrative
    divisions (``domain/regions``): ``广东省`` → ``广东``, ``广西壮族自治区`` / ``广西省`` → ``广西``,
    ``北京市`` → ``北京``. Unknown text comes back without spaces."""
    from cs_console.domain.regions import province_short

    return province_short(name)


def normalize_city(name: str) -> str:
    """``沈阳市`` → ``沈阳``."""
    from cs_console.domain.regions import city_short

    return city_short(name)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Courier(Strict):
    """One courier company: its Chinese name and other names agents type."""

    name: str
    aliases: list[str] = []


class ProvinceRates(Strict):
    """One destination: the partner's normal postage and other couriers' actual fees."""

    normal: Amount | None = Field(None, description="the shop's normal postage with the partner courier")
    fees: dict[str, Amount] = Field(default_factory=dict, description="actual fee per courier code")


class PostageRules(Strict):
    """The shop's postage rule parameters (DOMAIN.md "Postage"); defaults are DOMAIN.md's."""

    surcharge_over: Amount = Field(Decimal("10"), description="actual fee over this → add the surcharge")
    surcharge: Amount = Decimal("5")
    minimum: Amount = Field(Decimal("15"), description="non-partner couriers (not SF) charge at least this")
    no_markup: list[str] = Field(["sf"], description="couriers charged at the actual fee, nothing added")
    free_postage_credit: Amount = Field(Decimal("10"), description="free postage counts this much off")
    pickup_city: str = "沈阳"
    pickup_rebate: Amount = Decimal("5")
    multi_address_hint: str = "建议买家合并到一个地址；可酌情优惠 3–5 元或赠送小礼品（不自动优惠）"


class RatesTable(Strict):
    """Everything in ``data/postage.yaml``."""

    partner: str = Field("sto", description="the partner courier's code (its normal postage applies)")
    couriers: dict[str, Courier]
    rules: PostageRules = PostageRules()
    remote: list[str] = Field(default_factory=list, description="provinces outside free postage")
    provinces: dict[str, ProvinceRates]

    @model_validator(mode="after")
    def _consistent(self) -> RatesTable:
        if self.partner not in self.couriers:
            raise PostageError("postage.unknown_partner", value=self.partner, choices="、".join(self.couriers))
        for code in self.rules.no_markup:
            if code not in self.couriers:
                raise PostageError("postage.no_markup_courier", value=code)
        seen: dict[str, str] = {}
        for name, rates in self.provinces.items():
            key = normalize_province(name)
            if key in seen:
                raise PostageError("postage.province_repeats", name=name, first=seen[key])
            seen[key] = name
            for code in rates.fees:
                if code not in self.couriers:
                    raise PostageError("postage.fee_courier", name=name, value=code)
        names: dict[str, str] = {}
        for code, courier in self.couriers.items():
            for alias in (code, courier.name, *courier.aliases):
                key = alias.strip().lower()
                if key in names and names[key] != code:
                    raise PostageError("postage.courier_name_twice", alias=alias, first=names[key], code=code)
                names[key] = code
        return self

    # ---- lookups --------------------------------------------------------------------------------
    def courier_code(self, text: str) -> str:
        """``yunda`` / ``韵达`` / ``韵达快递`` / ``YD`` alias → ``yunda``; unknown → PostageError."""
        key = "".join(text.split()).lower()
        for code, courier in self.couriers.items():
            if key in {code.lower(), courier.name.lower(), *(a.lower() for a in courier.aliases)}:
                return code
        for code, courier in self.couriers.items():  # "韵达快递", "顺丰速运"
            if key.startswith(courier.name.lower()) and len(courier.name) >= 2:
                return code
        known = "、".join(f"{c}（{v.name}）" for c, v in self.couriers.items())
        raise PostageError("postage.unknown_courier", value=repr(text[:40]), choices=known)

    def courier_name(self, code: str) -> str:
        return self.couriers[code].name

    def province_key(self, name: str) -> str | None:
        """The table's key for a province name (with or without suffix), or None."""
        key = normalize_province(name)
        for table_name in self.provinces:
            if normalize_province(table_name) == key:
                return table_name
        return None

    def is_remote(self, province: str) -> bool:
        key = normalize_province(province)
        return any(normalize_province(p) == key for p in self.remote)
