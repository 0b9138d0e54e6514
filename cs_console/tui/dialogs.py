"""Small reusable dialogs: a one-line text prompt and a pick-one list (both return a value)."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

T = TypeVar("T")

DIALOG_CSS = """
.dialog-box {
    width: 72;
    max-width: 95%;
    height: auto;
    max-height: 90%;
    border: round $accent;
    background: $surface;
    padding: 0 1;
}
.dialog-box .dialog-title { text-style: bold; padding: 0 0 1 0; }
.dialog-box .dialog-hint { color: $text-muted; }
.dialog-box OptionList { height: auto; max-height: 12; }
"""


class TextPrompt(ModalScreen[str | None]):
    """One line of text: Enter returns it, Escape returns None."""

    DEFAULT_CSS = "TextPrompt { align: center middle; }\n" + DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "取消", id="dialog.cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "", hint: str = "Enter 确定 · Esc 取消"):
        super().__init__()
        self.title_text, self.placeholder, self.value, self.hint = title, placeholder, value, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input", select_on_focus=False)
            yield Label(self.hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickOne(ModalScreen[T | None], Generic[T]):
    """Choose one of ``options`` ((label, value) pairs): arrows + Enter, or the digit key."""

    DEFAULT_CSS = "PickOne { align: center middle; }\n" + DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "取消", id="dialog.cancel")]

    def __init__(self, title: str, options: list[tuple[str, T]]):
        super().__init__()
        self.title_text, self.options = title, options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*[Option(f"{i + 1}. {label}", id=str(i)) for i, (label, _) in enumerate(self.options)])
            yield Label("↑↓ Enter 选择 · 数字键直选 · Esc 取消", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self.options):
                event.stop()
                self.dismiss(self.options[i][1])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.options[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
