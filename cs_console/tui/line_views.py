"""A scroll view drawn line by line whose lines share the widget's style, taken once per pass."""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LineView(ScrollView):
    """``render_line`` reads :attr:`line_style`: the widget's style walks its ancestors' CSS, so it
    is computed once per render pass, not once per line."""

    _pass_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    @property
    def line_style(self) -> Style:
        return self._pass_style or self.rich_style
