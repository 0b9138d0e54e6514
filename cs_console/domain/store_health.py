"""What kind of trouble a store error is: the one place that tells a locked store from a full
disk, a read-only file or a server that went away. Pure: it reads the exception's type name and
text (SQLite's and psycopg's), so the TUI's start path needs no database driver to import it.

The TUI's store loop keeps working through these (it retries and says so in the header); any
other error is a real failure of the action and is reported as such.
"""

from __future__ import annotations

from enum import StrEnum


class Health(StrEnum):
    """The store's state as the desk shows it (message codes ``health.<value>``)."""

    OK = "ok"
    BUSY = "busy"  # another process holds the write lock
    READ_ONLY = "read_only"  # the file (or the database) refuses writes
    DISK_FULL = "disk_full"
    OFFLINE = "offline"  # PostgreSQL unreachable, restarting, connection lost


_BUSY = ("database is locked", "database table is locked", "busy")
_READ_ONLY = ("readonly", "read-only", "read only", "attempt to write a readonly", "cannot write")
_DISK_FULL = ("disk is full", "database or disk is full", "no space left", "disk full", "could not extend file")
_OFFLINE = ("connection refused", "could not connect", "server closed the connection", "terminating connection",
            "connection is closed", "connection already closed", "the database system is starting up",
            "the database system is shutting down", "consuming input failed", "ssl syscall",
            "connection timed out", "no connection to the server", "server conn crashed", "administrator command",
            "connection to server", "the connection is lost", "unable to open database file")


def classify(exc: BaseException) -> Health | None:
    """The store trouble behind ``exc`` (walking its causes), or None when ``exc`` is not one:
    a refusal, a bug, a constraint — those fail the action instead of being retried."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        found = _classify_one(e)
        if found is not None:
            return found
        e = getattr(e, "orig", None) or e.__cause__ or e.__context__
    return None


def _classify_one(e: BaseException) -> Health | None:
    name = type(e).__name__
    text = str(e).lower()
    if isinstance(e, OSError) and getattr(e, "errno", None) == 28:  # ENOSPC
        return Health.DISK_FULL
    if name in ("OperationalError", "InterfaceError", "DatabaseError", "ProgrammingError", "DiskFull",
                "ReadOnlySqlTransaction", "AdminShutdown", "CannotConnectNow", "ConnectionException",
                "ConnectionFailure", "SqlclientUnableToEstablishSqlconnection", "ConnectionTimeout",
                "InsufficientResources"):
        if any(k in text for k in _DISK_FULL) or name == "DiskFull":
            return Health.DISK_FULL
        if any(k in text for k in _READ_ONLY) or name == "ReadOnlySqlTransaction":
            return Health.READ_ONLY
        if any(k in text for k in _BUSY):
            return Health.BUSY
        if any(k in text for k in _OFFLINE) or name in ("AdminShutdown", "CannotConnectNow",
                                                        "ConnectionException", "ConnectionFailure",
                                                        "SqlclientUnableToEstablishSqlconnection",
                                                        "ConnectionTimeout"):
            return Health.OFFLINE
    return None


def label(health: Health) -> str:
    """The header's word for ``health`` (empty when all is well)."""
    from cs_console.domain.messages import render

    return "" if health == Health.OK else render(f"health.{health.value}")
