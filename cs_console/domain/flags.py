"""Flags (旗帜) and their meanings: both DOMAIN.md conventions, as data (``data/flags.yaml``).

An order has one flag colour plus a remark; grey means "no flag". A convention gives each
colour a meaning and a direction (who tells whom). A colour a convention does not define is
refused — so the alternative convention's fake-order green (刷单) cannot be set, and a
convention that tries to define a fake-order meaning is rejected when the file is loaded.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cs_console.domain.flag_colours import COLOUR_LABELS, COLOUR_STYLES, FlagColour  # noqa: F401  re-exported
from cs_console.domain.money import shown
from cs_console.domain.orders import OrderRefused

_FAKE_ORDER_WORDS = ("刷单", "假单", "虚假", "补单", "fake")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlagMeaning(_Strict):
    meaning: str = Field(min_length=1)
    direction: str = ""

    @field_validator("meaning")
    @classmethod
    def _no_fake_orders(cls, v: str) -> str:
        if any(w in v.lower() for w in _FAKE_ORDER_WORDS):
            raise ValueError("刷单/假单违反平台规则（fake orders），不支持这个含义")
        return v


class FlagConvention(_Strict):
    label: str
    colours: dict[FlagColour, FlagMeaning]

    @model_validator(mode="after")
    def _no_grey(self) -> FlagConvention:
        if FlagColour.GREY in self.colours:
            raise ValueError("灰旗表示没有旗帜，不能有含义")
        return self

    def meaning(self, colour: FlagColour | str) -> str:
        """What a colour means here ('' for grey or an undefined colour)."""
        try:
            m = self.colours.get(FlagColour(colour))
        except ValueError:
            return ""
        return m.meaning if m else ""

    def check(self, colour: str) -> FlagColour:
        """The colour an agent may set, or OrderRefused."""
        try:
            c = FlagColour(colour.strip().lower())
        except ValueError:
            raise OrderRefused("flag.unknown_colour", colour=shown(colour), choices=self._choices()) from None
        if c == FlagColour.GREY:
            raise OrderRefused("flag.grey")
        if c not in self.colours:
            raise OrderRefused("flag.undefined", colour=c.label, convention=self.label, choices=self._choices())
        return c

    def _choices(self) -> str:
        return "、".join(f"{c.value}（{c.label}）" for c in self.colours)


class FlagConventions(_Strict):
    """``data/flags.yaml``."""

    conventions: dict[str, FlagConvention]

    def get(self, name: str) -> FlagConvention:
        try:
            return self.conventions[name]
        except KeyError:
            raise OrderRefused("flag.unknown_convention", name=shown(name), choices="、".join(self.conventions)) from None


DEFAULT_CONVENTION = "warehouse"
