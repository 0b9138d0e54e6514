"""Why a store cannot be opened or used; each message says it in plain Chinese words from the
catalogue (``domain.messages``)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says why in plain words."""


class StoreVersionError(StoreError):
    """The store was written by a newer cs-console."""


class AttachError(StoreError):
    """Another SQLite file cannot be attached to this store's connection (nothing was written)."""
