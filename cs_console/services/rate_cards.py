"""Registering a courier's rate card in the freight file (comments and order of the YAML kept)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def register_card(freight: Path, courier: str, source: Path) -> Path:
    """Copy ``source`` to ``rate_cards/<courier>.csv`` beside ``freight`` and point
    ``rate_cards.<courier>`` at it (round-trip YAML: the shop's comments stay). Each file is
    replaced atomically."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    folder = freight.parent / "rate_cards"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{courier}.csv"
    if source.resolve() != target.resolve():
        _atomic_write(target, source.read_bytes())
    yaml = YAML(typ="rt")
    doc = yaml.load(freight.read_text(encoding="utf-8")) if freight.exists() else None
    if doc is None:
        doc = CommentedMap()
    cards = doc.get("rate_cards")
    if cards is None:
        cards = doc["rate_cards"] = CommentedMap()
    cards[courier] = f"rate_cards/{courier}.csv"
    import io

    buf = io.StringIO()
    yaml.dump(doc, buf)
    _atomic_write(freight, buf.getvalue().encode("utf-8"))
    return target


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
