"""Freight templates (运费模板) and courier rate cards: what a parcel costs before the shop's rules.

A template (Taobao's DeliveryTemplate) values a parcel by piece (按件), weight in kg (按重量) or
volume in m³ (按体积): a default row and rows per destination region, each with a first
standard and fee (首件/首重/首体积) and an additional standard and fee (续件/续重/续体积);
conditional free postage (包邮条件) per region by amount and/or count. A weight template may
also bill volumetric weight (volume ÷ divisor) when that is higher.

A rate card (``domain/rate_card``) is the courier's price list: 首重 + 续重 per zone — the
"actual fee" the shop's rules of DOMAIN.md work on (``domain/postage.quote``).

Measures are rounded *up* to the template's standard: 1.2 kg with 首重 1 kg / 续重 0.5 kg is
1 kg + 1 × 0.5 kg; 3 pieces with 首件 1 / 续件 2 is 1 + 1 × 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cs_console.domain.money import ZERO, format_money, quantize
from cs_console.domain.postage_rates import Amount, PostageError
from cs_console.domain.regions import find_province, province_forms, province_short


def _measure(value: object) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise PostageError("freight.measure_type")
    try:
        d = Decimal(str(value))
    except Exception:
        raise PostageError("freight.measure_invalid", value=str(value)[:40]) from None
    if not d.is_finite() or d <= 0:
        raise PostageError("freight.measure_positive", value=str(value)[:40])
    return d


Measure = Annotated[Decimal, BeforeValidator(_measure)]
# breakdown steps that state a fact (0.00): shown without an amount
FACT_RULES = frozenset({"parcel_pieces", "parcel_weight", "parcel_volume", "volumetric_weight", "rounded_up",
                        "card_weight", "several_templates"})


class Valuation(StrEnum):
    PIECE = "piece"  # 按件 (Taobao valuation 0)
    WEIGHT = "weight"  # 按重量, kg (1)
    VOLUME = "volume"  # 按体积, m³ (3)

    @property
    def unit(self) -> str:
        return {"piece": "件", "weight": "kg", "volume": "m³"}[self.value]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeeRow(Strict):
    """首 standard + fee, 续 standard + fee; ``areas`` empty on the default row (全国)."""

    areas: list[str] = Field(default_factory=list, description="provinces (any written form) or groups like 江浙沪")
    start_standard: Measure
    start_fee: Amount
    add_standard: Measure
    add_fee: Amount


class FreeCondition(Strict):
    """包邮条件: in these areas the template charges nothing when the items reach the amount
    and/or the count (both when both are given)."""

    areas: list[str] = Field(default_factory=list, description="empty = everywhere")
    min_amount: Amount | None = None
    min_count: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _some(self) -> FreeCondition:
        if self.min_amount is None and self.min_count is None:
            raise PostageError("freight.free_needs_condition")
        return self


class FreightTemplate(Strict):
    name: str
    valuation: Valuation
    volumetric_divisor: Measure | None = Field(
        None, description="weight templates: bill volume (cm³) ÷ divisor as kg when it is more than the real weight")
    default: FeeRow
    regions: list[FeeRow] = Field(default_factory=list)
    free: list[FreeCondition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _areas_known(self) -> FreightTemplate:
        seen: dict[str, int] = {}
        for n, row in enumerate(self.regions):
            if not row.areas:
                raise PostageError("freight.region_no_areas", index=n)
            for p in expand_areas(row.areas):
                if p in seen:
                    raise PostageError("freight.region_overlap", index=n, province=p, first=seen[p])
                seen[p] = n
        for cond in self.free:
            expand_areas(cond.areas)
        if self.volumetric_divisor is not None and self.valuation != Valuation.WEIGHT:
            raise PostageError("freight.volumetric_weight_only")
        return self

    def row_for(self, province: str) -> FeeRow:
        key = province_short(province)
        return next((r for r in self.regions if key in expand_areas(r.areas)), self.default)

    def free_for(self, province: str) -> list[FreeCondition]:
        key = province_short(province)
        return [c for c in self.free if not c.areas or key in expand_areas(c.areas)]


# zone groupings sellers write (FORMATS.md); single provinces resolve through domain/regions
AREA_GROUPS = {
    "江浙沪": ("江苏", "浙江", "上海"), "江浙沪皖": ("江苏", "浙江", "上海", "安徽"), "珠三角": ("广东",),
    "京津冀": ("北京", "天津", "河北"), "东三省": ("辽宁", "吉林", "黑龙江"), "港澳台": ("香港", "澳门", "台湾"),
}
_SEPARATORS = "、，,;；/ \t"


def split_provinces(text: str) -> tuple[str, ...]:
    """``江苏、浙江、上海`` / ``安徽湖南湖北江西广西福建`` / ``江浙沪`` → short province names.

    Written-together names are split greedily by the longest known form; anything left over
    raises PostageError (a ValueError) naming it."""
    forms = sorted([*province_forms(), *AREA_GROUPS], key=len, reverse=True)
    out: list[str] = []
    t = text.strip()
    i = 0
    while i < len(t):
        if t[i] in _SEPARATORS:
            i += 1
            continue
        form = next((f for f in forms if t.startswith(f, i)), None)
        if form is None:
            end = i
            while end < len(t) and t[end] not in _SEPARATORS:
                end += 1
            raise PostageError("freight.unknown_area", value=t[i:end][:40])
        out.extend(AREA_GROUPS.get(form) or (province_short(form),))
        i += len(form)
    return tuple(dict.fromkeys(out))


def expand_areas(areas: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for a in areas:
        out.extend(split_provinces(a))
    return tuple(dict.fromkeys(out))


# ---- the parcel -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ParcelItem:
    """One item line as freight sees it (weights/volumes per piece, from the goods or typed)."""

    label: str
    quantity: int
    price: Decimal
    weight_kg: Decimal | None = None
    volume_m3: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One explained step of a freight computation (``amount`` None: a fact, not money)."""

    label: str
    amount: Decimal | None
    rule: str


def _units(measure: Decimal, start: Decimal, add: Decimal) -> int:
    """How many additional standards beyond the first, rounded up (never negative)."""
    if measure <= start:
        return 0
    return int(((measure - start) / add).to_integral_value(rounding=ROUND_CEILING))


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def parcel_measure(template: FreightTemplate, items: Sequence[ParcelItem]) -> tuple[Decimal, list[Step]]:
    """The parcel's pieces / billable kg / m³ for ``template``; a missing weight or volume asks
    for it (PostageError naming the item)."""
    pieces = sum(i.quantity for i in items)
    if template.valuation == Valuation.PIECE:
        return Decimal(pieces), [Step(f"按件计：共 {pieces} 件", None, "parcel_pieces")]
    missing_w = [i.label for i in items if i.weight_kg is None]
    missing_v = [i.label for i in items if i.volume_m3 is None]
    if template.valuation == Valuation.VOLUME:
        if missing_v:
            raise PostageError("freight.no_volume", items="、".join(missing_v))
        volume = sum((i.volume_m3 * i.quantity for i in items), Decimal(0))
        return volume, [Step(f"按体积计：共 {_num(volume)} m³", None, "parcel_volume")]
    if missing_w:
        raise PostageError("freight.no_weight", items="、".join(missing_w))
    weight = sum((i.weight_kg * i.quantity for i in items), Decimal(0))
    steps = [Step(f"包裹实重 {_num(weight)} kg（{pieces} 件）", None, "parcel_weight")]
    if template.volumetric_divisor is not None and all(i.volume_m3 is not None for i in items):
        volume = sum((i.volume_m3 * i.quantity for i in items), Decimal(0))
        volumetric = (volume * Decimal(1_000_000) / template.volumetric_divisor).quantize(Decimal("0.001"))
        if volumetric > weight:
            steps.append(Step(f"体积重 {_num(volume * 1_000_000)} cm³ ÷ {_num(template.volumetric_divisor)} = "
                              f"{_num(volumetric)} kg，大于实重，按体积重计", None, "volumetric_weight"))
            weight = volumetric
    return weight, steps


def template_fee(template: FreightTemplate, province: str, items: Sequence[ParcelItem]) -> tuple[Decimal, list[Step], bool]:
    """(fee, steps, free_condition_met) of ``template`` to ``province`` for ``items``."""
    if not items:
        return ZERO, [], False
    key = province_short(province)
    pieces = sum(i.quantity for i in items)
    amount = quantize(sum((i.price * i.quantity for i in items), ZERO))
    for cond in template.free_for(key):
        if (cond.min_amount is None or amount >= cond.min_amount) and (cond.min_count is None or pieces >= cond.min_count):
            what = "，".join(x for x in (cond.min_amount is not None and f"满 {format_money(cond.min_amount)}",
                                         cond.min_count is not None and f"满 {cond.min_count} 件") if x)
            return ZERO, [Step(f"运费模板「{template.name}」{key}{what}包邮", ZERO, "template_free_condition")], True
    measure, steps = parcel_measure(template, items)
    row = template.row_for(key)
    unit = template.valuation.unit
    n = _units(measure, row.start_standard, row.add_standard)
    fee = quantize(row.start_fee + row.add_fee * n)
    where = "、".join(expand_areas(row.areas)[:4]) + ("等" if len(expand_areas(row.areas)) > 4 else "") if row.areas else "全国默认"
    billed = row.start_standard + row.add_standard * n if measure > row.start_standard else row.start_standard
    if template.valuation != Valuation.PIECE and measure != billed:
        steps.append(Step(f"{_num(measure)} {unit} 按 {_num(billed)} {unit} 计（首{_num(row.start_standard)}{unit}，"
                          f"续{_num(row.add_standard)}{unit}向上取整）", None, "rounded_up"))
    detail = f"首{_num(row.start_standard)}{unit} {format_money(row.start_fee)}"
    if n:
        detail += f" + 续{_num(row.add_standard)}{unit}×{n} {format_money(row.add_fee * n)}"
    steps.append(Step(f"运费模板「{template.name}」{where}：{detail}", fee, "template_fee"))
    return fee, steps, False


def check_province(province: str) -> str:
    """The short name of a destination, or PostageError for a name that is no province."""
    d = find_province(province)
    if d is None:
        raise PostageError("freight.unknown_province", value=repr(province[:40]))
    return d.short


# ---- the shop's freight setup (data/freight.yaml + the rate cards it names) -----------------
class FreightFile(Strict):
    """``data/freight.yaml``: templates by id (the goods' ``postage_id``), the template for typed
    items that carry a weight, and the rate card CSV per courier code."""

    default_template: str | None = Field(None, description="template for items without one (typed with a weight)")
    templates: dict[str, FreightTemplate] = Field(default_factory=dict)
    rate_cards: dict[str, str] = Field(default_factory=dict, description="courier code → CSV file (relative: data dir)")

    @model_validator(mode="after")
    def _default_known(self) -> FreightFile:
        if self.default_template is not None and self.default_template not in self.templates:
            raise PostageError("freight.unknown_default", value=self.default_template,
                               choices="、".join(self.templates))
        return self


@dataclass(frozen=True, slots=True)
class FreightSetup:
    file: FreightFile
    cards: dict  # courier code → RateCard

    def template(self, template_id: str, label: str) -> tuple[str, FreightTemplate]:
        tid = template_id or self.file.default_template or ""
        if not tid:
            raise PostageError("freight.no_template", item=label)
        found = self.file.templates.get(tid)
        if found is None:
            raise PostageError("freight.template_missing", item=label, template=tid)
        return tid, found


@dataclass(frozen=True, slots=True)
class Basis:
    """What freight says about one parcel: the template's fee (the partner's normal postage),
    the courier card's fee (other couriers' actual fee), and the steps that explain them."""

    template_fee: Decimal
    template_steps: tuple[Step, ...]
    free_condition_met: bool
    card_fee: Decimal | None
    card_steps: tuple[Step, ...]


def freight_basis(setup: FreightSetup, items: Sequence[tuple[ParcelItem, str]], province: str,
                  courier: str, courier_name: str, *, need_card: bool) -> Basis:
    """Template fee for ``items`` (grouped by template: each group by its own template, summed)
    and, when ``need_card`` and the courier has a card, the card's fee for the parcel weight."""
    from cs_console.domain.rate_card import card_fee

    groups: dict[str, tuple[FreightTemplate, list[ParcelItem]]] = {}
    for item, tid in items:
        key, template = setup.template(tid, item.label)
        groups.setdefault(key, (template, []))[1].append(item)
    fee, steps, all_free = ZERO, [], True
    for template, group in groups.values():
        f, s, free = template_fee(template, province, group)
        fee, all_free = fee + f, all_free and free
        steps.extend(s)
    if len(groups) > 1:
        steps.append(Step(f"{len(groups)} 个运费模板分别计算后相加", None, "several_templates"))
    card = setup.cards.get(courier) if need_card else None
    card_amount, card_steps = None, []
    if card is not None:
        parcel = [i for i, _ in items]
        missing = [i.label for i in parcel if i.weight_kg is None]
        if missing:
            raise PostageError("freight.no_weight", items="、".join(missing))
        weight = sum((i.weight_kg * i.quantity for i in parcel), Decimal(0))
        divisors = [t.volumetric_divisor for t, _ in groups.values() if t.volumetric_divisor]
        if divisors and all(i.volume_m3 is not None for i in parcel):
            volumetric = (sum((i.volume_m3 * i.quantity for i in parcel), Decimal(0)) * 1_000_000 / min(divisors)).quantize(Decimal("0.001"))
            weight = max(weight, volumetric)
        card_amount, label = card_fee(card, courier_name, province, weight)
        card_steps = [Step(f"{courier_name}计费重量 {_num(weight)} kg", None, "card_weight"),
                      Step(label, card_amount, "rate_card_fee")]
    return Basis(quantize(fee), tuple(steps), all_free, card_amount, tuple(card_steps))
