"""The anchor: a bare Textual app with the desk's shape (Header, a list, a Static, a TextArea,
a Footer), started the same way in the same pseudo-terminal as cs-console.

``python -m bench.anchor_app [DB [AGENT]]``: with a store (SQLite path or PostgreSQL URL) it
lists the agent's open chats (one raw, indexed ``sqlite3``/``psycopg`` read) and F4 shows the next chat's last 100 messages (the raw read
anchor of a chat switch). Without a store it shows an empty list.
"""

from __future__ import annotations

import sqlite3
import sys

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, ListItem, ListView, Static, TextArea

LIST_ROWS = 8
WINDOW = 100


class Anchor(App):
    TITLE = "anchor"
    CSS = "#list { height: 10; } #transcript { height: 1fr; } #draft { height: 5; }"
    BINDINGS = [Binding("f4", "next_chat", "下一个")]

    def __init__(self, db: str | None, agent: str = "bench"):
        super().__init__()
        self.db = db
        self.chats: list[tuple[int, str]] = []
        self.pos = -1
        self.agent = agent
        self.conn = None
        self.mark = "?"
        if db and db.startswith("postgresql"):
            import psycopg

            self.conn, self.mark = psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://"),
                                                   autocommit=True), "%s"
        elif db:
            self.conn = sqlite3.connect(db)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListView(id="list")
        yield Static(id="transcript")
        yield TextArea(id="draft")
        yield Footer()

    def on_mount(self) -> None:
        if self.conn is not None:
            self.chats = self.conn.execute(
                "SELECT chats.id, buyers.nick FROM chats JOIN buyers ON buyers.id = chats.buyer_id "
                "WHERE chats.status != 'closed' AND chats.agent_id = "
                f"(SELECT id FROM agents WHERE name = {self.mark}) "
                "ORDER BY chats.waiting_since, chats.id", (self.agent,)).fetchall()
        lv = self.query_one(ListView)
        rows = self.chats[:LIST_ROWS] or [(0, "（没有会话）")]
        lv.extend(ListItem(Static(Text(nick))) for _, nick in rows)
        self.query_one(TextArea).focus()

    def action_next_chat(self) -> None:
        if not self.chats:
            return
        self.pos = (self.pos + 1) % len(self.chats)
        chat_id, nick = self.chats[self.pos]
        rows = self.conn.execute(f"SELECT text FROM messages WHERE chat_id = {self.mark} "
                                 f"ORDER BY id DESC LIMIT {self.mark}",
                                 (chat_id, WINDOW)).fetchall()
        view = self.query_one("#transcript", Static)
        tail = [r[0] for r in reversed(rows)][-max(1, view.size.height - 1):]  # the bottom stays in view
        view.update(Text("\n".join([nick, *tail])))


if __name__ == "__main__":
    Anchor(*sys.argv[1:3]).run()
