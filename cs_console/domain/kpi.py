"""Response-time KPIs (首次响应): classify how long a buyer has waited.

DOMAIN.md: best within 20 s; standard 30 s (or 60 s in another manual); over 60 s more than 3
times a day, or once over 200 s / no answer at all, costs the month's bonus.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class WaitLevel(StrEnum):
    """How a wait compares with the shop's first-response thresholds."""

    BEST = "best"  # ≤ best
    STANDARD = "standard"  # ≤ standard
    SLOW = "slow"  # > standard, ≤ warning
    WARNING = "warning"  # > warning, ≤ breach
    BREACH = "breach"  # > breach


class Thresholds(Protocol):
    """First-response thresholds in seconds (``domain.shop.ResponseThresholds``)."""

    best: int
    standard: int
    warning: int
    breach: int
    warnings_allowed_per_day: int


def classify_wait(seconds: float, t: Thresholds) -> WaitLevel:
    """Level of a wait of ``seconds`` (a live wait or a recorded first response)."""
    if seconds <= t.best:
        return WaitLevel.BEST
    if seconds <= t.standard:
        return WaitLevel.STANDARD
    if seconds <= t.warning:
        return WaitLevel.SLOW
    if seconds <= t.breach:
        return WaitLevel.WARNING
    return WaitLevel.BREACH


def bonus_at_risk(first_responses: list[float | None], t: Thresholds) -> bool:
    """True if a day's first responses cost the bonus: > warning more than allowed, or any
    breach, or any buyer with no answer at all (``None``)."""
    over_warning = 0
    for s in first_responses:
        if s is None or s > t.breach:
            return True
        if s > t.warning:
            over_warning += 1
    return over_warning > t.warnings_allowed_per_day


def format_wait(seconds: float) -> str:
    """``75`` → ``1:15``; ``3725`` → ``1:02:05``."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
