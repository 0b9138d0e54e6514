"""Load ``data/shop.yaml`` into :class:`ShopPolicy`."""

from __future__ import annotations

from pathlib import Path

from cs_console.config.locations import data_dir
from cs_console.config.yamlfile import load_yaml_model
from cs_console.domain.shop import ShopPolicy


def load_policy(folder: Path | None = None) -> ShopPolicy:
    """Read ``shop.yaml`` from ``folder`` (default: the data dir); raises ConfigError."""
    path = (folder or data_dir()) / "shop.yaml"
    if not path.exists():
        return ShopPolicy()
    return load_yaml_model(path, ShopPolicy)
