"""Where things live: the shop's data folder, the team phrase file, the default store."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

APP_NAME = "cs-console"
ENV_DB = "CS_CONSOLE_DB"
ENV_DATA = "CS_CONSOLE_DATA"
ENV_AGENT = "CS_CONSOLE_AGENT"

_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The shop's policy folder: ``$CS_CONSOLE_DATA`` or the repository's ``data/``."""
    return Path(os.environ.get(ENV_DATA) or _REPO_ROOT / "data")


def quick_replies_file() -> Path:
    """The team's shared phrase set (快捷短语)."""
    return Path(os.environ.get("CS_CONSOLE_REPLIES") or _REPO_ROOT / "quick_replies.yaml")


def default_db_url() -> str:
    """``$CS_CONSOLE_DB``, else ``db:`` in the user's config file, else a SQLite file in the user data dir."""
    env = os.environ.get(ENV_DB)
    if env:
        return env
    from cs_console.config.user import load_user_settings

    configured = load_user_settings().db
    if configured:
        return configured
    folder = user_data_path(APP_NAME, appauthor=False, ensure_exists=True)
    return str(folder / "cs-console.db")


def export_dir() -> Path:
    """Where the TUI's exports (report CSV) go by default: ``export_dir:`` in the user's
    settings file, else ``exports`` in the user data dir — never the working directory."""
    configured = None
    if user_config_file().exists():
        from cs_console.config.user import load_user_settings

        configured = load_user_settings().export_dir
    return Path(configured).expanduser() if configured else user_data_path(APP_NAME, appauthor=False) / "exports"


def user_config_file() -> Path:
    """The agent's own settings (``agent:``, ``db:``): ``$CS_CONSOLE_CONFIG`` or the user config dir."""
    from platformdirs import user_config_path

    return Path(os.environ.get("CS_CONSOLE_CONFIG") or user_config_path(APP_NAME, appauthor=False) / "config.yaml")


def personal_replies_dir() -> Path:
    """Each agent's own phrases: ``<dir>/<agent>.yaml`` (``$CS_CONSOLE_PERSONAL_REPLIES`` overrides)."""
    env = os.environ.get("CS_CONSOLE_PERSONAL_REPLIES")
    return Path(env) if env else user_data_path(APP_NAME, appauthor=False) / "replies"


def personal_replies_file(agent: str, folder: Path | None = None) -> Path:
    """One agent's own phrase file (``小美.yaml``; characters unsafe in file names become ``_``)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in agent.strip()).lstrip(".") or "_"
    return (folder or personal_replies_dir()) / f"{safe}.yaml"


def cache_dir() -> Path:
    """Derived data that can be rebuilt (pinyin keys of phrases): ``$CS_CONSOLE_CACHE`` or the user cache dir."""
    env = os.environ.get("CS_CONSOLE_CACHE")
    return Path(env) if env else user_cache_path(APP_NAME, appauthor=False)


def agent_name(flag: str | None) -> str:
    """Who is working: ``--agent``, else ``$CS_CONSOLE_AGENT``, else ``agent:`` in the settings
    file ("" when none says). A bad settings file raises ConfigError (FILE:LINE). The file (and
    pydantic/YAML behind it) is only read when the first two are silent."""
    name = (flag or os.environ.get(ENV_AGENT) or "").strip()
    if name or not user_config_file().exists():
        return name
    from cs_console.config.user import load_user_settings

    return (load_user_settings().agent or "").strip()


def error_log_file() -> Path:
    """Where the error path writes details (masked): ``$CS_CONSOLE_LOG`` or the user data dir."""
    env = os.environ.get("CS_CONSOLE_LOG")
    return Path(env) if env else user_data_path(APP_NAME, appauthor=False) / "cs-console-errors.log"


def draft_journal_dir() -> Path:
    """Where the TUI keeps every keystroke of unsaved drafts until the store has them
    (``$CS_CONSOLE_JOURNAL`` or ``drafts`` in the user data dir: not beside the store, whose disk
    may be the one that is full or read-only)."""
    env = os.environ.get("CS_CONSOLE_JOURNAL")
    return Path(env) if env else user_data_path(APP_NAME, appauthor=False) / "drafts"
