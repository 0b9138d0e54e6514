"""The parts of ``shop.yaml`` a read-only CLI command needs (the time zone, the response
thresholds, the team, report, follow-up, shift and postage settings), without pydantic:
remembered from the last full, validated load of the same file by the same code
(``config/validated.py``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from cs_console.config import validated

if TYPE_CHECKING:
    from cs_console.domain.shop import ShopPolicy

_NAME = "shop-settings.json"
_VALIDATING_CODE = ("domain/*.py", "config/policy.py", "config/yamlfile.py")
# sections of ShopPolicy kept: plain values (text, numbers, flags, times as text) and the shifts
SECTIONS = ("shop", "response", "team", "reports", "followups", "shifts", "postage")


def _attributes(fields: dict) -> SimpleNamespace:
    """A section's fields as attributes; a list of records (the shifts) as a list of such."""
    return SimpleNamespace(**{k: [_attributes(x) for x in v] if isinstance(v, list) and v and
                              all(isinstance(x, dict) for x in v) else v for k, v in fields.items()})


def remembered_policy(policy_file: Path) -> SimpleNamespace | None:
    """``SECTIONS`` of the policy a full load of this very file gave, each with its fields as
    attributes (``.shop.timezone``, ``.response.breach``, ``.shifts.shifts[0].name``; times as
    their ISO text), or None."""
    sections = validated.recall(_NAME, validated.fingerprint(policy_file, _VALIDATING_CODE))
    try:
        return SimpleNamespace(**{name: _attributes(sections[name]) for name in SECTIONS})
    except (KeyError, TypeError):
        return None


def remembered_zone(policy_file: Path) -> str | None:
    """The zone a full load of this very file gave, or None."""
    policy = remembered_policy(policy_file)
    return None if policy is None else policy.shop.timezone


def remember_policy(policy_file: Path, policy: ShopPolicy) -> None:
    """Keep ``SECTIONS`` of a successful full load."""
    validated.keep(_NAME, validated.fingerprint(policy_file, _VALIDATING_CODE),
                   policy.model_dump(mode="json", include=set(SECTIONS)))
