"""The desk's header: Textual's header whose title line never asks for a layout pass.

Textual's header updates its title with ``Static.update``, which lays the whole screen out
again. The title line has a fixed size (one row, the header's full width, no wrapping), so what
it says (the agent's presence, the store's ⚠ status) never moves another widget: a change
repaints that line only.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.visual import VisualType
from textual.widgets import Header
from textual.widgets._header import HeaderClockSpace, HeaderIcon, HeaderTitle


class FixedTitle(HeaderTitle):
    """The header's title line: its size never depends on its text."""

    def update(self, content: VisualType = "", *, layout: bool = False) -> None:
        super().update(content, layout=layout)


class DeskHeader(Header):
    """The header without a clock (the machine's zone may not be the shop's; times show in the
    shop's), with a :class:`FixedTitle`."""

    def __init__(self) -> None:
        super().__init__(show_clock=False)

    def compose(self) -> ComposeResult:
        yield HeaderIcon().data_bind(Header.icon)
        yield FixedTitle()
        yield HeaderClockSpace()
