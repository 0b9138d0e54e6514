"""Transcript of one chat: a Line-API scroll view that renders only the visible lines.

Messages are wrapped once per width and cached; the chat pane keeps a recent window of
messages and asks for older ones (``NeedOlder``) when the agent scrolls to the top.

Lines are wrapped by terminal cells (rich) to the width left of the scrollbar, whose gutter is
always reserved: a scrollbar that appears later never hides the last character of a line.
While the agent is at the bottom the view follows new messages, also when the pane is resized
or the side panel opens; scrolled up, it stays put and the bottom line says ``N 条新消息 ↓``
(End or a click there jumps down). The agent's own replies always bring the view down.
"""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from cs_console.domain.chat import MessageView, Sender
from cs_console.domain.clock import local
from cs_console.domain.gateway import STATUS_LABEL, DeliveryStatus
from cs_console.domain.text import display_text
from cs_console.tui.line_views import LineView

_HEAD = {
    Sender.BUYER: Style(color="cyan", bold=True),
    Sender.AGENT: Style(color="green", bold=True),
    Sender.SYSTEM: Style(color="bright_black", italic=True),
}
_TIME = Style(color="bright_black")
_SYSTEM_BODY = Style(color="bright_black", italic=True)
_STATUS = {DeliveryStatus.SENT: Style(color="bright_black"), DeliveryStatus.DELIVERED: Style(color="green"),
           DeliveryStatus.READ: Style(color="green", bold=True), DeliveryStatus.FAILED: Style(color="red", bold=True)}


def status_text(m: MessageView) -> Text:
    """' · 已送达' / ' · 失败：reason' after an outbound channel message's head (empty otherwise)."""
    if not m.status:
        return Text("")
    st = DeliveryStatus(m.status)
    return Text.assemble((" · ", _TIME), (STATUS_LABEL[st], _STATUS[st]))


def failure_text(m: MessageView) -> Text | None:
    """The reason a delivery failed, as its own line under the message (wraps when long)."""
    if m.status != DeliveryStatus.FAILED:
        return None
    return Text(f"发送失败：{m.error or '未知原因'}（命令面板：重发失败的消息）", style=_STATUS[DeliveryStatus.FAILED])
_NEW_BELOW = Style(color="black", bgcolor="yellow", bold=True)


class Transcript(LineView, can_focus=True):
    """Scrollable, virtualised message list (buyer text rendered literally, never as markup)."""

    DEFAULT_CSS = """
    Transcript { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    """

    class NeedOlder(Message):
        """The agent scrolled to the top and older messages exist."""

    def __init__(self, *, timezone: str = "Asia/Shanghai", id: str | None = None):
        super().__init__(id=id)
        self.timezone = timezone
        self.messages: list[MessageView] = []
        self.buyer = ""
        self.has_older = False
        self._lines: list[Strip] = []
        self._cache: dict[tuple, list[Strip]] = {}
        self._width = 0
        self._first = 0  # messages[_first:] are laid out; older loaded ones wait until scrolled to
        self.following = True  # at the bottom: new lines scroll into view
        self.unseen = 0  # messages that arrived below while the agent was scrolled up

    # ---- content ------------------------------------------------------------------------------
    def show(self, buyer: str, messages: list[MessageView], has_older: bool) -> None:
        """Replace the content with a chat's recent window and scroll to the newest message."""
        self.buyer, self.messages, self.has_older = buyer, list(messages), has_older
        self._cache.clear()
        self._first = len(self.messages)
        self.following, self.unseen = True, 0
        self._relayout()

    def append(self, messages: list[MessageView]) -> None:
        """New messages at the bottom; follow them if the agent is at the bottom, else count them."""
        known = {m.id for m in self.messages[-len(messages) - 5:]}
        new = [m for m in messages if m.id not in known]
        if not new:
            return
        self.messages.extend(new)
        if any(m.sender == Sender.AGENT for m in new):
            self.following = True  # a reply was sent here: show it
        if not self.following:
            self.unseen += sum(1 for m in new if m.sender != Sender.AGENT)
        self._relayout()

    def jump_to_end(self) -> None:
        """End / a click on ``N 条新消息 ↓``: the newest line, and follow from now on."""
        self.following, self.unseen = True, 0
        self._follow_end()
        self.refresh()

    def update_statuses(self, statuses: dict[int, tuple[str, str]]) -> None:
        """Delivery status of outbound messages changed (已发送 → 已送达 / 失败 / 已读)."""
        changed = False
        for i, m in enumerate(self.messages):
            new = statuses.get(m.id)
            if new is not None and new != (m.status, m.error):
                self.messages[i] = replace(m, status=new[0], error=new[1])
                changed = True
        if changed:
            self._relayout()

    def _follow_end(self) -> None:
        """Show the newest line now, and again once the new height is laid out (the scroll
        range is only known after the next layout)."""
        self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(self._follow_end_if_following)

    def _follow_end_if_following(self) -> None:
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    def prepend(self, messages: list[MessageView], has_older: bool) -> None:
        """Older messages on top, keeping the visible lines where they are."""
        self.has_older = has_older
        if not messages:
            return
        before = len(self._lines)
        self.messages[:0] = messages
        self._first += len(messages)
        self._relayout(more=True)
        self.scroll_to(y=self.scroll_y + len(self._lines) - before, animate=False, immediate=True)

    def plain_lines(self) -> list[str]:
        """The laid-out transcript as plain text lines (tests, copy)."""
        return [strip.text for strip in self._lines]

    # ---- layout -------------------------------------------------------------------------------
    def _render_message(self, m: MessageView, width: int) -> list[Strip]:
        key = (m.id, width, m.status, m.error)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        console = self.app.console
        options = console.options.update_width(max(4, width - 2))
        when = local(m.created_at, self.timezone).strftime("%H:%M:%S")
        who = {Sender.BUYER: self.buyer, Sender.AGENT: m.author or "客服", Sender.SYSTEM: "系统"}[m.sender]
        head = Text.assemble((when + " ", _TIME), (display_text(who), _HEAD[m.sender]), status_text(m))
        head.truncate(options.max_width, overflow="ellipsis")
        body = Text(display_text(m.text), style=_SYSTEM_BODY if m.sender == Sender.SYSTEM else "")
        strips = [Strip(console.render_lines(head, options, pad=False)[0])]
        for line in console.render_lines(body, options, pad=False):
            strips.append(Strip([Segment("  "), *line]))
        if (failure := failure_text(m)) is not None:
            strips.extend(Strip([Segment("  "), *line]) for line in console.render_lines(failure, options, pad=False))
        strips.append(Strip.blank(0))
        self._cache[key] = strips
        return strips

    def _relayout(self, more: bool = False) -> None:
        """Lay out the newest messages, enough for two screens (``more``: one screen further up).

        Only laid-out messages cost rendering; a chat switch lays out a screenful or two, not the
        whole window."""
        width = max(10, self.scrollable_content_region.width or self.size.width or 80)
        self._width = width
        need = max(20, (self.size.height or 40) * 2)
        laid = sum(len(self._render_message(m, width)) for m in self.messages[self._first:])
        target = laid + need if more else need
        self._first = min(self._first, len(self.messages))
        while self._first > 0 and laid < target:
            self._first -= 1
            laid += len(self._render_message(self.messages[self._first], width))
        lines: list[Strip] = []
        if self._first > 0 or self.has_older:
            lines.append(Strip([Segment("  ↑ 更早的消息（滚动到顶部或按 Home 加载）", _TIME)]))
        for m in self.messages[self._first:]:
            lines.extend(self._render_message(m, width))
        self._lines = lines
        self._set_virtual_size(Size(width, len(lines)))
        if self.following:
            self._follow_end()
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The scroll range of the new lines, known at once (scrolling to the end needs it). The
        pane's size does not depend on it: only when the scrollbar appears or goes (its gutter
        is reserved either way) does the screen need a layout pass; otherwise the scrollbar and
        the lines repaint."""
        shown = self.show_vertical_scrollbar
        self.set_reactive(LineView.virtual_size, size)
        self._scroll_update(size)
        if self.show_vertical_scrollbar != shown:
            self.refresh(layout=True)

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._relayout()
        elif self.following:
            self._follow_end()  # taller or shorter: the newest line stays at the bottom

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width or self.size.width
        style = self.line_style
        if self.unseen and y == self.scrollable_content_region.height - 1:
            label = Text(f" {self.unseen} 条新消息 ↓  End ", style=_NEW_BELOW)
            label.align("right", width)
            return Strip(label.render(self.app.console)).crop_extend(0, width, style)
        index = y + scroll_y
        if index >= len(self._lines):
            return Strip.blank(width, style)
        return self._lines[index].crop_extend(scroll_x, scroll_x + width, style)

    def _reveal_older(self) -> None:
        """At the top: lay out more of the loaded messages, else ask the store for older ones."""
        if self._first > 0:
            before = len(self._lines)
            self._relayout(more=True)
            self.scroll_to(y=self.scroll_y + len(self._lines) - before, animate=False, immediate=True)
        elif self.has_older:
            self.post_message(self.NeedOlder())

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.following = new >= self.max_scroll_y - 1
        if self.following and self.unseen:
            self.unseen = 0
            self.refresh()
        if new <= 0 < old:
            self.call_after_refresh(self._reveal_older)  # not from inside the scroll watcher

    def key_end(self) -> None:
        self.jump_to_end()

    def on_click(self, event) -> None:
        if self.unseen and event.y == self.scrollable_content_region.height - 1:
            self.jump_to_end()

    def key_home(self) -> None:
        if self.scroll_y <= 0:
            self._reveal_older()
        else:
            self.scroll_home(animate=False)
