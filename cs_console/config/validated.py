"""What a full, validated load of a config file gave, kept in the cache folder so that a CLI
command can answer without the YAML parser or pydantic: keyed by the file's path and bytes and
by the source of the code that validates it. Any change to either misses, the caller loads the
file in full (which reports a bad file as before) and remembers the result again; nothing
unvalidated is ever answered. Best effort: an unreadable or read-only cache only costs time."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cs_console.config.locations import cache_dir

_PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint(file: Path, validating_code: tuple[str, ...]) -> str:
    """The file's path and bytes ("missing": none) and the validating code's source (globs
    relative to the ``cs_console`` package)."""
    digest = hashlib.sha256(str(file.resolve()).encode() + b"\0")
    try:
        digest.update(file.read_bytes())
    except FileNotFoundError:
        digest.update(b"\0missing")
    for pattern in validating_code:
        for path in sorted(_PACKAGE.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def recall(name: str, key: str) -> Any | None:
    """The payload kept under ``name`` for ``key``, or None."""
    try:
        saved = json.loads((cache_dir() / name).read_text(encoding="utf-8"))
        return saved["payload"] if saved.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def keep(name: str, key: str, payload: Any) -> None:
    """Keep ``payload`` (JSON) under ``name`` for ``key``."""
    target = cache_dir() / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{id(target)}.tmp")
        tmp.write_text(json.dumps({"key": key, "payload": payload}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass
