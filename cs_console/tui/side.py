"""The tabbed side panel: 订单 / 计算器 / 商品 / 交接 / 售后 / 备忘. Each feature owns its tab widget.

A tab widget is any Widget; if it has ``show_chat(chat_id, buyer)`` it is told whenever the
selected chat changes. A tab that shows store data follows the app's ``store_changes`` signal
itself (``tui/store_reads``). Add a feature's tab as one line in ``TABS``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from cs_console.tui.daytools import DAY_TABS


def _placeholder(text: str) -> Callable[[], Widget]:
    return lambda: Static(text)


def _orders_panel() -> Widget:
    from cs_console.tui.orders_panel import OrdersPanel

    return OrdersPanel()


def _calculator() -> Widget:
    from cs_console.tui.calculator import Calculator

    return Calculator(id="calculator")


def _goods_tab() -> Widget:
    from cs_console.tui.goods_tab import GoodsTab

    return GoodsTab()


def _handover_tab() -> Widget:
    from cs_console.tui.handover_tab import HandoverTab

    return HandoverTab()


# (title, pane id, factory). Features replace their placeholder with their widget.
TABS: list[tuple[str, str, Callable[[], Widget]]] = [
    ("订单", "tab-orders", _orders_panel),
    ("计算器", "tab-calc", _calculator),
    ("商品", "tab-goods", _goods_tab),
    ("交接", "tab-handover", _handover_tab),
    *DAY_TABS,
]


class SidePanel(Vertical):
    """Holds one tab per feature; tabs follow the selected chat through ``show_chat``."""

    def compose(self) -> ComposeResult:
        with TabbedContent(id="side-tabs"):
            for title, pane_id, factory in TABS:
                with TabPane(title, id=pane_id):
                    yield factory()

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """Tell every tab which chat/buyer is selected."""
        self._tell("show_chat", chat_id, buyer)

    def _tell(self, method: str, *args) -> None:
        for pane in self.query(TabPane):
            for child in pane.children:
                handler = getattr(child, method, None)
                if handler is not None:
                    handler(*args)

    def open_tab(self, pane_id: str) -> None:
        self.query_one(TabbedContent).active = pane_id

    def show_tab(self, pane_id: str) -> None:
        """Make the panel visible (also at 80×24, where it is folded away) on ``pane_id``."""
        if self.screen.has_class("-narrow"):
            self.screen.add_class("-side-open")
        self.remove_class("-hidden")
        self.open_tab(pane_id)
