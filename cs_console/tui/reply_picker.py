"""The quick-reply picker (快捷短语): search as you type, browse groups with Tab, pick to insert/send.

Opened by Ctrl+R / F2 or by ``/`` at the start of an empty draft. The list is short and updated
in place after a ~50 ms debounce; the preview shows the phrase filled for the current chat,
with unfilled placeholders marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from cs_console.domain.placeholders import Filled, fill
from cs_console.domain.replies import Hit, Phrase, ReplyIndex
from cs_console.domain.text import cell_width, one_line, truncate_cells

DEBOUNCE = 0.05
LIMIT = 8
ALL = "全部"


@dataclass(frozen=True, slots=True)
class Pick:
    """The agent's choice: the phrase, filled for this chat, and whether to send at once."""

    phrase: Phrase
    filled: Filled
    send: bool = False


class ReplyPicker(ModalScreen[Pick | None]):
    """Search field, a short candidate list, a filled preview."""

    AUTO_FOCUS = "#picker-query"

    DEFAULT_CSS = """
    ReplyPicker { align: center bottom; }
    ReplyPicker > #picker {
        width: 90%; max-width: 110; height: auto; max-height: 22;
        border: round $accent; background: $panel; padding: 0 1; margin-bottom: 7;
    }
    ReplyPicker #picker-groups { height: 1; color: $text-muted; }
    ReplyPicker #picker-query { border: none; height: 1; padding: 0; }
    ReplyPicker #picker-list { height: auto; max-height: 10; border: none; padding: 0; }
    ReplyPicker #picker-preview { height: auto; max-height: 4; color: $text; background: $boost; }
    ReplyPicker #picker-help { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "关闭", id="picker.close"),
        Binding("down", "move(1)", "下一条", show=False, priority=True),
        Binding("up", "move(-1)", "上一条", show=False, priority=True),
        Binding("tab", "group(1)", "下个分组", priority=True, id="picker.group_next"),
        Binding("shift+tab", "group(-1)", "上个分组", priority=True, id="picker.group_prev"),
        Binding("ctrl+s,alt+s", "pick(True)", "直接发送", priority=True, id="picker.send"),
    ]

    def __init__(self, index: ReplyIndex, usage: Mapping[str, int], values: Mapping[str, str | None], *,
                 query: str = "", from_slash: bool = False):
        super().__init__()
        self.index, self.usage, self.values = index, dict(usage), dict(values)
        self.groups = [ALL, *index.groups]
        self.group_at = 0
        self.from_slash = from_slash
        self.hits: list[Hit] = []
        self._initial = query
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text("快捷短语"), id="picker-groups")
            yield Input(self._initial, placeholder="代码 / 文字 / 拼音首字母（如 qsd）", id="picker-query")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-preview")
            yield Label("↑↓ 选择 · Enter 插入 · Ctrl+S 直接发送 · Tab 分组 · Esc 关闭", id="picker-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._show_groups()
        self.refresh_hits()

    # ---- search ----------------------------------------------------------------------------
    @property
    def group(self) -> str | None:
        return None if self.group_at == 0 else self.groups[self.group_at]

    @on(Input.Changed, "#picker-query")
    def _typed(self, event: Input.Changed) -> None:
        if self.from_slash and event.value.endswith(" ") and " " not in event.value.strip():
            # opened by "/": code + space picks that exact code, like /code + space in a draft
            p = self.index.get(event.value.strip()) if event.value.strip() else None
            if p is not None:
                self.dismiss(Pick(p, fill(p.text, self.values)))
                return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.refresh_hits, name="picker-search")

    def refresh_hits(self) -> None:
        """Search and refill the short list in place."""
        self._timer = None
        query = self.query_one(Input).value
        self.hits = self.index.search(query, self.usage, limit=LIMIT, group=self.group)
        options = self.query_one(OptionList)
        options.clear_options()
        width = options.scrollable_content_region.width or min(int(self.size.width * 0.9), 110) - 4
        options.add_options([Option(self._row(h.phrase, width - 1), id=h.phrase.code) for h in self.hits])
        if self.hits:
            options.highlighted = 0
        self._show_preview()

    @staticmethod
    def _row(p: Phrase, width: int) -> Text:
        """``/code  title  text…`` on one line, cut with … at ``width`` cells."""
        head = f"/{p.code:<7} {truncate_cells(one_line(p.title), 16)}  "
        row = Text(truncate_cells(head, width), no_wrap=True)
        row.stylize("bold", 0, len(p.code) + 1)
        rest = width - cell_width(head)
        if rest > 1:
            row.append(truncate_cells(one_line(p.text.replace("{cursor}", "")), rest), style="dim")
        return row

    def _show_groups(self) -> None:
        """Group tabs, scrolled so the current one is visible even at 80 columns."""
        line = Text(no_wrap=True, overflow="ellipsis")
        first = max(0, self.group_at - 3)
        if first:
            line.append("… ", style="dim")
        for i, name in enumerate(self.groups[first:], start=first):
            line.append(f" {name} ", style="reverse bold" if i == self.group_at else "")
        self.query_one("#picker-groups", Label).update(line)

    def current(self) -> Phrase | None:
        i = self.query_one(OptionList).highlighted
        return self.hits[i].phrase if i is not None and 0 <= i < len(self.hits) else None

    def _show_preview(self) -> None:
        p = self.current()
        preview = self.query_one("#picker-preview", Static)
        if p is None:
            preview.update(Text("（没有匹配的短语）", style="dim"))
            return
        filled = fill(p.text, self.values)
        text = Text(filled.text)
        for name in filled.missing:
            text.highlight_words(["{" + name + "}"], style="bold red")
        if filled.missing:
            text.append("  ⚠ 未填: " + " ".join(filled.missing), style="yellow")
        preview.update(text)

    @on(OptionList.OptionHighlighted, "#picker-list")
    def _highlighted(self) -> None:
        self._show_preview()

    # ---- actions ---------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_group(self, step: int) -> None:
        self.group_at = (self.group_at + step) % len(self.groups)
        self._show_groups()
        self.refresh_hits()

    def action_pick(self, send: bool = False) -> None:
        if self._timer is not None:  # typed faster than the debounce: search now
            self._timer.stop()
            self.refresh_hits()
        p = self.current()
        if p is not None:
            self.dismiss(Pick(p, fill(p.text, self.values), send))

    @on(Input.Submitted, "#picker-query")
    def _enter(self) -> None:
        self.action_pick(False)

    @on(OptionList.OptionSelected, "#picker-list")
    def _clicked(self) -> None:
        self.action_pick(False)
