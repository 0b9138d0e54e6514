"""The draft input (草稿): Enter sends, Ctrl+J / Alt+Enter insert a newline."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from cs_console.tui.keys import ALT_DIGIT_AS_SENT


class Composer(TextArea):
    """Multi-line draft for the current chat."""

    BINDINGS = [
        Binding("ctrl+j,alt+enter,shift+enter", "newline", "换行", id="composer.newline"),
    ]

    class Submitted(Message):
        """The agent pressed Enter: send the draft."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class NthChat(Message):
        """Alt+N arrived as a character (see ``tui.keys``): jump to the N-th chat."""

        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

    class SlashAtStart(Message):
        """``/`` typed into an empty draft (opens the quick-reply picker)."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         placeholder="输入消息，Enter 发送，Ctrl+J 换行")

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.prevent_default()
            event.stop()
            self.post_message(self.Submitted(self.text))
            return
        if event.key in ALT_DIGIT_AS_SENT:  # Alt+digit from an ESC-prefix terminal: a switch, not text
            event.stop()
            event.prevent_default()
            self.post_message(self.NthChat(ALT_DIGIT_AS_SENT.index(event.key) + 1))
            return
        if event.key.startswith("alt+") and len(event.key) == 5 and event.character:
            # Alt+letter from an ESC-prefix terminal carries its letter: a command key, never text.
            event.prevent_default()  # TextArea must not insert it; the event bubbles to the app's bindings
            return
        if event.character == "/" and not self.text:
            self.post_message(self.SlashAtStart())
        await super()._on_key(event)

    def action_newline(self) -> None:
        self.insert("\n")

    @property
    def cursor_offset(self) -> int:
        """Caret position as a character offset into ``text``."""
        row, col = self.cursor_location
        lines = self.text.split("\n")
        return sum(len(line) + 1 for line in lines[:row]) + col

    def set_draft(self, text: str, offset: int) -> None:
        """Load a saved draft and put the caret where it was."""
        self.load_text(text)
        offset = max(0, min(offset, len(text)))
        before = text[:offset].split("\n")
        self.cursor_location = (len(before) - 1, len(before[-1]))
