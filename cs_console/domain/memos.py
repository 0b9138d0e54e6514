"""The memo book's rules (备忘录): what it refuses, with the reason from the message catalogue."""

from __future__ import annotations

from cs_console.domain.messages import UserError


class MemoRefused(UserError, ValueError):
    """A memo the book does not take (empty text) or a move it refuses (promoted twice)."""


class MemoNotFound(UserError, LookupError):
    """No memo with that number among the agent's own (or no handover book to promote it to)."""
