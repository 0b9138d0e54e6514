"""Load ``data/flags.yaml`` into :class:`FlagConventions` (FILE:LINE errors on bad files)."""

from __future__ import annotations

from pathlib import Path

from cs_console.config.locations import data_dir
from cs_console.config.yamlfile import load_yaml_model
from cs_console.domain.flags import FlagConventions


def load_flag_conventions(folder: Path | None = None) -> FlagConventions:
    """Read ``flags.yaml`` from ``folder`` (default: the data dir); raises ConfigError."""
    return load_yaml_model((folder or data_dir()) / "flags.yaml", FlagConventions)
