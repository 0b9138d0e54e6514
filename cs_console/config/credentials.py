"""Where the CLI finds the signed-in agent's secret: ``$CS_CONSOLE_TOKEN``, the file named by
``$CS_CONSOLE_TOKEN_FILE``, or the session file ``cs-console login`` wrote for this store.

Every file holding a secret must be readable by its owner only (mode 0600): a token file that
others can read is refused, never used. Passwords are never read from the command line.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cs_console.domain.messages import os_reason

ENV_TOKEN = "CS_CONSOLE_TOKEN"
ENV_TOKEN_FILE = "CS_CONSOLE_TOKEN_FILE"
ENV_SESSIONS = "CS_CONSOLE_SESSIONS"


class CredentialFileError(PermissionError):
    """A token file is missing, unreadable, or readable by others."""


def sessions_dir() -> Path:
    env = os.environ.get(ENV_SESSIONS)
    if env:
        return Path(env)
    from cs_console.config.locations import user_config_file

    return user_config_file().parent / "sessions"


def _store_key(store_url: str) -> str:
    """The store a URL reaches, whoever connects: without user name and password (an agent's
    client reaches a PostgreSQL store as its own login role, yet it is one store, one sign-in)."""
    from sqlalchemy.engine import make_url

    from cs_console.store.engine import normalize_url

    if "://" not in store_url:
        return normalize_url(store_url)
    return make_url(normalize_url(store_url))._replace(username=None, password=None).render_as_string(hide_password=False)


def session_file(store_url: str) -> Path:
    """One sign-in per store: the file name is derived from the store's URL."""
    return sessions_dir() / (hashlib.sha256(_store_key(store_url).encode()).hexdigest()[:16] + ".token")


def read_secret_file(path: Path) -> str:
    """The token in ``path``; refused when others may read it (or it is not a regular file)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise CredentialFileError(f"{path}: 无法读取凭据文件（{os_reason(exc)}）") from None
    if not stat.S_ISREG(st.st_mode):
        raise CredentialFileError(f"{path}: 不是普通文件")
    if os.name == "posix":
        if st.st_mode & 0o077:
            raise CredentialFileError(f"{path}: 其他用户可以读取这个凭据文件（权限 {stat.S_IMODE(st.st_mode):o}），"
                                      f"请执行 chmod 600 {path}")
        if st.st_uid != os.getuid():
            raise CredentialFileError(f"{path}: 凭据文件不属于当前用户")
    return path.read_text(encoding="utf-8").strip()


def write_secret_file(path: Path, token: str) -> None:
    """Write ``token`` to ``path`` created with mode 0600 (never briefly readable by others)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def find_token(store_url: str) -> str | None:
    """The environment's token, else the token file's, else this store's session file's."""
    env = os.environ.get(ENV_TOKEN, "").strip()
    if env:
        return env
    named = os.environ.get(ENV_TOKEN_FILE, "").strip()
    if named:
        return read_secret_file(Path(named))
    own = session_file(store_url)
    return read_secret_file(own) if own.exists() else None


def forget_session(store_url: str) -> bool:
    own = session_file(store_url)
    if own.exists():
        own.unlink()
        return True
    return False
