"""The order flag's colours (旗帜) and their labels, without the flag conventions' pydantic
models (``domain/flags.py``): what a listing of orders needs to check ``--flag``."""

from __future__ import annotations

from enum import StrEnum


class FlagColour(StrEnum):
    GREY = "grey"
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PURPLE = "purple"

    @property
    def label(self) -> str:
        return COLOUR_LABELS[self]


COLOUR_LABELS: dict[FlagColour, str] = {
    FlagColour.GREY: "灰旗", FlagColour.RED: "红旗", FlagColour.YELLOW: "黄旗",
    FlagColour.GREEN: "绿旗", FlagColour.BLUE: "蓝旗", FlagColour.PURPLE: "紫旗",
}
# Terminal colours for the panel (rich colour names).
COLOUR_STYLES: dict[FlagColour, str] = {
    FlagColour.GREY: "grey50", FlagColour.RED: "red", FlagColour.YELLOW: "yellow",
    FlagColour.GREEN: "green", FlagColour.BLUE: "dodger_blue1", FlagColour.PURPLE: "magenta",
}
