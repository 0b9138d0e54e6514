"""What the desk's store loop publishes: immutable snapshots of what it read, and the two
messages that carry them (and the results of the agent's actions) to the event loop.

The loop (:mod:`cs_console.tui.store_loop`) builds them in its thread; the app and the desk
screen only read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from cs_console.domain.chat import ChatSummary, MessageView
from cs_console.domain.store_health import Health


@dataclass(frozen=True, slots=True)
class Sessions:
    """The session list and what goes with it, read after a change."""

    chats: tuple[ChatSummary, ...]
    queue: int
    drafts: tuple[tuple[int, str, int], ...]  # (chat id, text, caret) the store holds for me
    role: str
    status: str


@dataclass(frozen=True, slots=True)
class ChatOpened:
    """The window of a chat the agent switched to, and its draft in the store."""

    chat_id: int
    summary: ChatSummary
    messages: tuple[MessageView, ...]
    has_older: bool
    draft: tuple[str, int]


@dataclass(frozen=True, slots=True)
class NewMessages:
    chat_id: int
    messages: tuple[MessageView, ...]


@dataclass(frozen=True, slots=True)
class OlderMessages:
    chat_id: int
    messages: tuple[MessageView, ...]
    has_older: bool


@dataclass(frozen=True, slots=True)
class Statuses:
    """Delivery statuses of the open chat's outbound lines that moved."""

    chat_id: int
    statuses: tuple[tuple[int, str, str], ...]  # (message id, status, error)


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    title: str = ""
    severity: str = "information"
    timeout: float = 8


@dataclass(frozen=True, slots=True)
class Notices:
    items: tuple[Notice, ...]


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """The store's health; ``read_failed``: not even reads work (the desk shows why)."""

    health: Health
    read_failed: bool = False


@dataclass(frozen=True, slots=True)
class Committed:
    """A batch of commits was seen (other processes), or an action of the agent was stored."""


@dataclass(frozen=True, slots=True)
class SessionExpired:
    reason: str


class Published(Message):
    """A snapshot from the store loop (posted to the app; handled on the event loop)."""

    def __init__(self, item: object) -> None:
        super().__init__()
        self.item = item


class Done(Message):
    """An action the loop ran has finished: ``callback(result)`` on the event loop."""

    def __init__(self, callback: Callable[[Any], None], result: Any) -> None:
        super().__init__()
        self.callback, self.result = callback, result
