"""Text fields on the desk that leave command keys (Alt+letter) to the app's bindings."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from cs_console.tui.keys import InOrderBindings, is_command_key


class CommandAwareInput(InOrderBindings, Input):
    """An Input that does not type the letter of an Alt+letter command key, and applies its
    editing keys (Enter, Backspace, arrows) in the order they were typed."""

    async def _on_key(self, event: events.Key) -> None:
        if is_command_key(event.key, event.character):
            event.prevent_default()  # not inserted; the key goes on to the app's bindings
            return
        await super()._on_key(event)
