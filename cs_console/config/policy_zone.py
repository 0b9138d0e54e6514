"""The shop's time zone for a CLI command that needs nothing else of ``shop.yaml``, without
pydantic: remembered (in the cache folder) from the last full, validated load of the same file
by the same code. Any change to the file or to the code that validates it misses, and the
caller loads the policy in full, which reports a bad file as before; nothing unvalidated is
ever answered."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cs_console.config.locations import cache_dir

_NAME = "shop-zone.json"
_VALIDATING_CODE = ("domain/*.py", "config/policy.py", "config/yamlfile.py")


def _key(policy_file: Path) -> str:
    """The file's path and bytes ("missing": the defaults) and the validating code's source."""
    here = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(str(policy_file.resolve()).encode() + b"\0")
    try:
        digest.update(policy_file.read_bytes())
    except FileNotFoundError:
        digest.update(b"\0missing")
    for pattern in _VALIDATING_CODE:
        for path in sorted(here.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def remembered_zone(policy_file: Path) -> str | None:
    """The zone a full load of this very file gave, or None."""
    try:
        saved = json.loads((cache_dir() / _NAME).read_text(encoding="utf-8"))
        return saved["zone"] if saved.get("key") == _key(policy_file) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remember_zone(policy_file: Path, zone: str) -> None:
    """Keep the zone of a successful full load (best effort: a read-only cache is no error)."""
    target = cache_dir() / _NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{id(target)}.tmp")
        tmp.write_text(json.dumps({"key": _key(policy_file), "zone": zone}), encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass
