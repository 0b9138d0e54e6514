"""Key names that terminals really send.

Terminals that send Alt+digit as ESC+digit reach Textual as the macOS Option characters
¡ ™ £ ¢ ∞ § ¶ • ª (Textual's legacy mapping), so Alt+1..9 is bound to those key names too.

Alt+Enter arrives as ESC+CR. Textual's parser turns that into a plain ``enter`` (the Alt is
dropped for keys it maps itself), so the draft would be *sent* by the key that means "new
line". :func:`install_terminal_keys` teaches the parser that ESC+CR is ``alt+enter``.
"""

from __future__ import annotations

from types import SimpleNamespace

ALT_DIGIT_AS_SENT = [
    "inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign", "infinity",
    "section_sign", "pilcrow_sign", "bullet", "ª",
]

# Keys that put a new line into the draft. Enter sends; a key here must never send.
NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter", "ctrl+enter")

# Terminal byte sequences → key name, for sequences Textual's table lacks or maps lossily.
TERMINAL_SEQUENCES = {
    "\x1b\r": "alt+enter",  # xterm, tmux, VTE, Windows Terminal: Alt+Enter = ESC CR
}


def install_terminal_keys() -> None:
    """Add :data:`TERMINAL_SEQUENCES` to the parser's table (idempotent).

    The table is the one Textual's own xterm parser reads (textual is pinned, see
    pyproject.toml); a tuple of objects with a ``value`` is how it names the keys of a sequence."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    for sequence, name in TERMINAL_SEQUENCES.items():
        ANSI_SEQUENCES_KEYS[sequence] = (SimpleNamespace(value=name),)  # type: ignore[index]


class InOrderBindings:
    """Mixin for text fields: run the field's own key bindings when the key reaches the field.

    Textual checks non-priority bindings only once a key has bubbled up to the App, one message
    queue per ancestor; by then the characters typed right after it have already been inserted
    (``ab`` Backspace ``c`` typed quickly gave ``ab``, Enter in a field submitted the text typed
    after it). Running the field's bindings here applies every key in the order it was typed,
    however far behind the app is. Priority bindings (the app's) have already run by then."""

    async def _on_key(self, event) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)


def is_command_key(key: str, character: str | None) -> bool:
    """Alt+letter (or Alt+digit as above) from an ESC-prefix terminal arrives with its
    character: it is a command key, never text to type into a field."""
    return (key.startswith("alt+") and len(key) == 5 and bool(character)) or key in ALT_DIGIT_AS_SENT
