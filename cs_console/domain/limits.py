"""Lengths the store can hold, checked before a write so an over-long value is a clear refusal
(PostgreSQL would raise ``value too long for type character varying(64)`` mid-transaction;
SQLite would silently keep it and break the other backend on sync)."""

from __future__ import annotations

from cs_console.domain.messages import UserError

MAX_AGENT_NAME = 64
MAX_BUYER_NICK = 128
MAX_MESSAGE = 20_000  # characters of one chat message (a 1 MB paste is refused, not stored)


class ValueRefused(UserError, ValueError):
    """An empty or over-long value; the message names what and the limit."""


def check_length(value: str, what: str, limit: int) -> str:
    if len(value) > limit:
        raise ValueRefused("text.too_long", what=what, limit=limit, length=len(value))
    return value


def check_message(text: str) -> str:
    """A chat message: not blank, not longer than :data:`MAX_MESSAGE`."""
    if not text.strip():
        raise ValueRefused("text.empty", what="消息")
    return check_length(text, "消息", MAX_MESSAGE)
