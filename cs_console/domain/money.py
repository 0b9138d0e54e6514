"""Money (金额): exact yuan amounts as ``Decimal`` with two places, rounded half-up.

Every amount in the product goes through this module: parsing what an agent or a CSV typed,
formatting for the screen, and the integer-fen form the store keeps.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from cs_console.domain.messages import UserError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_MONEY_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class MoneyError(UserError, ValueError):
    """An amount that cannot be read as yuan."""


def quantize(value: Decimal | int) -> Decimal:
    """Round to fen (分), half-up (the default Decimal rounding is half-even)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str | Decimal | int, *, allow_negative: bool = False) -> Decimal:
    """Read an amount like ``59``, ``59.9``, ``¥1,299.00``; refuse ``12.3.4``, ``abc``, floats.

    >>> parse_money("¥1,299.5")
    Decimal('1299.50')
    """
    if isinstance(text, float):  # pragma: no cover - defensive: floats never enter
        raise MoneyError("amounts must not be floats")
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        cleaned = text.strip().replace(",", "").replace("，", "")
        for prefix in ("¥", "￥", "RMB", "元"):
            cleaned = cleaned.removeprefix(prefix).removesuffix(prefix)
        cleaned = cleaned.strip()
        if not _MONEY_RE.match(cleaned):
            raise MoneyError(f"不是有效金额: {text!r}")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:  # pragma: no cover - regex already guards
            raise MoneyError(f"不是有效金额: {text!r}") from exc
    if not value.is_finite():
        raise MoneyError(f"不是有效金额: {text!r}")
    if value < 0 and not allow_negative:
        raise MoneyError(f"金额不能为负: {text!r}")
    return quantize(value)


def format_money(value: Decimal, *, symbol: bool = True) -> str:
    """``Decimal('17')`` → ``¥17.00`` (or ``17.00`` without the symbol)."""
    text = f"{quantize(value):.2f}"
    if not symbol:
        return text
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"


def to_fen(value: Decimal) -> int:
    """Yuan → integer fen, the store's exact form."""
    return int(quantize(value) * 100)


def from_fen(fen: int) -> Decimal:
    """Integer fen → yuan with two places."""
    return (Decimal(fen) / 100).quantize(CENT)
