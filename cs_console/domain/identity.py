"""Who is acting: the signed-in agent (principal), how agents sign in, and the pure rules of
sign-in (rate limit after wrong passwords, session expiry, supervisor-only actions).

No I/O here: hashing lives in ``services/identity.py`` (argon2), storage in ``store/identity.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cs_console.domain.messages import UserError
from cs_console.domain.team import is_supervisor


class SignInMethod(StrEnum):
    """How agents prove who they are (the shop's choice in ``data/shop.yaml`` → ``identity``)."""

    PASSWORD = "password"  # name + password (argon2 hash in the store)
    OS_ACCOUNT = "os_account"  # the operating-system account on a shared PC is the agent


class Via(StrEnum):
    """How a principal was authenticated (kept on the session row, shown nowhere as a secret)."""

    PASSWORD = "password"
    OS_ACCOUNT = "os_account"
    TOKEN = "token"  # a per-agent script/bridge token
    DEMO = "demo"  # the demo signs its own demo agents in


class IdentitySettings(BaseModel):
    """``identity`` in ``data/shop.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    method: SignInMethod = Field(SignInMethod.PASSWORD, description="password or os_account")
    session_hours: float = Field(12, gt=0, le=24 * 31, description="a sign-in lasts this long")
    token_days: float = Field(90, gt=0, le=3650, description="a script token lasts this long")
    max_failures: int = Field(5, ge=1, le=100, description="wrong passwords in a row before a lock-out")
    lockout_seconds: int = Field(300, ge=1, description="first lock-out; it doubles with every further failure")
    min_password_length: int = Field(8, ge=4, le=128, description="shortest password accepted")


class SignInRefused(UserError, PermissionError):
    """Sign-in failed or an action needs more authority; the message says why in Chinese."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated agent. Services take this, never a typed-in name."""

    agent_id: int
    name: str
    role: str
    via: Via = Via.PASSWORD
    session_id: int | None = None

    @property
    def is_supervisor(self) -> bool:
        return is_supervisor(self.role)

    def __str__(self) -> str:  # audit rows and messages show the name
        return self.name


def lockout_until(failures: int, last_failure: datetime, settings: IdentitySettings) -> datetime | None:
    """After ``max_failures`` wrong passwords in a row the account waits; each further failure
    doubles the wait (capped at a day). None: not locked."""
    if failures < settings.max_failures:
        return None
    doublings = min(failures - settings.max_failures, 10)
    wait = min(settings.lockout_seconds * (2 ** doublings), 24 * 3600)
    return last_failure + timedelta(seconds=wait)


def check_not_locked(failures: int, last_failure: datetime | None, now: datetime,
                     settings: IdentitySettings) -> None:
    until = lockout_until(failures, last_failure, settings) if last_failure else None
    if until is not None and now < until:
        wait = int((until - now).total_seconds()) + 1
        raise SignInRefused("signin.locked", seconds=wait)


def check_password_rule(password: str, settings: IdentitySettings) -> str:
    if len(password) < settings.min_password_length:
        raise SignInRefused("signin.password_too_short", length=settings.min_password_length)
    if password.strip() != password or not password.isprintable():
        raise SignInRefused("signin.password_bad_characters")
    return password


def require_supervisor(who: Principal, what: str) -> None:
    """Supervisor actions (approving hang-ups, creating agents and roles) need a supervisor."""
    if not who.is_supervisor:
        raise SignInRefused("signin.needs_supervisor", what=what, name=who.name)


def is_expired(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at
