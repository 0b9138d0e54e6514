"""Command palette entries for the team desk: 转发, 申请挂起/恢复, 主管视图, 群发."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

ENTRIES = [
    ("转发会话给同事 (Ctrl+F)", "forward_chat"),
    ("申请挂起 / 恢复接待 (Ctrl+O)", "hangup"),
    ("主管视图 (Alt+V)", "supervisor"),
    ("群发 broadcast", "broadcast"),
]


class TeamCommands(Provider):
    async def discover(self) -> Hits:
        for label, action in ENTRIES:
            yield DiscoveryHit(label, getattr(self.app, f"action_{action}"))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action in ENTRIES:
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), getattr(self.app, f"action_{action}"))
