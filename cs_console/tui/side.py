"""The tabbed side panel: 订单 / 计算器 / 交接 / 售后 / 备忘. Each feature owns its tab widget."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TabbedContent, TabPane


class SidePanel(Vertical):
    """Holds one tab per feature; tabs follow the selected chat through ``show_chat``."""

    def compose(self) -> ComposeResult:
        with TabbedContent(id="side-tabs"):
            with TabPane("订单", id="tab-orders"):
                yield Static("（订单面板）", id="orders-placeholder")

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """Tell every tab which chat/buyer is selected."""
        for pane in self.query(TabPane):
            for child in pane.children:
                handler = getattr(child, "show_chat", None)
                if handler is not None:
                    handler(chat_id, buyer)
