"""Opening the store while the agent signs in.

The sign-in screen is the TUI's first frame; a worker thread opens the store (and does the heavy
imports) behind it while the agent types. :class:`DeskOpening` is what both share: the worker
calls :meth:`DeskOpening.get` right after the first frame, and so does the sign-in check when the
agent presses Enter — it waits for an opening under way, or tries again after one that failed
(a locked or unreachable store that has come back).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cs_console.services.desk import Desk


class DeskOpening:
    """The desk once its store is open; opened at most once successfully, by whoever asks first."""

    def __init__(self, open_desk: Callable[[], Desk] | None = None, *, desk: Desk | None = None):
        self._open = open_desk
        self._lock = threading.Lock()
        self.desk: Desk | None = desk

    @classmethod
    def of(cls, desk: Desk) -> DeskOpening:
        """An opening that is already done (a desk handed in, or open since the start)."""
        return cls(desk=desk)

    def get(self) -> Desk:
        """The open desk (opening the store now if nobody has yet); raises what opening raised."""
        if self.desk is not None:
            return self.desk
        with self._lock:  # a second caller waits for the first one's try, then sees its desk
            if self.desk is None:
                self.desk = self._open()
            return self.desk


def prepared_store(desk: Desk) -> tuple[Desk, Any] | None:
    """The store loop's own desk on a pinned connection and its change watcher, opened ahead
    (in a worker thread while the agent signs in, so the first session list does not wait for
    them). SQLite only: a PostgreSQL store is reached as the agent's login once signed in."""
    if not desk.store.is_sqlite:
        return None
    from cs_console.services.desk import Desk
    from cs_console.store.changes import watch_others

    pinned = Desk(desk.store.pinned(), desk.policy, desk.clock)
    try:
        return pinned, watch_others(pinned.store)
    except Exception:  # noqa: BLE001 - the loop opens its own and reports what is wrong
        pinned.close()
        return None
