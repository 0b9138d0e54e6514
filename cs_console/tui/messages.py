"""Messages that side-panel tools send up to the app (kept light: no feature imports)."""

from __future__ import annotations

from textual.message import Message


class InsertIntoDraft(Message):
    """Insert ``text`` into the current chat's draft at the caret (the draft is saved as usual)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
