"""Persistence: SQLModel tables, repository functions, engine set-up, change detection.

Never imports Textual or the UI (tests/test_layers.py proves it).
"""

from cs_console.store.engine import Store, StoreError, StoreVersionError, open_store

__all__ = ["Store", "StoreError", "StoreVersionError", "open_store"]
