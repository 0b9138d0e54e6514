"""Command palette: fuzzy "go to buyer" (转到买家) over the open chats."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class GoToBuyer(Provider):
    """Jump to an open chat by (fuzzy) buyer nick."""

    def _targets(self):
        app = self.app
        return [(c.chat_id, c.buyer_nick) for c in getattr(app, "session_chats", [])]

    async def discover(self) -> Hits:
        for chat_id, nick in self._targets()[:20]:
            yield DiscoveryHit(f"转到买家 {nick}", partial(self.app.select_chat, chat_id), help="go to buyer")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for chat_id, nick in self._targets():
            label = f"转到买家 {nick}"
            score = max(matcher.match(nick), matcher.match(label))
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self.app.select_chat, chat_id), help="go to buyer")
