"""Start-up stays cheap: CLI commands load no TUI/search/PostgreSQL machinery, and opening a
store whose schema is up to date runs no DDL and writes nothing."""

import subprocess
import sys

import pytest
from sqlalchemy import event

from cs_console.store.engine import open_store

HEAVY = ("textual", "pypinyin", "rapidfuzz", "psycopg", "textual_plotext", "openpyxl")


@pytest.mark.parametrize("argv", [["chat", "list"], ["report", "day"], ["orders", "list"], ["handover", "list"],
                                  ["agents", "list"]])
def test_cli_command_imports_no_tui_search_or_postgres(tmp_path, argv):
    db = str(tmp_path / "s.db")
    open_store(db).dispose()
    code = (
        "import sys, cs_console.cli\n"
        f"sys.argv = ['cs-console', '--db', {db!r}, *{argv!r}]\n"
        "try:\n    cs_console.cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print('LOADED', ','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED none"


def test_up_to_date_store_opens_without_schema_work(tmp_path):
    db = str(tmp_path / "s.db")
    open_store(db).dispose()  # creates the schema
    store = open_store(db, init=False)
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0].upper()))
    store.init()
    store.dispose()
    assert seen, "the open must at least read the schema fingerprint"
    assert set(seen) <= {"SELECT", "PRAGMA", "BEGIN"}, seen


def test_changed_schema_is_created_again(tmp_path):
    import sqlite3

    db = tmp_path / "s.db"
    open_store(str(db)).dispose()
    with sqlite3.connect(db) as conn:  # an older cs-console: fingerprint differs, an index is missing
        conn.execute("UPDATE meta SET value = 'old' WHERE key IN ('schema_fingerprint', 'schema_source')")
        conn.execute("DROP INDEX ix_chats_queue")
    open_store(str(db)).dispose()
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_chats_queue" in names


CORE_READS = [["report", "day"], ["report", "week"], ["agents", "list"], ["chat", "list"], ["chat", "list", "--all"],
              ["replies", "search", "tk"], ["replies", "usage"], ["--help"], ["orders", "--help"]]


@pytest.mark.parametrize("argv", CORE_READS, ids=" ".join)
def test_read_only_command_on_an_up_to_date_store_loads_neither_sqlmodel_nor_the_tables(tmp_path, argv):
    """The cheap schema check (source hash) and the command's Core reads: no ORM at all."""
    db = str(tmp_path / "s.db")
    open_store(db).dispose()
    code = (
        "import sys, cs_console.cli\n"
        f"sys.argv = ['cs-console', '--db', {db!r}, *{argv!r}]\n"
        "try:\n    cs_console.cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('LOADED', ','.join(m for m in ('sqlmodel', 'cs_console.store.tables', 'textual') if m in sys.modules)"
        " or 'none')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED none"


def test_same_tables_under_a_new_source_hash_are_remembered_without_schema_work(tmp_path):
    import sqlite3

    db = tmp_path / "s.db"
    open_store(str(db)).dispose()
    with sqlite3.connect(db) as conn:  # a new version whose tables did not change
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'schema_source'")
    store = open_store(str(db), init=False)
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0].upper()))
    store.init()
    store.dispose()
    assert not {"CREATE", "ALTER", "DROP"} & set(seen), seen
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_source'").fetchone()[0] != "old"
