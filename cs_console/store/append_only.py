"""Append-only tables guarded by the database itself: the audit log and the handover event log.

Triggers refuse every UPDATE and DELETE (PostgreSQL also TRUNCATE) whoever issues them — our
code, a script, a hand-written SQL session — so the trail of who changed what cannot be
rewritten without dropping the trigger first. Installed idempotently by ``Store.init``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

APPEND_ONLY_TABLES = ("audit_log", "handover_events")
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION cs_console_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cs-console: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def _sqlite(conn: Connection, table: str) -> None:
    for op in ("UPDATE", "DELETE"):
        conn.execute(text(
            f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'cs-console: {table} is append-only ({op} refused)'); END"))


_PG_OPS = (("update", "ROW"), ("delete", "ROW"), ("truncate", "STATEMENT"))
_PG_NAMES = [f"{t}_append_only_{op}" for t in APPEND_ONLY_TABLES for op, _ in _PG_OPS]


def _pg_existing(conn: Connection) -> set[str]:
    # the tables of this store's schema (search_path), not same-named tables of other schemas
    rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(:names) "
                             "AND tgrelid IN (to_regclass('audit_log'), to_regclass('handover_events'))"),
                        {"names": _PG_NAMES}).all()
    return {r[0] for r in rows}


def _postgres(conn: Connection, table: str, existing: set[str]) -> None:
    for op, level in _PG_OPS:
        name = f"{table}_append_only_{op}"
        if name not in existing:
            conn.execute(text(f"CREATE TRIGGER {name} BEFORE {op.upper()} ON {table} "
                              f"FOR EACH {level} EXECUTE FUNCTION cs_console_append_only()"))


def install(conn: Connection) -> None:
    """Create the guards that are missing (safe to run on every start)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        if set(_PG_NAMES) <= _pg_existing(conn):
            return  # the usual start: nothing to do
        conn.execute(text("SELECT pg_advisory_xact_lock(7311)"))  # two first starts at once
        conn.execute(text(_PG_FUNCTION))
        existing = _pg_existing(conn)
        for table in APPEND_ONLY_TABLES:
            _postgres(conn, table, existing)
    elif dialect == "sqlite":
        for table in APPEND_ONLY_TABLES:
            _sqlite(conn, table)
