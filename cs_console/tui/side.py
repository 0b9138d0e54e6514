"""The tabbed side panel: 订单 / 计算器 / 商品 / 交接 / 售后 / 备忘. Each feature owns its tab widget.

A tab widget is any Widget; if it has ``show_chat(chat_id, buyer)`` it is told which chat is
selected: the tab on top at once, a tab behind it when it comes on top (a chat switch costs the
reads and repaints of one tab, not of six). The handover tab is always told (写交接 works from
anywhere and links the current buyer). A tab that shows store data follows the app's ``store_changes`` signal
itself (``tui/store_reads``). Add a feature's tab as one line in ``TABS``.
"""

from __future__ import annotations

import asyncio
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


#: tabs told of every chat switch even when behind another tab (``show_chat`` only notes the buyer)
ALWAYS_TOLD = {"tab-handover"}


class SidePanel(Vertical):
    """Holds one tab per feature; tabs follow the selected chat through ``show_chat``: the tab on
    top at once, the others when they come on top (:meth:`catch_up`).

    ``later=True`` (the desk built at start-up, behind the sign-in): only the first tab (订单,
    what the panel shows) is built with the panel; the others are built by :meth:`build_tabs`
    once the session list is on screen, or at once when a key asks for one (:meth:`tabs_built`)."""

    def __init__(self, *, later: bool = False, id: str | None = None):
        super().__init__(id=id)
        self._later = later
        self._chat: tuple[int | None, str | None] | None = None  # the selected chat, once told
        self._told: dict[str, tuple[int | None, str | None]] = {}  # pane id → the chat its tab knows
        self._built: asyncio.Event | None = None if later else asyncio.Event()
        if self._built is not None:
            self._built.set()

    def compose(self) -> ComposeResult:
        with TabbedContent(id="side-tabs"):
            for n, (title, pane_id, factory) in enumerate(TABS):
                with TabPane(title, id=pane_id):
                    if n == 0 or not self._later:
                        yield factory()

    def build_tabs(self) -> None:
        """Build the tabs not built yet; once mounted, the tab on top follows the selected chat."""
        if self._built is not None or not self.is_attached:
            return
        self._built = asyncio.Event()
        mounts = [self.query_one(f"#{pane_id}", TabPane).mount(factory()) for _title, pane_id, factory in TABS[1:]]

        async def mounted() -> None:
            for mount in mounts:
                await mount
            self._built.set()
            self._follow()

        self.call_later(mounted)

    @property
    def all_built(self) -> bool:
        """Every tab is built and mounted."""
        return self._built is not None and self._built.is_set()

    async def settled(self) -> None:
        """Tabs being mounted are mounted (none is built for this)."""
        if self._built is not None:
            await self._built.wait()

    async def tabs_built(self) -> None:
        """Every tab built and mounted (built now if it was not yet): for a key that goes to one."""
        self.build_tabs()
        if self._built is not None:
            await self._built.wait()

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """The selected chat changed: the tab on top follows now, the others when shown (tabs
        still mounting: once mounted)."""
        self._chat = (chat_id, buyer)
        if self._built is not None and not self._built.is_set():
            return
        self._follow()

    def _follow(self) -> None:
        active = self.query_one(TabbedContent).active
        for pane_id in {active, *ALWAYS_TOLD}:
            self.catch_up(pane_id)

    def catch_up(self, pane_id: str) -> None:
        """Tell the tab of ``pane_id`` the selected chat, unless it knows it already (a tab not
        built yet is told once it is)."""
        if self._chat is None or self._told.get(pane_id) == self._chat:
            return
        for pane in self.query(TabPane):
            if pane.id == pane_id:
                for child in pane.children:
                    handler = getattr(child, "show_chat", None)
                    if handler is not None:
                        handler(*self._chat)
                        self._told[pane_id] = self._chat

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab came on top (a click, a key): it shows the selected chat's buyer first."""
        if event.pane.id:
            self.catch_up(event.pane.id)

    def open_tab(self, pane_id: str) -> None:
        self.catch_up(pane_id)  # before it shows: its first frame is the current buyer's
        self.query_one(TabbedContent).active = pane_id

    async def open_tab_built(self, pane_id: str) -> None:
        """:meth:`show_tab` once the tab exists (订单 is built with the panel; the others may still
        be mounting right after start-up)."""
        if pane_id != TABS[0][1]:
            await self.tabs_built()
        self.show_tab(pane_id)

    def show_tab(self, pane_id: str) -> None:
        """Make the panel visible (also at 80×24, where it is folded away) on ``pane_id``."""
        self.build_tabs()
        if self.screen.has_class("-narrow"):
            self.screen.add_class("-side-open")
        self.remove_class("-hidden")
        self.open_tab(pane_id)
