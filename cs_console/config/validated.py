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
        digest.update(_code_digest(pattern))
    return digest.hexdigest()


_CODE_DIGESTS: dict[str, bytes] = {}


def _code_digest(pattern: str) -> bytes:
    """The source of the files ``pattern`` names, hashed once per process (a command may check
    several files against the same code)."""
    if pattern not in _CODE_DIGESTS:
        digest = hashlib.sha256()
        for path in sorted(_PACKAGE.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _CODE_DIGESTS[pattern] = digest.digest()
    return _CODE_DIGESTS[pattern]


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


def load_model(path: Path, model: type, validating_code: tuple[str, ...]):
    """``yamlfile.load_yaml_model(path, model)`` (a bad file raises its ``ConfigError``), or
    the same model rebuilt by pydantic from the JSON the last full load of this very file by the
    same code gave: no YAML parser. A model is remembered only when that JSON rebuilds it equal."""
    name = f"{model.__name__}-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}.json"
    key = fingerprint(path, validating_code)
    payload = recall(name, key)
    if payload is not None:
        try:
            return model.model_validate(payload)
        except ValueError:  # pydantic's ValidationError: loaded in full below
            pass
    from cs_console.config.yamlfile import load_yaml_model

    loaded = load_yaml_model(path, model)
    payload = json.loads(json.dumps(loaded.model_dump(mode="json", by_alias=True), ensure_ascii=False))
    if model.model_validate(payload) == loaded:
        keep(name, key, payload)
    return loaded
