"""The agent's own settings file (who I am, which store), below flags and environment variables."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cs_console.config.locations import user_config_file
from cs_console.config.yamlfile import load_yaml_model


class UserSettings(BaseModel):
    """``config.yaml`` in the user config dir (e.g. ``~/.config/cs-console/config.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    agent: str | None = Field(None, description="the agent's name (客服名), as --agent")
    db: str | None = Field(None, description="the store, as --db")
    export_dir: str | None = Field(None, description="where report CSV exports go (default: the user data dir)")


def load_user_settings() -> UserSettings:
    """The settings file if it exists (ConfigError with FILE:LINE if it is bad), else defaults."""
    path = user_config_file()
    return load_yaml_model(path, UserSettings) if path.exists() else UserSettings()

