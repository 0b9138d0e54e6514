"""Response-time KPIs (首次响应): classify how long a buyer has waited.

DOMAIN.md: best within 20 s; standard 30 s (or 60 s in another manual); over 60 s more than 3
times a day, or once over 200 s / no answer at all, costs the month's bonus.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class WaitLevel(StrEnum):
    """How a wait compares with the shop's first-response thresholds."""

    BEST = "best"  # ≤ best
    STANDARD = "standard"  # ≤ standard
    SLOW = "slow"  # > standard, ≤ warning
    WARNING = "warning"  # > warning, ≤ breach
    BREACH = "breach"  # > breach


class ResponseThresholds(BaseModel):
    """First-response thresholds in seconds (``data/shop.yaml`` → ``response``)."""

    best: int = Field(20, ge=1, description="best response, seconds")
    standard: int = Field(30, ge=1, description="the shop's standard, seconds (30 or 60)")
    warning: int = Field(60, ge=1, description="over this counts towards the bonus rule")
    breach: int = Field(200, ge=1, description="one wait over this costs the bonus")
    warnings_allowed_per_day: int = Field(3, ge=0, description="waits over `warning` tolerated a day")

    @model_validator(mode="after")
    def _ordered(self) -> ResponseThresholds:
        if not (self.best <= self.standard <= self.warning <= self.breach):
            raise ValueError("thresholds must satisfy best ≤ standard ≤ warning ≤ breach")
        return self


def classify_wait(seconds: float, t: ResponseThresholds) -> WaitLevel:
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


def bonus_at_risk(first_responses: list[float | None], t: ResponseThresholds) -> bool:
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
