"""A courier's rate card (快递价目表): 首重 + 续重 per destination zone, read from the CSV the
courier gives the shop, used as the "actual fee" of a parcel.

CSV (UTF-8 or GBK, comma-separated, a header line)::

    区域,首重,续重[,首重重量][,续重单位]
    江苏、浙江、上海,5,1
    安徽湖南湖北江西广西福建,7,2
    新疆、西藏,18,12,1,0.5
    其他,8,4

Zones are province lists (any written form, separated or written together, or groups like
江浙沪 / 京津冀 / 东三省); ``其他`` / ``其它`` / ``全国`` is the zone for every other province.
首重重量 defaults to 1 kg, 续重单位 to 1 kg; the weight beyond the first is rounded up.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from cs_console.domain.messages import render
from cs_console.domain.money import MoneyError, format_money, parse_money, quantize
from cs_console.domain.postage_rates import PostageError
from cs_console.domain.regions import province_short

REST = ("其他", "其它", "全国", "其他地区", "其余")
COLUMNS = {"区域": "zone", "首重": "first_fee", "续重": "add_fee", "首重重量": "first_kg", "续重单位": "add_kg"}


@dataclass(frozen=True, slots=True)
class Zone:
    name: str  # as written in the file
    provinces: tuple[str, ...]  # short names; () for the rest-of-country zone
    first_kg: Decimal
    first_fee: Decimal
    add_kg: Decimal
    add_fee: Decimal


@dataclass(frozen=True, slots=True)
class RateCard:
    courier: str  # courier code
    zones: tuple[Zone, ...]
    source: str = ""

    def zone_for(self, province: str) -> Zone | None:
        key = province_short(province)
        return next((z for z in self.zones if key in z.provinces), None) or next(
            (z for z in self.zones if not z.provinces), None)


class RateCardError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _kg(text: str, default: str) -> Decimal:
    t = text.strip().lower().removesuffix("kg").strip() or default
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise PostageError("rate_card.not_weight", value=repr(text[:40])) from None
    if not d.is_finite() or d <= 0:
        raise PostageError("rate_card.weight_positive", value=repr(text[:40]))
    return d


def parse_rate_card(text: str, name: str, courier: str) -> RateCard:
    """Read the CSV; every bad line is ``FILE:LINE: reason`` (RateCardError, nothing used)."""
    from cs_console.domain.freight import split_provinces

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    if not rows:
        raise RateCardError([f"{name}:1: {render('rate_card.empty')}"])
    header = [COLUMNS.get(h.strip()) for h in rows[0]]
    missing = [c for c in ("区域", "首重", "续重") if COLUMNS[c] not in header]
    if missing:
        raise RateCardError([f"{name}:1: {render('rate_card.missing_columns', columns='、'.join(missing))}"])
    problems: list[str] = []
    zones: list[Zone] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        cells = {k: (row[i].strip() if i < len(row) else "") for i, k in enumerate(header) if k}
        try:
            zone = cells["zone"]
            provinces = () if zone in REST else split_provinces(zone)
            for p in provinces or ("*",):
                if p in seen:
                    raise PostageError("rate_card.zone_repeats", zone="其他" if p == "*" else p, line=seen[p])
                seen[p] = line
            z = Zone(zone, provinces, _kg(cells.get("first_kg", ""), "1"), parse_money(cells["first_fee"]),
                     _kg(cells.get("add_kg", ""), "1"), parse_money(cells["add_fee"]))
        except (ValueError, MoneyError) as exc:
            problems.append(f"{name}:{line}: {exc}")
            continue
        zones.append(z)
    if problems:
        raise RateCardError(problems)
    if not zones:
        raise RateCardError([f"{name}:2: {render('rate_card.no_zones')}"])
    return RateCard(courier, tuple(zones), name)


def card_fee(card: RateCard, courier_name: str, province: str, weight: Decimal) -> tuple[Decimal, str]:
    """(fee, explained label): 首重 fee + 续重 units rounded up."""
    zone = card.zone_for(province)
    if zone is None:
        raise PostageError("rate_card.no_zone", courier=courier_name, province=province_short(province))
    n = 0
    if weight > zone.first_kg:
        n = int(((weight - zone.first_kg) / zone.add_kg).to_integral_value(rounding=ROUND_CEILING))
    fee = quantize(zone.first_fee + zone.add_fee * n)

    def num(d: Decimal) -> str:
        return format(d.normalize(), "f")

    label = f"{courier_name}价目表 {zone.name}：首重{num(zone.first_kg)}kg {format_money(zone.first_fee)}"
    if n:
        label += f" + 续重{num(zone.add_kg)}kg×{n} {format_money(zone.add_fee * n)}"
    return fee, label
