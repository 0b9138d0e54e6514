"""Key names that terminals really send.

Terminals that send Alt+digit as ESC+digit reach Textual as the macOS Option characters
¡ ™ £ ¢ ∞ § ¶ • ª (Textual's legacy mapping), so Alt+1..9 is bound to those key names too.
"""

ALT_DIGIT_AS_SENT = [
    "inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign", "infinity",
    "section_sign", "pilcrow_sign", "bullet", "ª",
]


def is_command_key(key: str, character: str | None) -> bool:
    """Alt+letter (or Alt+digit as above) from an ESC-prefix terminal arrives with its
    character: it is a command key, never text to type into a field."""
    return (key.startswith("alt+") and len(key) == 5 and bool(character)) or key in ALT_DIGIT_AS_SENT
