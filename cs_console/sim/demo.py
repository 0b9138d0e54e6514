"""Preparing the demo store: a fresh SQLite file under a temp dir, seeded with demo data."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cs_console.domain.clock import Clock, system_clock
from cs_console.store.engine import normalize_url, open_store


def prepare_demo_store(db: str | None, clock: Clock | None = None) -> tuple[str, str]:
    """Return (url, human location) of the demo store, created and seeded when new."""
    clock = clock or system_clock()
    if db is None:
        folder = Path(tempfile.mkdtemp(prefix="cs-console-demo-"))
        db = str(folder / "demo.db")
    url = normalize_url(db)
    store = open_store(url)
    try:
        seed_demo_data(store, clock)
    finally:
        store.dispose()
    return url, store.location


def seed_demo_data(store, clock: Clock) -> None:
    """Demo data beyond chats (orders etc.) is seeded here by the features that own it."""
    _seed_orders(store, clock)
    _seed_aftersales(store, clock)
    _seed_goods(store, clock)


def _seed_goods(store, clock: Clock) -> None:
    """The demo shop's goods (a 淘宝助理 file), through the same importer as ``cs-console goods import``."""
    from cs_console.config.locations import data_dir
    from cs_console.services.goods import GoodsService

    path = data_dir() / "demo" / "goods.csv"
    if path.exists():
        GoodsService(store, clock).import_file(path)


def _seed_orders(store, clock: Clock) -> None:
    """The demo buyers' orders, through the same importer as ``cs-console orders import``."""
    from cs_console.config.locations import data_dir
    from cs_console.config.policy import load_policy
    from cs_console.services.orders import OrderService

    folder = data_dir() / "demo"
    if (folder / "orders.csv").exists():
        items = folder / "items.csv"
        OrderService(store, load_policy(), clock).import_files(folder / "orders.csv", items if items.exists() else None)


def _seed_aftersales(store, clock: Clock) -> None:
    """Demo reviews (through the same importer as ``cs-console reviews import``) and one open
    after-sales case, so 售后 / 跟进 / 早上三件事 have something to show."""
    from decimal import Decimal

    from cs_console.config.locations import data_dir
    from cs_console.config.policy import load_policy
    from cs_console.domain.aftersales import Handling, Reason
    from cs_console.services.aftersales import CaseService
    from cs_console.services.followups import FollowupService

    policy = load_policy()
    reviews = data_dir() / "demo" / "reviews.csv"
    if reviews.exists():
        FollowupService(store, policy, clock).import_reviews(reviews)
    cases = CaseService(store, policy, clock)
    try:
        if not cases.list(order_no="3712208811420003"):
            cases.add("3712208811420003", "小美", Reason.COLOUR, Handling.PARTIAL_REFUND,
                      amount=Decimal("10.00"), note="买家说颜色比图片暗，协商部分退款")
    except LookupError:  # the demo orders were not seeded
        pass
