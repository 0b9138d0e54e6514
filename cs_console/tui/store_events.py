"""What the desk's widgets hear from the store.

The app owns one ``Signal[StoreChange]`` (``app.store_changes``). It is published on the event
loop whenever the store loop saw a commit (another agent, the CLI, a gateway, this app's own
writes). A widget that shows store data subscribes in ``on_mount``::

    self.app.store_changes.subscribe(self, self._store_changed)

and re-reads in a thread worker (never on the event loop); a widget that is not on screen only
marks itself stale and reads when it is shown again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreChange:
    """One batch of commits seen by the store loop; ``seq`` grows by one per batch."""

    seq: int
