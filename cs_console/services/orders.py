"""Order use-cases: list/show, price/postage changes, flags and remarks, closing, receipt
deadline, address confirmation, the audit trail, and the CSV import.

Every change is one transaction that also appends its audit rows (who, when, field, old, new,
reason). The rules come from ``domain.orders`` / ``domain.flags``: a refused change raises
``OrderRefused`` before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session

from cs_console.domain.clock import Clock
from cs_console.domain.flags import FlagConvention, FlagConventions
from cs_console.domain.money import format_money, parse_money
from cs_console.domain.orders import (
    Action,
    OrderRefused,
    OrderView,
    StaleEdit,
    Totals,
    allowed_actions,
    check,
    check_close_reason,
    check_line,
    check_postage,
    check_price,
    describe_items,
    extend_deadline,
    line_total,
    require_reason,
    retotal,
)
from cs_console.domain.shop import ShopPolicy
from cs_console.services.chats import make_it_mine
from cs_console.services.order_import import ImportRejected, ImportSummary, Progress, import_files
from cs_console.store import audit
from cs_console.store import chats as chat_repo
from cs_console.store import identity as identity_repo
from cs_console.store import orders as repo
from cs_console.store.engine import Store
from cs_console.store.identity import Actor
from cs_console.store.tables import AuditEntry, Order

__all__ = ["ImportRejected", "ImportSummary", "OrderService"]
MAX_REMARK = 500  # characters of a flag remark (what the warehouse reads)


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    agent: str
    field: str
    old: str
    new: str
    reason: str


class OrderService:
    """Everything an agent does with orders; each change is one transaction with its audit rows."""

    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock,
                 conventions: FlagConventions | None = None):
        self.store, self.policy, self.clock = store, policy, clock
        self._conventions = conventions

    # ---- rules ----------------------------------------------------------------------------
    @property
    def conventions(self) -> FlagConventions:
        if self._conventions is None:
            from cs_console.config.flags import load_flag_conventions

            self._conventions = load_flag_conventions()
        return self._conventions

    @property
    def convention(self) -> FlagConvention:
        return self.conventions.get(self.policy.orders.flag_convention)

    @property
    def close_reasons(self) -> list[str]:
        return list(self.policy.orders.close_reasons)

    def allowed(self, order: OrderView) -> tuple[Action, ...]:
        return allowed_actions(order.state, self.policy.shop.kind)

    def _check(self, s: Session, order_no: str, action: Action) -> Order:
        """The order, locked for this transaction (every change reads it fresh under the lock)."""
        order = repo.lock_order(s, order_no)
        check(action, order.state, self.policy.shop.kind)
        return order

    # ---- reads ----------------------------------------------------------------------------
    def list(self, *, buyer: str | None = None, state: str | None = None, flag: str | None = None,
             limit: int | None = None) -> list[OrderView]:
        with self.store.read() as s:
            buyer_id = None
            if buyer is not None:
                try:
                    buyer_id = chat_repo.find_buyer(s, buyer).id
                except chat_repo.NotFound:
                    return []
            return repo.list_orders(s, buyer_id=buyer_id, state=state, flag=flag, limit=limit)

    def for_buyer(self, buyer: str) -> list[OrderView]:
        """One buyer's own orders, newest first (never anyone else's), then any order the buyer
        named on the web chat page or through a bridge (the agent checks it is really theirs)."""
        own = self.list(buyer=buyer)
        from cs_console.store.channels import named_orders

        with self.store.read() as s:
            named = [o for o in named_orders(s, buyer) if o.order_no not in {m.order_no for m in own}]
        return own + named

    def show(self, order_no: str) -> OrderView:
        with self.store.read() as s:
            return repo.view_of(s, repo.get_order(s, order_no))

    def audit(self, order_no: str) -> list[AuditView]:
        with self.store.read() as s:
            order = repo.get_order(s, order_no)
            return [AuditView(e.at, e.agent, e.field, e.old, e.new, e.reason)
                    for e in audit.trail(s, "order", order.order_no)]

    # ---- changes --------------------------------------------------------------------------
    def _record(self, s: Session, order: Order, agent: str, now: datetime, field_: str, old, new, reason="") -> AuditEntry:
        order.locally_edited_at = now
        return audit.record(s, at=now, agent=agent, entity="order", key=order.order_no, field=field_,
                            old=old, new=new, reason=reason)

    def _totals(self, s: Session, order: Order, agent: str, now: datetime, new: Totals, reason: str) -> None:
        for name in ("items_total", "postage", "amount"):
            old_v, new_v = getattr(order, name), getattr(new, name)
            if old_v != new_v:
                self._record(s, order, agent, now, name, format_money(old_v, symbol=False),
                             format_money(new_v, symbol=False), reason)
                setattr(order, name, new_v)

    @staticmethod
    def _current(order: Order) -> Totals:
        return Totals(order.items_total, order.postage, order.amount)

    def _agent(self, s: Session, agent: Actor, now: datetime) -> str:
        return identity_repo.actor(s, agent).name

    def set_item_price(self, order_no: str, line: int, price: Decimal | str, reason: str, agent: Actor) -> OrderView:
        """Change one item line's unit price (C-shop, WAIT_BUYER_PAY); totals follow exactly."""
        check_line(line)
        new_price = check_price(parse_money(price, allow_negative=True))
        why = require_reason(reason, "改价")
        with self.store.write() as s:
            order = self._check(s, order_no, Action.SET_PRICE)
            item = repo.get_item(s, order, line)
            if item.closed:
                raise OrderRefused("order.line_closed", line=line)
            if new_price == item.unit_price:
                raise OrderRefused("order.price_unchanged", line=line, price=format_money(new_price))
            now = self.clock()
            who = self._agent(s, agent, now)
            delta = line_total(new_price, item.quantity) - line_total(item.unit_price, item.quantity)
            totals = retotal(self._current(order), items_delta=delta)
            self._record(s, order, who, now, f"line {line} unit_price", format_money(item.unit_price, symbol=False),
                         format_money(new_price, symbol=False), why)
            item.unit_price = new_price
            self._totals(s, order, who, now, totals, why)
            s.add(item)
            s.add(order)
            s.flush()
            return repo.view_of(s, order)

    def set_postage(self, order_no: str, postage: Decimal | str, reason: str, agent: Actor) -> OrderView:
        new = check_postage(parse_money(postage, allow_negative=True))
        why = require_reason(reason, "改运费")
        with self.store.write() as s:
            order = self._check(s, order_no, Action.SET_POSTAGE)
            if new == order.postage:
                raise OrderRefused("order.postage_unchanged", postage=format_money(new))
            now = self.clock()
            who = self._agent(s, agent, now)
            self._totals(s, order, who, now, retotal(self._current(order), postage=new), why)
            s.add(order)
            s.flush()
            return repo.view_of(s, order)

    def flag(self, order_no: str, colour: str, remark: str, agent: Actor,
             base_version: int | None = None, reason: str = "") -> OrderView:
        """Set the flag colour and the remark other departments need (both audited; the remark's
        reason is ``reason``, else the meaning of the flag it explains).

        ``base_version``: the ``flag_version`` the agent saw when starting the edit; if someone
        changed the flag/remark since, the edit is refused with ``StaleEdit`` (current values)."""
        text = remark.strip()
        if not text:
            raise OrderRefused("order.flag_needs_remark")
        if len(text) > MAX_REMARK:
            raise OrderRefused("text.too_long", what="备注", limit=MAX_REMARK, length=len(text))
        with self.store.write() as s:
            order = self._check(s, order_no, Action.FLAG)
            if base_version is not None and base_version != order.flag_version:
                raise StaleEdit(order.order_no, order.flag, order.remark, order.flag_version,
                                repo.last_changer(s, order.order_no, ("flag", "remark")))
            new_colour = self.convention.check(colour)
            now = self.clock()
            who = self._agent(s, agent, now)
            if order.flag == new_colour and order.remark == text:
                raise OrderRefused("order.flag_unchanged")
            if order.flag != new_colour:
                self._record(s, order, who, now, "flag", order.flag, new_colour.value, self.convention.meaning(new_colour))
                order.flag = new_colour.value
            if order.remark != text:
                self._record(s, order, who, now, "remark", order.remark, text,
                             reason.strip() or self.convention.meaning(new_colour))
                order.remark = text
            order.flag_version = (order.flag_version or 0) + 1
            s.add(order)
            s.flush()
            return repo.view_of(s, order)

    def close(self, order_no: str, reason: str, agent: Actor, line: int | None = None) -> OrderView:
        """Close the order, or one item line of it, with a reason from the shop's list."""
        why = check_close_reason(reason, self.close_reasons)
        if line is not None:
            check_line(line)
        with self.store.write() as s:
            order = self._check(s, order_no, Action.CLOSE_ORDER if line is None else Action.CLOSE_ITEM)
            now = self.clock()
            who = self._agent(s, agent, now)
            if line is None:
                self._record(s, order, who, now, "state", order.state, "CLOSED", why)
                order.state, order.close_reason = "CLOSED", why
            else:
                item = repo.get_item(s, order, line)
                if item.closed:
                    raise OrderRefused("order.line_closed", line=line)
                still_open = [i for i in repo.items_of(s, order.id) if not i.closed and i.line_no != line]
                if not still_open:
                    raise OrderRefused("order.last_line", line=line)
                self._record(s, order, who, now, f"line {line} closed", "no", "yes", why)
                item.closed, item.close_reason = True, why
                s.add(item)
                totals = retotal(self._current(order), items_delta=-line_total(item.unit_price, item.quantity))
                self._totals(s, order, who, now, totals, why)
            s.add(order)
            s.flush()
            return repo.view_of(s, order)

    def extend_receipt(self, order_no: str, days: int, agent: Actor, reason: str = "") -> OrderView:
        """Push the automatic receipt confirmation back (SHIPPED orders; limited times)."""
        with self.store.write() as s:
            order = self._check(s, order_no, Action.EXTEND_RECEIPT)
            now = self.clock()
            new = extend_deadline(current=order.receipt_deadline, shipped_at=order.shipped_at, now=now, days=days,
                                  allowed_days=self.policy.orders.extend_receipt_days,
                                  extensions_so_far=repo.count_changes(s, order.order_no, "receipt_deadline"),
                                  max_extensions=self.policy.orders.max_receipt_extensions)
            who = self._agent(s, agent, now)
            old = order.receipt_deadline
            self._record(s, order, who, now, "receipt_deadline", old.isoformat() if old else "",
                         new.isoformat(), reason.strip() or f"延长 {days} 天")
            order.receipt_deadline = new
            s.add(order)
            s.flush()
            return repo.view_of(s, order)

    def confirmation_text(self, order: OrderView) -> str:
        """The message that asks the buyer to check items, name, phone, address and courier."""
        items = describe_items(list(order.items)) or "（无商品明细）"
        return (f"亲，跟您核对一下订单 {order.order_no} 的信息：\n"
                f"商品：{items}\n收货人：{order.receiver_name}\n电话：{order.phone}\n"
                f"地址：{order.address}\n快递：{order.courier or '默认快递'}\n"
                "信息无误的话回复“对”就可以付款啦～")

    def confirm_address(self, order_no: str, agent: Actor) -> OrderView:
        """Send the buyer (in their own open chat) the order's details to confirm before paying."""
        with self.store.write() as s:
            order = self._check(s, order_no, Action.CONFIRM_ADDRESS)
            view = repo.view_of(s, order)
            buyer = s.get(chat_repo.Buyer, order.buyer_id)
            chat = chat_repo.open_chat_of(s, buyer) if buyer else None
            if chat is None:
                raise OrderRefused("order.no_open_chat", buyer=view.buyer)
            now = self.clock()
            who = identity_repo.actor(s, agent)
            make_it_mine(s, chat.id, who, now)  # only the chat's agent writes to the buyer
            chat_repo.add_agent_message(s, chat.id, who, self.confirmation_text(view), now)
            audit.record(s, at=now, agent=who.name, entity="order", key=order.order_no, field="address_confirmation",
                         old="", new=view.address, reason="已发给买家核对")
            return view

    # ---- import ---------------------------------------------------------------------------
    def import_files(self, orders_path: Path, items_path: Path | None = None, *, skip_bad: bool = False,
                     progress: Progress | None = None) -> ImportSummary:
        """Import the backend's export (``services.order_import``); all-or-nothing unless ``skip_bad``."""
        return import_files(self.store, self.policy.shop.timezone, self.clock, orders_path, items_path,
                            skip_bad=skip_bad, progress=progress)
