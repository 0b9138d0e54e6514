"""Command palette: fuzzy "go to buyer" (转到买家) over the open chats."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from cs_console.domain.text import display_line


class GoToBuyer(Provider):
    """Jump to an open chat by (fuzzy) buyer nick."""

    def _targets(self):
        return [(c.chat_id, c.buyer_nick) for c in self.app.desk_screen.session_chats]

    async def discover(self) -> Hits:
        go = self.app.desk_screen.selection.go_to_chat
        for chat_id, nick in self._targets()[:20]:
            yield DiscoveryHit(Text(f"转到买家 {display_line(nick)}"), partial(go, chat_id), help="转到买家")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        go = self.app.desk_screen.selection.go_to_chat
        for chat_id, nick in self._targets():
            label = escape(f"转到买家 {display_line(nick)}")  # a nick is buyer data: never markup
            score = max(matcher.match(nick), matcher.match(label))
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(go, chat_id), help="转到买家")


# Actions with no key of their own, still reachable from the palette.
PALETTE_ONLY: list[tuple[str, str]] = [
    ("群发", "broadcast"),
    ("打开交接本", "open_side_tab('tab-handover', '#handover-list')"),
    ("打开备忘录", "open_side_tab('tab-memo', '#memo-list')"),
    ("重发失败的消息", "resend_failed"),
]


class DeskCommands(Provider):
    """Every key binding of the desk, by its Chinese name, plus palette-only actions; they run on
    the desk screen (and wait, like its keys, while another screen is on top).

    Built from ``DeskScreen.BINDINGS`` so a feature's new key shows up here without a second list."""

    def _entries(self) -> list[tuple[str, str]]:
        desk = self.app.desk_screen
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        for binding in desk.BINDINGS:
            action = binding.action
            if action in seen or action.startswith("nth_chat") or action in ("quit", "command_palette"):
                continue
            seen.add(action)
            keys = binding.key.split(",")[0].replace("ctrl+", "Ctrl+").replace("alt+", "Alt+")
            out.append((f"{binding.description} ({keys})", action))
        return out + [e for e in PALETTE_ONLY if hasattr(desk, "action_" + e[1].split("(")[0])]

    def _run(self, action: str):
        return partial(self.app.run_action, action, self.app.desk_screen)

    async def discover(self) -> Hits:
        for label, action in self._entries():
            yield DiscoveryHit(label, self._run(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), self._run(action))
