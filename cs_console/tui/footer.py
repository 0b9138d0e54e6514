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
    """A compact footer that never shows a hint cut in half.

    Textual's footer rebuilds all its key widgets whenever any widget refreshes its bindings
    (every list reload, every focus move), which on a busy desk is several times a second and
    makes the process grow. This one rebuilds only when the hints it would show differ."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)  # 命令 (Ctrl+P) is an app key
        self._hints: tuple | None = None  # what the key widgets show now

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    def shown_hints(self) -> tuple:
        """Everything of the screen's active bindings that the key widgets show."""
        return tuple((b.action, b.key, self.app.get_key_display(b), b.description, enabled, tooltip,
                      b.group.description if b.group else None)
                     for (_node, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        hints = self.shown_hints()
        if hints != self._hints:
            self._hints = hints
            await self.recompose()

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
