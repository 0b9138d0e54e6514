"""The schema's version and the hash of the source files that define it, without SQLAlchemy:
what a read that skips the engine (``store/quick_read.py``) checks before trusting a store."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

SCHEMA_VERSION = 1

# the files whose code defines the schema or what ``init`` installs
_SCHEMA_SOURCES = ("tables/*.py", "types.py", "append_only.py", "migrate.py", "pg_roles.py",
                   "pg_chat_authority.py")


@cache
def schema_source() -> str:
    """A short hash of the source files that define the schema (no import of the tables)."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for pattern in _SCHEMA_SOURCES:
        for path in sorted(here.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
