"""Load the postage rates table (``data/postage.yaml`` or another file of the same format)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cs_console.config.locations import data_dir
from cs_console.domain.postage_rates import RatesTable

if TYPE_CHECKING:
    from cs_console.domain.shop import ShopPolicy


def rates_path(policy: ShopPolicy, folder: Path | None = None) -> Path:
    """The policy's rates file; a relative name is taken inside the data dir."""
    path = Path(policy.postage.rates_file)
    return path if path.is_absolute() else (folder or data_dir()) / path


def load_rates(path: Path, *, remembered: bool = False) -> RatesTable:
    """Read and validate a rates table; problems raise ConfigError with FILE:LINE lines.
    ``remembered``: as the last full load of this very file gave it (``config/validated.py``:
    no YAML parser while the file is unchanged)."""
    if remembered:
        from cs_console.config.validated import load_model

        return load_model(path, RatesTable, ("domain/*.py", "config/yamlfile.py", "config/postage.py"))
    from cs_console.config.yamlfile import load_yaml_model

    return load_yaml_model(path, RatesTable)
