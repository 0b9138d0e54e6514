"""Time-ordered unique ids (the UUID version 7 layout, RFC 9562): 48 bits of Unix milliseconds,
then random bits. Ids made later sort later, so a store's B-tree index grows at its right edge
(sync and import insert in key order) instead of at random pages; they are still valid UUIDs
and unique across stores."""

from __future__ import annotations

import os
import uuid
from datetime import datetime


def time_ordered_id(at: datetime) -> str:
    """A new UUIDv7 string for something that happens at ``at`` (aware business time)."""
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")  # 80 random bits: 12 + 62 used
    value = (ms << 80) | (0x7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))
