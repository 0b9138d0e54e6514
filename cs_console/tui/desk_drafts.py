"""The open chat's draft between the composer, the local journal and the store.

Every keystroke goes into the journal (:mod:`cs_console.tui.draft_journal`); the store loop saves
the journal's drafts to the store after a short pause, or as soon as the store answers again.
A chat switched to gets its draft from the journal when it holds one, else from the store's copy
(the last session snapshot, then the chat's own read). :class:`DeskDrafts` keeps that bookkeeping
for the desk screen, which says which chat is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_console.tui.composer import Composer
    from cs_console.tui.draft_journal import DraftJournal


class DeskDrafts:
    """The drafts of the desk's chats: what the store holds, what the journal holds, and what is
    in the composer for the open chat."""

    def __init__(self, composer: Composer, journal: DraftJournal):
        self.composer, self.journal = composer, journal
        self._store_drafts: dict[int, tuple[str, int]] = {}  # what the store holds of my drafts
        self._loaded = ""  # the text put into the composer for the open chat

    def stored(self, drafts: tuple[tuple[int, str, int], ...]) -> None:
        """The store's copy of my drafts, from a session snapshot: (chat id, text, caret)."""
        self._store_drafts = {cid: (text, caret) for cid, text, caret in drafts}

    def of(self, chat_id: int) -> tuple[str, int]:
        """A chat's draft and caret: the journal's when it has one, else the store's."""
        pending = self.journal.get(chat_id)
        if pending is not None:
            return pending.text, pending.cursor
        return self._store_drafts.get(chat_id, ("", 0))

    def load(self, text: str, cursor: int) -> None:
        """Put a draft into the composer (the open chat's)."""
        self._loaded = text
        self.composer.set_draft(text, cursor)

    def capture(self, chat_id: int) -> None:
        """The composer's text is ``chat_id``'s draft: into the journal, unless it is what was
        loaded and nothing of it is pending."""
        composer = self.composer
        if not composer.is_attached:
            return
        text = composer.text
        if text == self._loaded and self.journal.get(chat_id) is None:
            return
        self.journal.put(chat_id, text, composer.cursor_offset)
        self._loaded = text

    def opened(self, chat_id: int, draft: tuple[str, int]) -> None:
        """The store's read of the chat just opened: its draft there. Loaded when someone else
        (a follow-up) wrote it since the last snapshot and the agent has typed nothing yet."""
        composer = self.composer
        pending = self.journal.get(chat_id)
        self._store_drafts[chat_id] = draft
        if pending is None and composer.text == self._loaded and draft[0] != composer.text:
            self.load(*draft)

    def sent(self, chat_id: int, text: str, shown: bool) -> None:
        """``text`` of ``chat_id``'s draft is stored as a message: what was typed after Enter is
        the next message's start. ``shown``: the chat is the open one (its draft in the composer)."""
        draft = self.composer.text if shown else self.of(chat_id)[0]
        rest = draft[len(text):] if draft.startswith(text) else draft
        self._store_drafts[chat_id] = ("", 0)  # the send cleared it in the store
        self.journal.put(chat_id, rest, len(rest))
        if shown:
            self.load("", 0)
            if rest:  # keys typed right after Enter, before the store answered
                self.composer.insert(rest)
                self._loaded = rest
