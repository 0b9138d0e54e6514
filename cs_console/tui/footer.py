"""The footer: as many key hints as fit, whole, most important first.

Textual's footer lays every shown binding out in one row and clips the rest, which at 80 (and
even 120) columns cut hints in the middle of a Chinese word, half a glyph included. This
footer measures the hints and shows only those that fit entirely: the essential keys first
(new line, quit, palette, quick replies, next chat …), then the others in Textual's order
(the focused widget's keys before the app's). Every key is still in the palette (Ctrl+P) and
in the README.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Actions whose hints are kept first, in this order, whatever has the keyboard.
ESSENTIAL = (
    "newline", "quit", "command_palette", "open_replies", "next_chat", "longest_wait",
    "toggle_side", "open_orders",
)


def hint_width(key: FooterKey) -> int:
    """Cells one compact hint takes: key, space, description, and the footer's margin."""
    text = key.key_display + (" " + key.description if key.description else "")
    return cell_len(text) + 1


class DeskFooter(Footer):
    """A compact footer that never shows a hint cut in half."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)  # 命令 (Ctrl+P) is an app key

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        keys = list(self.query(FooterKey))
        room = self.size.width or self.app.size.width

        def rank(k: FooterKey) -> int:
            return ESSENTIAL.index(k.action) if k.action in ESSENTIAL else len(ESSENTIAL)

        shown: set[int] = set()
        for key in sorted(keys, key=rank):  # stable: Textual's order within a rank
            width = hint_width(key)
            if width <= room:
                shown.add(id(key))
                room -= width
        for key in keys:
            key.display = id(key) in shown
