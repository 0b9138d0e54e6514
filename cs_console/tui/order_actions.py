"""The 订单 tab's action flows: 核对地址, 改价, 改运费, 关闭, 旗帜备注, 延长收货 — the dialogs
and the writes behind the order list's letters (:class:`~cs_console.tui.orders_panel.OrdersPanel`
runs each as its worker and says which order is highlighted).

Every change is written in a thread (``write_now``): the dialog closes at Enter and the caret goes
back to the draft at once, so the agent types on while a locked store makes the write wait. A
refused or failed change is one Chinese notice; the dialogs the agent typed into (price, postage,
flag remark) open again with what they entered (``ask_until_saved``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from cs_console.domain.clock import local
from cs_console.domain.money import format_money
from cs_console.domain.orders import (
    OrderRefused,
    OrderState,
    OrderView,
    StaleEdit,
    Totals,
    extend_deadline,
    line_total,
    price_change_warning,
    retotal,
)
from cs_console.domain.text import display_text
from cs_console.tui.confirm import GuardedConfirm
from cs_console.tui.order_dialogs import (
    AmountDialog,
    ConfirmDialog,
    FlagDialog,
    PickDialog,
    PriceDialog,
)
from cs_console.tui.store_reads import WriteFailed, ask_until_saved, settled, write_now

if TYPE_CHECKING:
    from cs_console.tui.orders_panel import OrdersPanel


class OrderActions:
    """The flows of the order list's actions, on the panel's highlighted order."""

    def __init__(self, panel: OrdersPanel):
        self.panel = panel

    def _done(self, view: OrderView, message: str) -> None:
        self.panel.reload(keep=view.order_no)
        self.panel.notify(message, timeout=3)

    def _refused(self, exc: Exception) -> None:
        self.panel.notify(str(exc.args[0] if exc.args else exc), severity="error", timeout=5)

    async def confirm_address(self) -> None:
        o = self.panel.current
        if o is None:
            return
        text = self.panel.service.confirmation_text(o)
        if await self.panel.app.push_screen_wait(GuardedConfirm(
                "核对地址：把收货人、电话和地址发送给买家？", text, "发送给买家")):
            await self._write(lambda: self.panel.service.confirm_address(o.order_no, self.panel.app.actor), "核对地址",
                              "已发送核对信息")

    async def _write(self, write, what: str, message: str) -> None:
        """A change without typed input (a pick, a confirmation): the caret back to the draft,
        the write in a thread; a failure is said (``write_now``) and nothing else happens."""
        self.panel.action_leave()
        try:
            self._done(await write_now(self.panel, write, what), message)
        except WriteFailed:
            pass

    async def _pick_line(self, o: OrderView, title: str) -> int | None:
        lines = o.open_items
        if len(lines) == 1:
            return lines[0].line_no
        return await self.panel.app.push_screen_wait(PickDialog(title, [
            (Text(f"{i.line_no}. {display_text(i.title)} {format_money(i.unit_price)}×{i.quantity}"), i.line_no) for i in lines]))

    async def set_price(self) -> None:
        o = self.panel.current
        if o is None or not o.open_items:
            return
        line = await self._pick_line(o, "改价：选择商品")
        if line is None:
            return
        item = next(i for i in o.items if i.line_no == line)
        totals = (o.items_total, o.postage, o.amount)

        def after(new: Decimal) -> Decimal:
            try:
                delta = line_total(new, item.quantity) - item.total
                return retotal(Totals(*totals), items_delta=delta).amount
            except OrderRefused:
                return Decimal("0.00")

        listing = item.listing_price if item.listing_price is not None else item.unit_price
        share = self.panel.desk.policy.orders.confirm_price_cut_share
        title = f"改价 · {o.order_no} · {line}. {display_text(item.title)} ×{item.quantity}"
        view = await ask_until_saved(
            self.panel, lambda last: self.panel.app.push_screen_wait(PriceDialog(
                title, item.unit_price, after, o.amount, quantity=item.quantity, listing=listing,
                warn=lambda new: price_change_warning(listing, new, share), entry=last)),
            lambda result: self.panel.service.set_item_price(o.order_no, line, result[0], result[1], self.panel.app.actor),
            "改价", entered=self.panel.action_leave)
        if view is not None:
            self._done(view, "已改价")

    async def set_postage(self) -> None:
        o = self.panel.current
        if o is None:
            return
        view = await ask_until_saved(
            self.panel, lambda last: self.panel.app.push_screen_wait(AmountDialog(
                f"改运费 · {o.order_no}", o.postage, lambda new: o.amount - o.postage + new, o.amount, entry=last)),
            lambda result: self.panel.service.set_postage(o.order_no, result[0], result[1], self.panel.app.actor),
            "运费", entered=self.panel.action_leave)
        if view is not None:
            self._done(view, "已改运费")

    async def close_order(self) -> None:
        o = self.panel.current
        if o is None:
            return
        target: int | None = None
        if len(o.open_items) > 1:  # 0 = the whole order (None means the picker was cancelled)
            targets: list[tuple[str | Text, int]] = [("整个订单", 0)] + [
                (Text(f"只关闭 {i.line_no}. {display_text(i.title)} ×{i.quantity}"), i.line_no) for i in o.open_items]
            picked = await self.panel.app.push_screen_wait(PickDialog(f"关闭 · {o.order_no}", targets))
            if picked is None:
                return
            target = picked or None
        reason = await self.panel.app.push_screen_wait(PickDialog("关闭原因", [(r, r) for r in self.panel.service.close_reasons]))
        if reason is None:
            return
        what = "整个订单" if target is None else f"商品 {target}"
        body = (f"订单 {o.order_no}：{what}\n状态 {o.state.label} → "
                f"{OrderState.CLOSED.label if target is None else o.state.label}\n原因：{reason}")
        if not await self.panel.app.push_screen_wait(ConfirmDialog("确认关闭", body)):
            return
        await self._write(lambda: self.panel.service.close(o.order_no, reason, self.panel.app.actor, line=target), "关闭订单",
                          "已关闭")

    async def flag(self) -> None:
        o = self.panel.current
        if o is None:
            return
        entered: tuple[str, str] | None = None

        def write(result: tuple[str, str]) -> OrderView | StaleEdit:
            nonlocal entered
            entered = result
            try:
                return self.panel.service.flag(o.order_no, result[0], result[1], self.panel.app.actor, base_version=o.flag_version)
            except StaleEdit as exc:  # someone changed it while the dialog was open: never overwrite
                return exc

        done = await ask_until_saved(
            self.panel, lambda last: self.panel.app.push_screen_wait(FlagDialog(o, self.panel.convention, entry=last)), write,
            "旗帜备注", entered=self.panel.action_leave)
        if isinstance(done, StaleEdit):
            await settled(self.panel.reload(keep=o.order_no))
            body = Text(display_text(str(done)) + "\n\n你写的备注（没有保存）：" + display_text(entered[1])
                        + "\n\nEnter 在最新内容上重新编辑 · Esc 放弃")
            if await self.panel.app.push_screen_wait(ConfirmDialog("旗帜备注已被他人修改", body)):
                self.panel.action_flag()
        elif done is not None:
            self._done(done, "已更新旗帜备注")

    async def extend_receipt(self) -> None:
        o = self.panel.current
        if o is None:
            return
        settings = self.panel.desk.policy.orders
        days = await self.panel.app.push_screen_wait(PickDialog(
            f"延长收货 · {o.order_no}", [(f"延长 {d} 天", d) for d in settings.extend_receipt_days]))
        if days is None:
            return
        tz = self.panel.desk.policy.shop.timezone
        try:
            new = extend_deadline(current=o.receipt_deadline, shipped_at=o.shipped_at, now=self.panel.desk.clock(),
                                  days=days, allowed_days=settings.extend_receipt_days, extensions_so_far=0,
                                  max_extensions=max(1, settings.max_receipt_extensions))
        except OrderRefused as exc:
            self._refused(exc)
            return
        old = f"{local(o.receipt_deadline, tz):%Y-%m-%d %H:%M}" if o.receipt_deadline else "（发货后10天）"
        if not await self.panel.app.push_screen_wait(ConfirmDialog("确认延长收货", f"自动确认收货：{old} → {local(new, tz):%Y-%m-%d %H:%M}")):
            return
        await self._write(lambda: self.panel.service.extend_receipt(o.order_no, days, self.panel.app.actor), "延长收货",
                          f"已延长收货 {days} 天")
