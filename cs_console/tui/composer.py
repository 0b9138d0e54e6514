"""The draft input (草稿): Enter sends, Ctrl+J / Alt+Enter (Esc Enter) insert a newline.

New-line keys are applied here, in the order the keys arrive, not by a binding: a binding
runs when the key has bubbled up to the app, after the characters typed behind it (``A``
Ctrl+J ``B`` typed quickly became ``AB`` + new line). Enter right after Esc is a new line:
that is how Alt+Enter arrives from a terminal that is slow to send its two bytes, so the key
that sends is never a near miss of the key that breaks a line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from cs_console.tui.keys import ALT_DIGIT_AS_SENT, NEWLINE_KEYS, InOrderBindings, is_command_key


@dataclass(frozen=True)
class Expansion:
    """What ``/code`` expands to: the text, the caret's offset in it, and what to do once it is in
    the draft (count the use, warn of unfilled placeholders)."""

    text: str
    caret: int
    applied: Callable[[], None] = lambda: None


class Composer(InOrderBindings, TextArea):
    """Multi-line draft for the current chat."""

    BINDINGS = [
        # shown in the footer; the keys themselves are applied in ``_on_key`` (see module doc)
        Binding(",".join(NEWLINE_KEYS), "newline", "换行", id="composer.newline"),
        Binding("tab", "tab_expand", "展开短语", show=False, id="composer.expand"),
    ]
    SLASH_CODE = re.compile(r"(?:^|(?<=\s))/([A-Za-z0-9_\-]{2,32})$")

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
        # ``/code`` + space/Tab expands in place: code → its Expansion, or None (read in a thread)
        self.expander: Callable[[str], Awaitable[Expansion | None]] | None = None
        self._after_escape = False  # the previous key in the draft was Esc

    async def _on_key(self, event: events.Key) -> None:
        after_escape, self._after_escape = self._after_escape, event.key == "escape"
        if event.key in NEWLINE_KEYS or (event.key == "enter" and after_escape):
            event.prevent_default()
            event.stop()
            self.action_newline()
            return
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
        if is_command_key(event.key, event.character):
            # Alt+letter from an ESC-prefix terminal carries its letter: a command key, never text.
            event.prevent_default()  # TextArea must not insert it; the event bubbles to the app's bindings
            return
        if event.key == "space" and await self.expand_code():
            event.prevent_default()
            event.stop()
            return
        if event.character == "/" and not self.text:
            self.post_message(self.SlashAtStart())
        await super()._on_key(event)

    def action_newline(self) -> None:
        start, end = sorted(self.selection)
        self._replace_placing_caret("\n", start, end, 1)

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

    def insert_at_cursor(self, text: str, caret: int | None = None) -> None:
        """Insert ``text`` at the caret (replacing a selection); the caret lands at ``caret`` in it."""
        start, end = sorted(self.selection)
        self._replace_placing_caret(text, start, end, len(text) if caret is None else caret)

    def _replace_placing_caret(self, text: str, start: tuple[int, int], end: tuple[int, int], caret: int) -> None:
        offset = self.document.get_index_from_location(start)
        self.replace(text, start, end)
        self.cursor_location = self.document.get_location_from_index(offset + caret)

    async def expand_code(self) -> bool:
        """Replace ``/code`` just before the caret with its phrase; False if there is none.

        The phrase is looked up and filled (from the store) in a thread. This widget handles its
        events one at a time, so the keys typed meanwhile wait in its queue and land after the
        phrase, in the order typed. A draft replaced meanwhile (another chat opened) keeps
        what it has: the phrase and the key that asked for it are dropped."""
        if self.expander is None or not self.selection.is_empty:
            return False
        row, col = self.cursor_location
        before = self.document.get_line(row)[:col]
        m = self.SLASH_CODE.search(before)
        if m is None:
            return False
        expansion = await self.expander(m.group(1))
        if expansion is None:
            return False
        if self.cursor_location != (row, col) or self.document.get_line(row)[:col] != before:
            return True
        self._replace_placing_caret(expansion.text, (row, m.start()), (row, col), expansion.caret)
        expansion.applied()
        return True

    async def action_tab_expand(self) -> None:
        """Tab: expand ``/code`` before the caret, else move focus as usual."""
        if not await self.expand_code():
            self.screen.focus_next()
