"""Money (金额): exact yuan amounts as ``Decimal`` with two places, rounded half-up.

Every amount in the product goes through this module: parsing what an agent or a CSV typed,
formatting for the screen, and the integer-fen form the store keeps.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from cs_console.domain.messages import UserError
from cs_console.domain.text import clean_text, truncate_cells

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("99999999.99")  # below 1 亿 yuan: every sum of lines still fits the store's fen
MAX_TEXT = 40  # characters of an amount as typed; anything longer is not an amount
# ASCII digits only (``\d`` would take full-width １２ and Arabic-Indic ٣), an optional sign,
# thousands separators only in groups of three, and any number of decimals (checked below)
_MONEY_RE = re.compile(r"([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.([0-9]*))?", re.ASCII)
_PREFIXES = ("¥", "￥", "RMB", "rmb", "元")


class MoneyError(UserError, ValueError):
    """An amount that cannot be read as yuan; the message says why."""


def quantize(value: Decimal | int) -> Decimal:
    """Round to fen (分), half-up (the default Decimal rounding is half-even)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def shown(text: object, limit: int = 24) -> str:
    """A user's input echoed in a message: control characters removed, cut short."""
    return truncate_cells(clean_text(str(text)).replace("\n", " "), limit)


def parse_money(text: str | Decimal | int, *, allow_negative: bool = False) -> Decimal:
    """Read an amount like ``59``, ``59.9``, ``¥1,299.00``; refuse ``12.3.4``, ``abc``, floats,
    ``0.001`` (three decimals), full-width or other non-ASCII digits, and amounts of 1 亿 or more.

    >>> parse_money("¥1,299.5")
    Decimal('1299.50')
    """
    if isinstance(text, float) or isinstance(text, bool):
        raise MoneyError("money.float")
    if isinstance(text, Decimal | int):
        if isinstance(text, Decimal) and not text.is_finite():
            raise MoneyError("money.invalid", text=shown(text))
        value = quantize(text) if abs(Decimal(text)) <= MAX_AMOUNT else None
        if value is None:
            raise MoneyError("money.too_large", text=shown(text), limit=MAX_AMOUNT)
    else:
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise MoneyError("money.invalid", text=shown(text))
        cleaned = text.strip()
        for prefix in _PREFIXES:
            cleaned = cleaned.removeprefix(prefix).removesuffix(prefix).strip()
        found = _MONEY_RE.fullmatch(cleaned)
        if not found or not (found.group(2) or found.group(3)):
            raise MoneyError("money.invalid", text=shown(text))
        sign, whole, decimals = found.group(1), found.group(2).replace(",", ""), found.group(3) or ""
        if len(decimals) > 2:
            raise MoneyError("money.too_many_decimals", text=shown(text))
        if len(whole.lstrip("0")) > 8:
            raise MoneyError("money.too_large", text=shown(text), limit=MAX_AMOUNT)
        value = quantize(Decimal(f"{sign}{whole or '0'}.{decimals or '0'}"))
    if value < 0 and not allow_negative:
        raise MoneyError("money.negative", text=shown(text))
    return value


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
