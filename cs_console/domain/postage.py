"""Postage quote (运费计算): exact multi-item totals with the shop's courier rules.

Every rule of DOMAIN.md "Postage" is one named function below; ``quote`` chains them and
returns a breakdown (each item line, each postage step with the rule that produced it), the
items total, the postage (= the sum of the postage steps) and the grand total. Decimal only,
two places, half-up. The N-addresses trick is only *suggested* to the agent, never applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cs_console.domain.freight import Basis, FreightSetup, ParcelItem, check_province, freight_basis
from cs_console.domain.money import ZERO, MoneyError, format_money, parse_money, quantize, shown
from cs_console.domain.postage_rates import (
    PostageError,
    ProvinceRates,
    RatesTable,
    normalize_city,
    normalize_province,
)

if TYPE_CHECKING:
    from cs_console.domain.goods.model import GoodsItem

__all__ = ["ItemLine", "Line", "PostageError", "Quote", "QuoteRequest", "parse_item", "quote", "summary"]

MAX_QUANTITY = 9999
MAX_ADDRESSES = 50


@dataclass(frozen=True, slots=True)
class ItemLine:
    """One item line: unit price × quantity, sold with free postage (包邮) or not."""

    price: Decimal
    quantity: int = 1
    free: bool = False
    label: str = ""
    weight_kg: Decimal | None = None  # per piece (from the goods, or typed: 0.3kg)
    volume_m3: Decimal | None = None  # per piece (from the goods, or typed: 0.002m3)
    template: str = ""  # freight template id (the goods' postage_id)


@dataclass(frozen=True, slots=True)
class Line:
    """One breakdown line. ``kind`` is ``item`` or ``postage``; ``rule`` names the rule."""

    label: str
    amount: Decimal
    rule: str
    kind: str = "postage"


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    items: tuple[ItemLine, ...]
    courier: str  # code or name, resolved against the table
    province: str = ""
    city: str = ""
    pickup: bool = False
    actual_fee: Decimal | None = None  # typed by the agent; wins over the table
    addresses: int = 1


@dataclass(frozen=True, slots=True)
class Quote:
    courier: str  # code
    courier_name: str
    province: str
    city: str
    pickup: bool
    addresses: int
    lines: tuple[Line, ...]
    items_total: Decimal
    postage: Decimal
    total: Decimal
    count: int  # pieces
    notes: tuple[str, ...] = field(default=())

    @property
    def item_lines(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.kind == "item")

    @property
    def postage_lines(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.kind == "postage")

    def as_json(self) -> dict:
        """Amounts as strings with two decimals."""
        money = lambda d: f"{quantize(d):.2f}"  # noqa: E731
        return {
            "courier": self.courier, "courier_name": self.courier_name, "province": self.province,
            "city": self.city, "pickup": self.pickup, "addresses": self.addresses, "count": self.count,
            "items_total": money(self.items_total), "postage": money(self.postage), "total": money(self.total),
            "lines": [{"label": ln.label, "amount": money(ln.amount), "rule": ln.rule, "kind": ln.kind}
                      for ln in self.lines],
            "notes": list(self.notes),
        }


# ---- reading item lines ---------------------------------------------------------------------
_FREE_WORDS = ("包邮", "free", "免邮", "f")
_QTY_SPLIT = re.compile(r"\s*[x×X*]\s*")
_MEASURE = re.compile(r"\s+(\d+(?:\.\d+)?)\s*(kg|公斤|千克|g|克|m3|m³|立方)(?=\s|$|:|：)", re.IGNORECASE)


def _measures(text: str) -> tuple[str, Decimal | None, Decimal | None]:
    """``59x2 0.3kg`` → (``59x2``, 0.3, None); ``300g`` is 0.3 kg; ``0.002m3`` a volume per piece."""
    weight = volume = None
    for m in list(_MEASURE.finditer(text)):
        value, unit = Decimal(m.group(1)), m.group(2).lower()
        if unit in ("g", "克"):
            weight = value / 1000
        elif unit in ("kg", "公斤", "千克"):
            weight = value
        else:
            volume = value
    return _MEASURE.sub("", text), weight, volume


def parse_item(text: str, label: str = "") -> ItemLine:
    """``59`` / ``59x2`` / ``59 x2 包邮`` / ``59x2:free`` / ``¥12.50×3`` → :class:`ItemLine`."""
    raw = text.strip()
    if not raw:
        raise PostageError("postage.empty_item")
    body, weight, volume = _measures(" " + raw)
    body, free = body.strip(), False
    if ":" in body or "：" in body:
        body, _, flag = body.replace("：", ":").partition(":")
        if flag.strip().lower() not in _FREE_WORDS:
            raise PostageError("postage.bad_free_flag", value=repr(flag.strip()[:40]))
        free = True
    else:
        parts = body.split()
        if len(parts) > 1 and parts[-1].lower() in _FREE_WORDS:
            body, free = " ".join(parts[:-1]), True
        elif body.endswith("包邮"):
            body, free = body[:-2], True
    pieces = _QTY_SPLIT.split(body.strip())
    if len(pieces) > 2 or not pieces[0]:
        raise PostageError("postage.bad_item", value=repr(raw[:60]))
    price = parse_price(pieces[0])
    quantity = parse_quantity(pieces[1]) if len(pieces) == 2 else 1
    if (weight is not None and weight <= 0) or (volume is not None and volume <= 0):
        raise PostageError("postage.measure_positive", value=repr(raw[:60]))
    return ItemLine(price, quantity, free, label, weight, volume)


def goods_item_line(g: GoodsItem, ref: str, quantity: int = 1, free: bool = False) -> ItemLine:
    """The item line of goods ``g`` found by ``ref`` (its item id, merchant code or a SKU's
    merchant code: then that SKU's price and label): price, weight, volume, freight template."""
    sku = next((k for k in g.skus if k.merchant_code and k.merchant_code == ref.strip()), None)
    label = g.title + (f" {sku.label}" if sku else "")
    return ItemLine(sku.price if sku else g.price, quantity, free, label, g.weight_kg, g.volume_m3, g.freight_template)


def parse_price(text: str) -> Decimal:
    """A unit price: ``59``, ``12.50``, ``¥59``; never negative, never ``12.3.4``."""
    try:
        value = parse_money(text.strip(), allow_negative=True)
    except MoneyError as exc:
        raise PostageError("postage.bad_price", reason=exc.message) from exc
    if value < 0:
        raise PostageError("postage.price_negative", value=shown(text.strip()))
    return value


def parse_quantity(text: str) -> int:
    """A quantity as typed: ASCII digits only (full-width ２, ² and ٣ are refused), 1–9999."""
    t = text.strip()
    if not re.fullmatch(r"[0-9]{1,12}", t, re.ASCII):
        raise PostageError("quantity.invalid", text=shown(t))
    n = int(t)
    if not 1 <= n <= MAX_QUANTITY:
        raise PostageError("quantity.range", text=shown(t), limit=MAX_QUANTITY)
    return n


def check_item(item: ItemLine) -> None:
    if item.price < 0:
        raise PostageError("postage.price_negative", value=item.price)
    if item.price != quantize(item.price):
        raise PostageError("postage.price_decimals", value=item.price)
    if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) or not 1 <= item.quantity <= MAX_QUANTITY:
        raise PostageError("postage.quantity", limit=MAX_QUANTITY, value=repr(item.quantity))


def _yuan(value: Decimal) -> str:
    """``Decimal('10.00')`` → ``10``; ``Decimal('7.50')`` → ``7.5`` (for rule labels)."""
    return format(value.normalize(), "f")


# ---- the rules (each one named; the rule name is what the breakdown shows) ------------------
def item_line(item: ItemLine, n: int) -> Line:
    """商品行: unit price × quantity."""
    name = item.label or f"商品{n}"
    free = " 包邮" if item.free else ""
    return Line(f"{name} {format_money(item.price)}×{item.quantity}{free}", quantize(item.price * item.quantity),
                "item_line", "item")


def partner_normal_postage(courier: str, province: str, normal: Decimal, typed: bool) -> Line:
    """合作快递: the shop's normal postage to the destination."""
    src = "（手动输入）" if typed else ""
    return Line(f"{courier}发{province}常规运费{src}", normal, "partner_normal_postage")


def partner_free_postage(courier: str) -> Line:
    """合作快递 + only free-postage items (not remote): ships free."""
    return Line(f"包邮商品，{courier}免运费", ZERO, "partner_free_postage")


def remote_no_free_postage(province: str) -> Line:
    """偏远地区: outside free postage (normal postage applies even to free-postage items)."""
    return Line(f"{province}属偏远地区，不包邮", ZERO, "remote_no_free_postage")


def actual_fee(courier: str, province: str, fee: Decimal, typed: bool) -> Line:
    """其他快递: the courier's actual fee to the destination."""
    src = "（手动输入）" if typed else ""
    return Line(f"{courier}发{province}实际运费{src}", fee, "actual_fee")


def over_threshold_surcharge(fee: Decimal, rules) -> Line | None:
    """Actual fee over 10 → add 5 (not for SF)."""
    if fee > rules.surcharge_over:
        return Line(f"实际运费超过 {_yuan(rules.surcharge_over)} 元，加 {_yuan(rules.surcharge)} 元", rules.surcharge,
                    "over_threshold_surcharge")
    return None


def minimum_charge(charge: Decimal, rules) -> Line | None:
    """Other couriers (not SF) charge at least 15."""
    if charge < rules.minimum:
        return Line(f"不足 {_yuan(rules.minimum)} 元按 {_yuan(rules.minimum)} 元收", rules.minimum - charge, "minimum_charge")
    return None


def free_postage_credit(charge: Decimal, rules) -> list[Line]:
    """Free-postage items with a non-partner courier: 10 off, once per parcel; postage never below 0."""
    lines = [Line(f"包邮商品抵 {_yuan(rules.free_postage_credit)} 元运费", -rules.free_postage_credit,
                  "free_postage_credit")]
    rest = charge - rules.free_postage_credit
    if rest < 0:
        lines.append(Line("运费不低于 0", -rest, "postage_floor"))
    return lines


def pickup_no_shipping(city: str) -> Line:
    """自提: nothing is shipped, no postage."""
    return Line(f"{city}自提，不发快递", ZERO, "pickup_no_shipping")


def shenyang_pickup_rebate(rules) -> Line:
    """包邮商品沈阳自提: 5 back (a negative postage line)."""
    return Line(f"包邮商品{rules.pickup_city}自提返 {_yuan(rules.pickup_rebate)} 元", -rules.pickup_rebate,
                "pickup_rebate")


def per_address_parcels(per_parcel: Decimal, addresses: int) -> Line | None:
    """N addresses = N parcels, each quoted like the first."""
    if addresses > 1:
        return Line(f"{addresses} 个地址 = {addresses} 个包裹，每个 {format_money(per_parcel)}",
                    per_parcel * (addresses - 1), "per_address_parcels")
    return None


# ---- the quote ------------------------------------------------------------------------------
def quote(table: RatesTable, req: QuoteRequest, freight: FreightSetup | None = None) -> Quote:
    """Quote ``req`` with ``table``'s rules; bad input raises :class:`PostageError` (no quote).

    With ``freight`` (data/freight.yaml) and items that carry a freight template or a weight or
    volume, the partner's normal postage is the template's fee and another courier's actual fee
    comes from its rate card; the shop's rules then apply on top as usual."""
    if not req.items:
        raise PostageError("postage.no_items")
    for item in req.items:
        check_item(item)
    if req.actual_fee is not None and (req.actual_fee < 0 or req.actual_fee != quantize(req.actual_fee)):
        raise PostageError("postage.bad_actual_fee", value=req.actual_fee)
    if not 1 <= req.addresses <= MAX_ADDRESSES:
        raise PostageError("postage.addresses", limit=MAX_ADDRESSES, value=req.addresses)
    rules = table.rules
    code = table.courier_code(req.courier)
    cname = table.courier_name(code)
    province = normalize_province(req.province)
    city = normalize_city(req.city)
    has_free = any(i.free for i in req.items)
    all_free = all(i.free for i in req.items)
    items = [item_line(item, n) for n, item in enumerate(req.items, 1)]
    notes: list[str] = []

    if req.pickup:
        pickup_city = normalize_city(rules.pickup_city)
        if city != pickup_city:
            raise PostageError("postage.pickup_city", city=pickup_city)
        if req.addresses != 1:
            raise PostageError("postage.pickup_one_address")
        steps = [pickup_no_shipping(pickup_city)]
        if has_free:
            steps.append(shenyang_pickup_rebate(rules))
    else:
        if not province:
            raise PostageError("postage.no_province")
        key = table.province_key(province)
        rates = table.provinces[key] if key else None
        remote = table.is_remote(province)
        table_fee = None
        if rates is not None:
            table_fee = rates.normal if code == table.partner else rates.fees.get(code)
        basis = _basis(freight, req, province, code, cname, table.partner)
        basis_lines: list[Line] = []
        if basis is not None and code == table.partner:
            table_fee, basis_lines = basis.template_fee, _lines(basis.template_steps)
            all_free = all_free or basis.free_condition_met
            has_free = has_free or basis.free_condition_met
        elif basis is not None:
            has_free = has_free or basis.free_condition_met
            if basis.card_fee is not None and req.actual_fee is None:
                table_fee, basis_lines = basis.card_fee, _lines(basis.card_steps)
        free_applies = has_free and not remote
        if basis_lines and rates is None:
            rates = ProvinceRates()  # the template / card knows the destination
        fee, typed = (req.actual_fee, True) if req.actual_fee is not None else (table_fee, False)
        if basis is not None and code == table.partner and basis.free_condition_met and not typed:
            steps = basis_lines
        elif code == table.partner and all_free and not remote:
            if rates is None and req.actual_fee is None:
                raise PostageError("postage.unknown_province_fee", value=repr(req.province), what="运费")
            steps = [partner_free_postage(cname)]
        elif fee is None:
            what = "常规运费" if code == table.partner else "实际运费"
            if rates is None:
                raise PostageError("postage.unknown_province_fee", value=repr(req.province), what=what)
            raise PostageError("postage.no_fee", courier=cname, province=province, what=what)
        elif code == table.partner:
            steps = basis_lines if basis_lines and not typed else [partner_normal_postage(cname, province, fee, typed)]
        else:
            steps = basis_lines if basis_lines and not typed else [actual_fee(cname, province, fee, typed)]
            if code not in rules.no_markup:
                charge = fee
                surcharge = over_threshold_surcharge(fee, rules)
                if surcharge:
                    steps.append(surcharge)
                    charge += surcharge.amount
                low = minimum_charge(charge, rules)
                if low:
                    steps.append(low)
            if free_applies:
                steps.extend(free_postage_credit(sum((s.amount for s in steps), ZERO), rules))
        if remote and has_free:
            steps.append(remote_no_free_postage(province))
        per_parcel = sum((s.amount for s in steps), ZERO)
        extra = per_address_parcels(per_parcel, req.addresses)
        if extra:
            steps.append(extra)
            if has_free:
                notes.append(rules.multi_address_hint)

    items_total = sum((line.amount for line in items), ZERO)
    postage = sum((s.amount for s in steps), ZERO)
    return Quote(courier=code, courier_name=cname, province=province, city=city, pickup=req.pickup,
                 addresses=req.addresses, lines=tuple(items + steps), items_total=quantize(items_total),
                 postage=quantize(postage), total=quantize(items_total + postage),
                 count=sum(i.quantity for i in req.items), notes=tuple(notes))


def _basis(freight: FreightSetup | None, req: QuoteRequest, province: str, code: str, cname: str,
           partner: str) -> Basis | None:
    """Freight applies when an item carries a template (from the goods) or a weight/volume."""
    if freight is None or not any(i.template or i.weight_kg is not None or i.volume_m3 is not None for i in req.items):
        return None
    check_province(req.province)
    parcel = [(ParcelItem(i.label or f"商品{n}", i.quantity, i.price, i.weight_kg, i.volume_m3), i.template)
              for n, i in enumerate(req.items, 1)]
    return freight_basis(freight, parcel, province, code, cname,
                         need_card=code != partner and req.actual_fee is None)


def _lines(steps) -> list[Line]:
    """Freight steps as breakdown lines (facts without money are 0.00 lines that name the step)."""
    return [Line(s.label, ZERO if s.amount is None else s.amount, s.rule) for s in steps]


def summary(q: Quote) -> str:
    """The polite line for the chat: 亲，您一共 3 件，商品合计 ¥177.00，韵达发广东运费 ¥17.00，共计 ¥194.00"""
    head = f"亲，您一共 {q.count} 件，商品合计 {format_money(q.items_total)}，"
    if q.pickup:
        ship = f"{q.city}自提返 {format_money(-q.postage)}" if q.postage < 0 else f"{q.city}自提免运费"
    else:
        where = f"分 {q.addresses} 个地址" if q.addresses > 1 else ""
        ship = f"{where}{q.courier_name}发{q.province}" + ("包邮" if q.postage == 0 else f"运费 {format_money(q.postage)}")
    return f"{head}{ship}，共计 {format_money(q.total)}"
