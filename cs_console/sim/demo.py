"""Preparing the demo store: a fresh SQLite file under a temp dir, seeded with demo data."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cs_console.domain.clock import utc_now
from cs_console.store.engine import normalize_url, open_store


def prepare_demo_store(db: str | None) -> tuple[str, str]:
    """Return (url, human location) of the demo store, created and seeded when new."""
    if db is None:
        folder = Path(tempfile.mkdtemp(prefix="cs-console-demo-"))
        db = str(folder / "demo.db")
    url = normalize_url(db)
    store = open_store(url)
    try:
        seed_demo_data(store)
    finally:
        store.dispose()
    return url, store.location


def seed_demo_data(store) -> None:
    """Demo data beyond chats (orders etc.) is seeded here by the features that own it."""
    _seed_orders(store)


def _seed_orders(store) -> None:
    """The demo buyers' orders, through the same importer as ``cs-console orders import``."""
    from cs_console.config.locations import data_dir
    from cs_console.config.policy import load_policy
    from cs_console.services.orders import OrderService

    folder = data_dir() / "demo"
    if (folder / "orders.csv").exists():
        items = folder / "items.csv"
        OrderService(store, load_policy(), utc_now).import_files(folder / "orders.csv", items if items.exists() else None)
