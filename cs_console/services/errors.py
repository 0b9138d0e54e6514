"""The one error path of the CLI and the TUI: a Chinese sentence for the user, masked details
for the log file.

:func:`user_message` turns any exception into what the user reads: a refusal's catalogue text
(``domain.messages.UserError``), a config problem's ``FILE:LINE: reason``, or a plain Chinese
sentence for store, file and internal failures. :func:`log_error` appends the details — the
exception type, the catalogue code and parameter *names*, the masked message and the stack as
``file:line in function`` (never frame locals, never SQL parameters: the engines use
``hide_parameters``) — to the error log in the user data dir.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

from cs_console.domain.clock import utc_now
from cs_console.domain.messages import MESSAGES, UserError, os_reason, render
from cs_console.domain.redact import mask_personal

MAX_FRAMES = 30


def _log_path() -> Path:
    from cs_console.config.locations import error_log_file

    return error_log_file()


def _store_message(exc: BaseException) -> str | None:
    """A sentence for a database failure (SQLAlchemy / driver), or None when it is not one."""
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    if not isinstance(exc, sa_exc.SQLAlchemyError):
        return None
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return render("store.busy")
    if "readonly" in text or "read-only" in text or "read only" in text:
        return render("store.read_only")
    if "disk" in text and "full" in text or "no space" in text:
        return render("store.disk_full")
    refusal = re.search(r"cs-console: ((?:team|signin)\.[a-z_]+)", text)  # the server's copy of a rule
    if refusal and refusal.group(1) in MESSAGES:
        return render(refusal.group(1))
    found = re.search(r"(\w+) is append-only", text)
    if found:
        return render("store.append_only", table=found.group(1))
    if isinstance(exc, sa_exc.DataError) or "too long" in text or "out of range" in text or "too large" in text:
        return render("store.too_long")
    if isinstance(exc, sa_exc.IntegrityError):
        return render("store.conflict")
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        if "connect" in text or "server" in text or "terminat" in text:
            return render("store.unreachable")
    return render("store.failed", log=_log_path())


def user_message(exc: BaseException) -> str:
    """What the user reads for ``exc`` (Chinese; never a traceback, never personal data
    beyond what the user typed in this very command)."""
    from cs_console.config.yamlfile import ConfigError

    if isinstance(exc, UserError):
        return exc.message
    if isinstance(exc, ConfigError):
        return str(exc)
    if type(exc).__name__ == "StoreError" or type(exc).__name__ == "StoreVersionError":
        return str(exc)
    store = _store_message(exc)
    if store is not None:
        return store
    if isinstance(exc, OverflowError):  # e.g. an id of 20 digits bound for a 64-bit column
        return render("input.number_too_large")
    if isinstance(exc, RecursionError):
        return render("input.too_deep")
    if isinstance(exc, MemoryError):
        return render("input.too_large")
    if isinstance(exc, KeyboardInterrupt):
        return render("interrupted")
    if isinstance(exc, OSError):
        return render("file.unreadable", path=exc.filename or "", reason=os_reason(exc))
    return render("internal", log=_log_path())


def _details(exc: BaseException) -> list[str]:
    lines = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        if isinstance(current, UserError):
            lines.append(f"  {name}: code={current.code} params={sorted(current.params)}")
        else:
            lines.append(f"  {name}: {mask_personal(str(current))}")
        frames = traceback.extract_tb(current.__traceback__)[-MAX_FRAMES:]
        lines.extend(f"    {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames)
        current = current.__cause__ or current.__context__
    return lines


def log_error(exc: BaseException, where: str = "cli") -> Path | None:
    """Append the masked details of ``exc`` to the error log; returns its path (None when the
    log cannot be written — the user still gets the message)."""
    path = _log_path()
    stamp = utc_now().isoformat(timespec="seconds")  # when it was logged (wall time, not business time)
    entry = "\n".join([f"{stamp} [{where}] pid={os.getpid()}", *_details(exc)]) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(entry)
    except OSError:
        return None
    return path


def report(exc: BaseException, where: str = "cli") -> str:
    """Log ``exc`` (unless it is an expected refusal) and return the user's sentence."""
    if not isinstance(exc, UserError):
        log_error(exc, where)
    return user_message(exc)
