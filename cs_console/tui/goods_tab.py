"""The 商品 side tab: find goods as you type (title words, merchant code, pinyin, initials — the
quick-reply index), see the colour × size grid with stock and price, and put a product
summary for the chosen SKU into the draft.

Words that name a colour or size (``连体衣 蓝色 90``) also put the grid's cursor on that SKU.
Searching runs in a thread worker (the first search builds the pinyin keys of every goods).
"""

from __future__ import annotations

import itertools

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, OptionList
from textual.widgets.option_list import Option

from cs_console.domain.goods.lookup import draft_summary, pick_sku, stock_mark
from cs_console.domain.goods.model import LOW_STOCK, GoodsItem, Sku
from cs_console.domain.money import format_money
from cs_console.domain.text import clean_text
from cs_console.tui.inputs import CommandAwareInput
from cs_console.tui.messages import InsertIntoDraft
from cs_console.tui.store_reads import FollowStore, deliver

DEBOUNCE = 0.05
MAX_HITS = 20


class GoodsSearch(CommandAwareInput):
    """The search field; ↑/↓ move through the results without leaving it."""

    BINDINGS = [Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]

    def action_move(self, step: int) -> None:
        lst = self.screen.query_one("#goods-list", OptionList)
        if lst.option_count:
            lst.highlighted = max(0, min(lst.option_count - 1, (lst.highlighted or 0) + step))


class GoodsTab(Vertical):
    DEFAULT_CSS = """
    GoodsTab { height: 1fr; padding: 0 1; }
    GoodsTab #goods-list { height: auto; max-height: 7; border: none; }
    GoodsTab #goods-head { height: auto; margin-top: 1; }
    GoodsTab #goods-grid { height: auto; max-height: 14; }
    GoodsTab #goods-sku { height: auto; width: 1fr; color: $accent; }
    GoodsTab #goods-keys { height: auto; width: 1fr; color: $text-muted; }
    GoodsTab #goods-head { width: 1fr; }
    """
    BINDINGS = [
        Binding("alt+i,f7", "insert", "插入草稿", id="goods.insert", priority=True),
        Binding("escape", "leave", "回到草稿", id="goods.leave"),
    ]

    def __init__(self, *, id: str | None = "goods-tab"):
        super().__init__(id=id)
        self.hits: list[GoodsItem] = []
        self.goods: GoodsItem | None = None
        self._query = ""
        self.shown_query: str | None = None  # the search whose results are on screen
        # the reads (typed searches and re-reads after a re-import, in two worker groups) are
        # numbered as they start: the rows on screen are never replaced by an earlier read's
        self._read_numbers = itertools.count(1)
        self._shown_read = 0
        self._timer = None

    def compose(self) -> ComposeResult:
        yield GoodsSearch(placeholder="商品：名称 / 商家编码 / 拼音首字母，可加颜色尺码", id="goods-search", compact=True)
        yield OptionList(id="goods-list")
        yield Label("", id="goods-head")
        yield DataTable(id="goods-grid", cursor_type="cell", zebra_stripes=False)
        yield Label("", id="goods-sku")
        yield Label("Enter 表格  ←↑↓→ 选颜色尺码  i / alt+i 插入草稿  c 算运费  Esc 回到草稿", id="goods-keys")

    # ---- search ---------------------------------------------------------------------------------
    @on(Input.Changed, "#goods-search")
    def _typed(self, event: Input.Changed) -> None:
        self._query = event.value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._search(self._query))

    @on(Input.Submitted, "#goods-search")
    def _submitted(self) -> None:
        if self.goods is not None:
            self.query_one(DataTable).focus()

    def focus_search(self) -> None:
        self.query_one("#goods-search", Input).focus()

    def on_mount(self) -> None:
        # goods may have been imported elsewhere: the catalogue (the orders tab's stock hints
        # too) is re-checked on its next read, whether this tab is on screen or not
        self.app.store_changes.subscribe(self, lambda _change: self.app.desk.goods.store_changed())
        self._follow = FollowStore(self, self._reread)

    def on_show(self) -> None:
        self._follow.shown()

    def _reread(self) -> None:
        if self._query:
            self._refresh(self._query)

    @work(thread=True, exclusive=True, group="goods-refresh-read")
    def _refresh(self, query: str) -> None:
        """Search again only when the catalogue really changed (not on every chat message)."""
        service = self.app.desk.goods

        def read() -> tuple[int, list[GoodsItem]] | None:
            before = service.cached()
            read_no = next(self._read_numbers)
            return None if service.all() is before else (read_no, service.search(query, limit=MAX_HITS))

        deliver(self, read, lambda got: got is not None and self._show_hits(query, *got, keep=True), "商品")

    @work(thread=True, exclusive=True, group="goods-search-read")
    def _search(self, query: str) -> None:
        def read() -> tuple[int, list[GoodsItem]]:
            read_no = next(self._read_numbers)
            return read_no, self.app.desk.goods.search(query, limit=MAX_HITS)

        deliver(self, read, lambda got: self._show_hits(query, *got), "商品")

    def _show_hits(self, query: str, read_no: int, hits: list[GoodsItem], *, keep: bool = False) -> None:
        """The results of read ``read_no`` (numbered as the reads start) for ``query``."""
        if query != self._query:
            return  # typed on meanwhile: an outdated query's results never replace a newer one's
        if read_no < self._shown_read:
            return  # a read of an older catalogue that finished last (a re-import meanwhile)
        keep = keep and query == self.shown_query  # a new query's first rows: its own SKU, not the old cursor
        self._shown_read = read_no
        self.shown_query = query
        self.hits = hits
        lst = self.query_one("#goods-list", OptionList)
        lst.set_options([Option(self._hit_text(g)) for g in hits])
        if not hits:
            lst.add_option(Option(Text("（没有找到商品）", style="dim"), disabled=True))
            self._show_goods(None)
            return
        current = next((i for i, g in enumerate(hits) if keep and self.goods is not None and g.key == self.goods.key), 0)
        lst.highlighted = current
        self._show_goods(hits[current], keep=keep)

    @staticmethod
    def _hit_text(g: GoodsItem) -> Text:
        t = Text(clean_text(g.title))
        stock = g.sku_stock if g.skus else g.stock
        t.append(f"  {format_money(g.price)}  库存 {stock}", style="dim" if stock else "red")
        if g.merchant_code:
            t.append(f"  {clean_text(g.merchant_code)}", style="dim")
        return t

    @on(OptionList.OptionHighlighted, "#goods-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        i = event.option_index
        if 0 <= i < len(self.hits) and self.hits[i] is not self.goods:
            self._show_goods(self.hits[i])

    @on(OptionList.OptionSelected, "#goods-list")
    def _selected(self) -> None:
        if self.goods is not None:
            self.query_one(DataTable).focus()

    # ---- the grid -------------------------------------------------------------------------------
    def _show_goods(self, g: GoodsItem | None, keep: bool = False) -> None:
        """Show ``g``'s grid; ``keep``: the same goods re-read, the cursor stays on its SKU."""
        same = keep and self.goods is not None and g is not None and self.goods.key == g.key
        previous = self.chosen_sku() if same else None
        self.goods = g
        grid = self.query_one(DataTable)
        grid.clear(columns=True)
        head = self.query_one("#goods-head", Label)
        if g is None:
            head.update("")
            self.query_one("#goods-sku", Label).update("")
            return
        info = Text(clean_text(g.title), style="bold")
        info.append(f"  {format_money(g.price)}")
        extra = [x for x in (g.merchant_code and f"编码 {g.merchant_code}", g.item_id and f"ID {g.item_id}",
                             g.weight_kg is not None and f"{g.weight_kg}kg") if x]
        info.append("\n" + clean_text("  ".join(extra)), style="dim")
        if not g.stock_adds_up:
            info.append(f"\n宝贝数量 {g.stock} ≠ SKU 合计 {g.sku_stock}", style="yellow")
        head.update(info)
        sizes = g.sizes
        grid.add_column("", key="colour")
        for s in sizes:
            grid.add_column(clean_text(s) or "—", key=f"s{sizes.index(s)}")
        for c in g.colours:
            cells: list[Text] = [Text(clean_text(c) or "—", style="bold")]
            for s in sizes:
                sku = g.sku_at(c, s)
                cells.append(Text("—", style="dim") if sku is None else self._cell(sku, g))
            grid.add_row(*cells)
        chosen = (g.sku_at(previous.colour, previous.size) if previous else None) or pick_sku(g, self._query)
        if chosen is not None:
            grid.move_cursor(row=g.colours.index(chosen.colour), column=sizes.index(chosen.size) + 1)
        elif g.skus:
            grid.move_cursor(row=0, column=1)
        self._show_sku()

    @staticmethod
    def _cell(sku: Sku, g: GoodsItem) -> Text:
        mark = stock_mark(sku.stock)
        style = "bold red" if sku.stock <= 0 else ("yellow" if sku.stock <= LOW_STOCK else "")
        t = Text(f"{sku.stock}{mark}", style=style)
        if sku.price != g.price:
            t.append(f" {format_money(sku.price)}", style="dim")
        return t

    def chosen_sku(self) -> Sku | None:
        g = self.goods
        if g is None or not g.skus:
            return None
        grid = self.query_one(DataTable)
        row, col = grid.cursor_coordinate.row, grid.cursor_coordinate.column
        if not (0 <= row < len(g.colours)) or col < 1 or col > len(g.sizes):
            return None
        return g.sku_at(g.colours[row], g.sizes[col - 1])

    @on(DataTable.CellHighlighted, "#goods-grid")
    def _cell_moved(self) -> None:
        self._show_sku()

    @on(DataTable.CellSelected, "#goods-grid")
    def _cell_selected(self) -> None:
        self.action_insert()

    def _show_sku(self) -> None:
        sku = self.chosen_sku()
        label = self.query_one("#goods-sku", Label)
        if self.goods is None:
            label.update("")
            return
        label.update(Text(clean_text(draft_summary(self.goods, sku))))

    # ---- output ---------------------------------------------------------------------------------
    def action_insert(self) -> None:
        if self.goods is None:
            self.app.notify("先搜索并选中一件商品", severity="warning", timeout=3)
            return
        self.post_message(InsertIntoDraft(draft_summary(self.goods, self.chosen_sku())))

    def on_key(self, event) -> None:
        if event.key == "i" and isinstance(self.app.focused, DataTable):
            event.stop()
            self.action_insert()
        elif event.key == "c" and isinstance(self.app.focused, DataTable):
            event.stop()
            self.action_to_calculator()

    def action_to_calculator(self) -> None:
        """Put the chosen SKU (price, weight, freight template) into the 计算器 as one item line."""
        from cs_console.domain.postage import ItemLine
        from cs_console.tui.side import SidePanel

        g, sku = self.goods, self.chosen_sku()
        if g is None:
            return
        label = f"{g.title} {sku.label}" if sku else g.title
        item = ItemLine(sku.price if sku else g.price, 1, False, label, g.weight_kg, g.volume_m3, g.freight_template)
        self.app.query_one(SidePanel).show_tab("tab-calc")  # first: it takes up the current buyer
        self.app.query_one("#calculator").add_item(item)
        # focused now, not after the refresh: the grid, hidden with its tab, would hand the focus
        # to whatever follows it in the chain (the tabs, the calculator's scroll) in between
        self.app.query_one("#calculator").focus_entry()

    def action_leave(self) -> None:
        from cs_console.tui.composer import Composer

        self.app.query_one(Composer).focus()
