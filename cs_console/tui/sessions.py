"""Session list (会话): every open chat, waiting ones first, coloured by first-response rules.

Each chat keeps the number (slot 1–9, Alt+1…9) it got when it joined the list until it leaves:
the list re-sorts after every reply, the numbers do not move with it."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from cs_console.domain.chat import ChatStatus, ChatSummary
from cs_console.domain.kpi import Thresholds, WaitLevel, classify_wait, format_wait
from cs_console.domain.text import display_line, truncate_cells
from cs_console.tui.line_views import LineView

LEVEL_STYLE = {
    WaitLevel.BEST: Style(color="green"),
    WaitLevel.STANDARD: Style(color="bright_green"),
    WaitLevel.SLOW: Style(color="yellow"),
    WaitLevel.WARNING: Style(color="dark_orange", bold=True),
    WaitLevel.BREACH: Style(color="white", bgcolor="red", bold=True),
}
ROW_HEIGHT = 2
SLOTS = 9  # Alt+1 … Alt+9
_ROWS_KEPT = 1024  # rendered lines kept (a screenful is ~40; a line is rendered again when it changes)


class SessionList(LineView):
    """Two lines per chat: ``● nick   wait  unread`` and a preview of the last message."""

    DEFAULT_CSS = """
    SessionList { background: $panel; }
    """

    class Selected(Message):
        """The agent picked a chat (click)."""

        def __init__(self, chat_id: int) -> None:
            super().__init__()
            self.chat_id = chat_id

    def __init__(self, thresholds: Thresholds, *, id: str | None = None):
        super().__init__(id=id)
        self.thresholds = thresholds
        self.chats: list[ChatSummary] = []
        self.current: int | None = None
        self.now: datetime | None = None
        self.slots: dict[int, int] = {}  # chat id → its Alt+digit number
        # rendered lines by what they show: a repaint (a switch, a scroll, the clock) renders
        # only the lines whose chat, wait text, number or highlight changed
        self._rows: dict[tuple, Strip] = {}

    def update_chats(self, chats: list[ChatSummary], now: datetime) -> None:
        self.chats, self.now = chats, now
        self._assign_slots()
        self.virtual_size = Size(self.size.width, len(chats) * ROW_HEIGHT)
        self._keep_current_visible()
        self.refresh()

    def tick(self, now: datetime) -> None:
        """Re-render wait timers (no store access): only the first lines of the rows on screen
        whose wait text or colour moved; nothing at all when none did."""
        before = {c.chat_id: self._wait_label(c) for c in self._visible_chats()}
        self.now = now
        first = self.scroll_offset.y // ROW_HEIGHT
        for i, chat in enumerate(self._visible_chats()):
            if self._wait_label(chat) != before[chat.chat_id]:
                self.refresh_line((first + i) * ROW_HEIGHT)

    def _visible_chats(self) -> list[ChatSummary]:
        _, scroll_y = self.scroll_offset
        first = scroll_y // ROW_HEIGHT
        return self.chats[first:first + self.size.height // ROW_HEIGHT + 2]

    def _wait_label(self, chat: ChatSummary) -> tuple[str, WaitLevel | None] | None:
        """What of a row moves with the clock: its wait text and level (None: no wait shown)."""
        if chat.waiting_since is None:
            return None
        waiting = chat.waiting_seconds(self.now or chat.opened_at)
        return format_wait(waiting), classify_wait(waiting, self.thresholds)

    def select(self, chat_id: int | None) -> None:
        """Highlight ``chat_id``: the rows of the previous and the new chat repaint (all rows
        when the list scrolls to keep it in view)."""
        previous, self.current = self.current, chat_id
        self._keep_current_visible()
        for cid in {previous, chat_id}:
            i = self.index_of(cid)
            if i is not None:
                self.refresh_lines(i * ROW_HEIGHT, ROW_HEIGHT)

    def _assign_slots(self) -> None:
        """Chats that left free their number; new chats take the lowest free one, in list order."""
        present = {c.chat_id for c in self.chats}
        self.slots = {cid: n for cid, n in self.slots.items() if cid in present}
        free = sorted(set(range(1, SLOTS + 1)) - set(self.slots.values()))
        for c in self.chats:
            if not free:
                break
            if c.chat_id not in self.slots:
                self.slots[c.chat_id] = free.pop(0)

    def chat_in_slot(self, n: int) -> int | None:
        """The chat Alt+``n`` goes to (None: no chat has that number)."""
        return next((cid for cid, slot in self.slots.items() if slot == n), None)

    def index_of(self, chat_id: int | None) -> int | None:
        for i, c in enumerate(self.chats):
            if c.chat_id == chat_id:
                return i
        return None

    def _keep_current_visible(self) -> None:
        i = self.index_of(self.current)
        if i is not None:
            self.scroll_to_region(Region(0, i * ROW_HEIGHT, 1, ROW_HEIGHT), animate=False, immediate=True)

    def row_text(self, chat: ChatSummary, width: int, slot: int | None) -> tuple[Text, Text]:
        """The two lines of one chat; ``slot`` is its Alt+digit number (public for tests)."""
        now = self.now or chat.opened_at
        waiting = chat.waiting_seconds(now)
        level = classify_wait(waiting, self.thresholds) if chat.waiting_since else None
        glyph = "●" if chat.status == ChatStatus.WAITING else "○"
        num = f"{slot}" if slot is not None else " "
        right = ""
        if chat.waiting_since is not None:
            right = format_wait(waiting)
        if chat.unread:
            right += f" {chat.unread:>2}"
        left_room = max(4, width - cell_len(right) - 5)
        nick = truncate_cells(display_line(chat.buyer_nick), left_room)
        pad = " " * max(1, width - 4 - cell_len(nick) - cell_len(right))
        style = LEVEL_STYLE[level] if level else Style(dim=True)
        line1 = Text.assemble((num + " ", "bright_black"), (glyph + " ", style), (nick, ""), pad, (right, style))
        line2 = Text("    " + truncate_cells(display_line(chat.preview), max(4, width - 5)), style="bright_black")
        return line1, line2

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        row, sub = divmod(y + scroll_y, ROW_HEIGHT)
        width = self.size.width
        style = self.line_style
        if row >= len(self.chats):
            return Strip.blank(width, style)
        chat = self.chats[row]
        slot = self.slots.get(chat.chat_id)
        current = chat.chat_id == self.current
        # the clock moves only the first line (the wait); the preview line stays as it was
        key = (sub, chat, width, slot, current, self._wait_label(chat) if sub == 0 else None, style)
        strip = self._rows.get(key)
        if strip is None:
            if len(self._rows) >= _ROWS_KEPT:
                self._rows.clear()
            strip = self._rows[key] = self._render_line(chat, width, slot, current, style, sub)
        return strip

    def _render_line(self, chat: ChatSummary, width: int, slot: int | None, current: bool,
                     style: Style, sub: int) -> Strip:
        line = self.row_text(chat, width, slot)[sub]
        base = style
        if current:
            base = base + Style(bgcolor="grey23", bold=sub == 0)
        segments = list(line.render(self.app.console))
        strip = Strip(segments).apply_style(base) if segments else Strip([])
        return strip.crop_extend(0, width, base)

    def on_click(self, event) -> None:
        row = (event.y + int(self.scroll_y)) // ROW_HEIGHT
        if 0 <= row < len(self.chats):
            self.post_message(self.Selected(self.chats[row].chat_id))
