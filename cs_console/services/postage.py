"""The calculator's use-cases: quote with the shop's rates table; read the buyer's latest order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cs_console.store.chats import find_buyer
from cs_console.store.orders import items_of, latest_order

if TYPE_CHECKING:  # the rules and the YAML reader are imported on first use (off the start-up path)
    from cs_console.domain.freight import FreightSetup
    from cs_console.domain.postage import ItemLine, Quote, QuoteRequest
    from cs_console.domain.postage_rates import RatesTable
    from cs_console.domain.shop import ShopPolicy
    from cs_console.store.engine import Store


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What the calculator takes from a buyer's latest order (this buyer's only)."""

    order_no: str
    state: str
    courier: str | None  # a courier code of the rates table, or None when unknown/empty
    province: str
    city: str
    postage: Decimal
    amount: Decimal
    items: tuple[ItemLine, ...]


class PostageService:
    """Quotes with the rates table (loaded once, on first use; ConfigError if it is broken)."""

    def __init__(self, store: Store, policy: ShopPolicy, rates_file: Path | None = None, goods=None,
                 freight_file: Path | None = None):
        self.store, self.policy = store, policy
        self._rates_file = rates_file
        self._rates: RatesTable | None = None
        self.goods = goods  # GoodsService: weights, volumes and freight templates of order lines
        self._freight_file = freight_file
        self._freight: FreightSetup | None = None
        self._freight_loaded = False

    @property
    def rates_file(self) -> Path:
        if self._rates_file is None:
            from cs_console.config.postage import rates_path

            self._rates_file = rates_path(self.policy)
        return self._rates_file

    @rates_file.setter
    def rates_file(self, path: Path) -> None:
        self._rates_file, self._rates = path, None

    @property
    def rates(self) -> RatesTable:
        if self._rates is None:
            from cs_console.config.postage import load_rates

            self._rates = load_rates(self.rates_file)
        return self._rates

    @property
    def freight_file(self) -> Path:
        if self._freight_file is None:
            from cs_console.config.postage import rates_path

            self._freight_file = rates_path(self.policy).parent / self.policy.postage.freight_file
        return self._freight_file

    @property
    def freight(self) -> FreightSetup | None:
        """Freight templates + rate cards (None when the shop has no freight file); a broken
        file raises ConfigError with FILE:LINE lines, like the rates table."""
        if not self._freight_loaded:
            from cs_console.config.freight import load_freight

            path = self.freight_file
            self._freight = load_freight(path, set(self.rates.couriers)) if path.exists() else None
            self._freight_loaded = True
        return self._freight

    def quote(self, request: QuoteRequest) -> Quote:
        from cs_console.domain.postage import quote

        return quote(self.rates, request, self.freight)

    def item_for_goods(self, ref: str, quantity: int = 1, free: bool = False) -> ItemLine:
        """An item line from the goods catalogue (price, weight, volume, template) by item id,
        merchant code or a SKU's merchant code (that SKU's price)."""
        from cs_console.domain.postage import goods_item_line

        return goods_item_line(self.goods.find(ref), ref, quantity, free)

    def _with_goods(self, row) -> dict:
        """Weight, volume and template of an order line's goods (none when it is not in the
        catalogue); linked by merchant code / item id when the order rows carry them, else title."""
        if self.goods is None:
            return {}
        link = self.goods.link(row)
        if link is None:
            return {}
        g = link.goods
        return {"weight_kg": g.weight_kg, "volume_m3": g.volume_m3, "template": g.freight_template}

    def courier_code(self, text: str) -> str | None:
        """A courier code for free text (an order's courier column), None if unknown."""
        from cs_console.domain.postage_rates import PostageError

        if not text.strip():
            return None
        try:
            return self.rates.courier_code(text)
        except PostageError:
            return None

    def order_context(self, buyer_nick: str) -> OrderContext | None:
        """The buyer's latest order: address, courier and open item lines (privacy: theirs only)."""
        from cs_console.domain.postage import ItemLine

        with self.store.read() as s:
            try:
                buyer = find_buyer(s, buyer_nick)
            except LookupError:
                return None
            order = latest_order(s, buyer.id)
            if order is None:
                return None
            rows = items_of(s, order.id)
            items = tuple(
                ItemLine(r.unit_price, r.quantity, r.free_postage,
                         " ".join(x for x in (r.title, "/".join(y for y in (r.colour, r.size) if y)) if x),
                         **self._with_goods(r))
                for r in rows if not r.closed and r.quantity > 0
            )
            province = order.province
            if not province.strip():  # an address written in one piece: find its region
                from cs_console.domain.regions import province_of_address

                found = province_of_address(f"{order.city}{order.address_detail}")
                province = found.short if found else ""
            return OrderContext(order.order_no, order.state, self.courier_code(order.courier),
                                province, order.city, order.postage, order.amount, items)
