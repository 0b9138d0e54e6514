"""The parts of ``shop.yaml`` a read-only CLI command needs (the time zone, the response
thresholds, the report and follow-up settings), without pydantic: remembered (in the cache
folder) from the last full, validated load of the same file by the same code. Any change to
the file or to the code that validates it misses, and the caller loads the policy in full,
which reports a bad file as before; nothing unvalidated is ever answered."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from cs_console.config.locations import cache_dir

if TYPE_CHECKING:
    from cs_console.domain.shop import ShopPolicy

_NAME = "shop-settings.json"
_VALIDATING_CODE = ("domain/*.py", "config/policy.py", "config/yamlfile.py")
# sections of ShopPolicy kept: plain values only (text, numbers, flags)
SECTIONS = ("shop", "response", "reports", "followups")


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


def remembered_policy(policy_file: Path) -> SimpleNamespace | None:
    """``SECTIONS`` of the policy a full load of this very file gave, each with its fields as
    attributes (``.shop.timezone``, ``.response.breach``), or None."""
    try:
        saved = json.loads((cache_dir() / _NAME).read_text(encoding="utf-8"))
        if saved.get("key") != _key(policy_file):
            return None
        sections = saved["sections"]
        return SimpleNamespace(**{name: SimpleNamespace(**sections[name]) for name in SECTIONS})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remembered_zone(policy_file: Path) -> str | None:
    """The zone a full load of this very file gave, or None."""
    policy = remembered_policy(policy_file)
    return None if policy is None else policy.shop.timezone


def remember_policy(policy_file: Path, policy: ShopPolicy) -> None:
    """Keep ``SECTIONS`` of a successful full load (best effort: a read-only cache is no error)."""
    target = cache_dir() / _NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{id(target)}.tmp")
        sections = policy.model_dump(mode="json", include=set(SECTIONS))
        tmp.write_text(json.dumps({"key": _key(policy_file), "sections": sections}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass
