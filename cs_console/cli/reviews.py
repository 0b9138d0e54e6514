"""``cs-console reviews import|list|follow`` (the commands live with the other follow-ups)."""

from cs_console.cli.followups import reviews as app

__all__ = ["app"]
