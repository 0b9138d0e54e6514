"""Persistence: SQLModel tables, repository functions, engine set-up, change detection.

Never imports Textual or the UI (tests/test_layers.py proves it). The names below load the
engine (and SQLAlchemy) when first used: ``store.quick_read`` reads without either.
"""

__all__ = ["Store", "StoreError", "StoreVersionError", "open_store"]


def __getattr__(name: str):
    if name in __all__:
        from cs_console.store import engine

        return getattr(engine, name)
    raise AttributeError(name)
