"""The words the desk shows about its sessions and the store's health: the session list's title
(counts, or why the desk is empty when the store cannot be read), the header line (who, shop,
store trouble) and the toast when the store gets into trouble. Plain functions of the desk's
state; the desk screen puts them on screen."""

from __future__ import annotations

from collections.abc import Sequence

from cs_console.domain.chat import ChatStatus, ChatSummary
from cs_console.domain.messages import render
from cs_console.domain.store_health import Health, label
from cs_console.tui.store_snapshots import StoreStatus


def sessions_title(chats: Sequence[ChatSummary], queue: int, status: StoreStatus) -> str:
    """会话 N 等待 W 排队 Q (fits 80×24), or why an empty desk is empty."""
    if not chats and status.read_failed:
        return render("health.unavailable_desk", state=label(status.health))
    if not chats and status.health == Health.READ_ONLY:
        return render("health.read_only_desk")
    waiting = sum(1 for c in chats if c.status == ChatStatus.WAITING)
    return f"会话 {len(chats)} 等待 {waiting}" + (f" 排队 {queue}" if queue else "")


def header_line(who: str, shop: str, status: StoreStatus) -> str:
    """The header's second line: the agent (with presence), the shop, and store trouble if any."""
    trouble = label(status.health)
    return f"{who} · {shop}" + (f" · ⚠ {trouble}" if trouble else "")


def trouble_toast(old: StoreStatus, new: StoreStatus) -> str | None:
    """What to toast when the store gets into trouble (a busy store is usually a moment: the
    header says it, no toast)."""
    if old.health == Health.OK and new.health not in (Health.OK, Health.BUSY):
        return f"{label(new.health)}：{render('health.kept')}"
    return None
