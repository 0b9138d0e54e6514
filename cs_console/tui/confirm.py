"""A confirmation that typing cannot answer: for what cannot be taken back.

Sending a buyer their phone and address, or quitting while buyers wait, must never happen
because keys meant for the draft landed here. The dialog opens with 取消 focused, letters do
nothing, and only Enter on the other button (←/→/Tab to reach it) confirms. Esc cancels.
Returns True when confirmed.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from cs_console.domain.text import display_text


class GuardedConfirm(ModalScreen[bool]):
    """Title, body (plain text, never markup), [confirm] [取消] with 取消 focused."""

    DEFAULT_CSS = """
    GuardedConfirm { align: center middle; }
    GuardedConfirm > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    GuardedConfirm .dialog-title { text-style: bold; color: $warning; }
    GuardedConfirm .dialog-hint { color: $text-muted; }
    GuardedConfirm VerticalScroll { height: auto; max-height: 16; }
    GuardedConfirm Horizontal { height: auto; align-horizontal: center; }
    GuardedConfirm Button { margin: 0 2; min-width: 12; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="guarded.cancel"),
        Binding("left,right,tab,shift+tab", "switch", show=False, id="guarded.switch"),
    ]
    HINT = "←/→ 选择 · Enter 执行所选 · Esc 取消"

    def __init__(self, title: str, body: str | Text, confirm_label: str, *, extra_hint: str = "",
                 id: str | None = None):
        super().__init__(id=id)
        self.title_text, self.body, self.confirm_label = title, body, confirm_label
        self.extra_hint = extra_hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(can_focus=False):
                yield Static(self.body if isinstance(self.body, Text) else Text(display_text(self.body)), id="guarded-body")
            with Horizontal():
                yield Button(self.confirm_label, variant="warning", id="guarded-ok")
                yield Button("取消", variant="primary", id="guarded-cancel")
            yield Label(self.HINT + (f" · {self.extra_hint}" if self.extra_hint else ""), classes="dialog-hint")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#guarded-cancel", Button))

    def action_switch(self) -> None:
        """Move to the other button at once: ``Widget.focus()`` waits for the next idle moment,
        and an Enter typed right after ← (one burst from the terminal) would still press 取消."""
        ok = self.query_one("#guarded-ok", Button)
        self.set_focus(self.query_one("#guarded-cancel", Button) if self.focused is ok else ok)

    @on(Button.Pressed, "#guarded-ok")
    def _ok(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#guarded-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
