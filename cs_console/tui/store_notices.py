"""The team's notices for the signed-in agent, read by the store loop (its thread): forwards to
me, hang-up requests (a supervisor) and the decisions on mine, and chats waiting too long (a
supervisor). :class:`TeamNotices` remembers what was said already, so each is said once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cs_console.tui.store_snapshots import Notice

if TYPE_CHECKING:
    from cs_console.domain.chat import ChatSummary
    from cs_console.services.desk import Desk


class TeamNotices:
    """What of the team's notices the agent has been told (used by the store loop's thread only)."""

    def __init__(self, agent: str):
        self.agent = agent
        self._notice_cursor: tuple[int, int] | None = None
        self._my_requests: set[int] | None = None
        self._breaches_seen: set[int] = set()

    def read(self, d: Desk) -> list[Notice]:
        """Forwards to me, new hang-up requests (a supervisor), decisions on my requests."""
        out: list[Notice] = []
        if self._my_requests is None:
            self._my_requests = {h.id for h in d.team.hangups(pending_only=True) if h.agent == self.agent}
        if self._my_requests:
            for h in d.team.hangups_by_id(self._my_requests):
                if h.state == "pending":
                    continue
                self._my_requests.discard(h.id)
                verdict = "批准了你的挂起申请：暂停接收新会话（Ctrl+O 恢复）" if h.state == "approved" else "拒绝了你的挂起申请"
                out.append(Notice(f"{h.decided_by} {verdict}" + (f"（{h.note}）" if h.note else ""), "挂起"))
        if self._notice_cursor is None:
            self._notice_cursor = d.team.notice_cursor()
            return out
        lines, self._notice_cursor = d.team.notices(self.agent, self._notice_cursor)
        out += [Notice(line, "转发" if "转发" in line else "挂起申请") for line in lines]
        return out

    def hangup_requested(self, request_id: int) -> None:
        """I asked for a hang-up: follow the decision on it."""
        if self._my_requests is not None:
            self._my_requests.add(request_id)

    def breaches(self, breaches: list[ChatSummary], now: datetime) -> list[Notice]:
        """Chats waiting too long (a supervisor's): those not said at the last heartbeat."""
        fresh = [Notice(f"{c.buyer_nick}（{c.agent or '排队中'}）已等待 {int(c.waiting_seconds(now))} 秒未回复",
                        "超时", "error", 10) for c in breaches if c.chat_id not in self._breaches_seen]
        self._breaches_seen = {c.chat_id for c in breaches}
        return fresh
