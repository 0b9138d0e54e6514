"""A second real process holds SQLite's write lock (as a long import does): read-only commands
do not wait for it, and a buyer message written meanwhile waits and is stored, never dropped."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from cs_console.services.desk import make_desk

BEYOND_BUSY_TIMEOUT = 7.0  # longer than the 5 s busy timeout: one try alone would fail

_HOLDER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO meta(key, value) VALUES ('lock-holder', 'x')")
print("locked", flush=True)
sys.stdin.readline()  # hold the write lock until the test says so
con.execute("COMMIT")
print("released", flush=True)
"""


class LockHolder:
    """A separate process holding the store's write lock until ``release()``."""

    def __init__(self, db: str):
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLDER, db], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "released"
        self.proc.wait(timeout=30)


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cs_console", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_read_only_command_does_not_wait_for_a_writer(db_path):
    desk = make_desk(str(db_path))
    desk.chats.inject("老顾客", "第一条")
    holder = LockHolder(str(db_path))
    try:
        listing = _cli("chat", "list", "--db", str(db_path), "--json")
        out, err = listing.communicate(timeout=120)  # done while the lock is still held
        assert listing.returncode == 0, err
        assert [r["buyer"] for r in json.loads(out)] == ["老顾客"]
        assert holder.proc.poll() is None
    finally:
        holder.release()
    desk.close()


def test_a_message_written_while_the_lock_is_held_waits_and_is_stored(db_path):
    desk = make_desk(str(db_path))
    desk.chats.inject("老顾客", "第一条")
    holder = LockHolder(str(db_path))
    failures: list[BaseException] = []

    def inject() -> None:
        try:
            desk.chats.inject("老顾客", "锁着的时候发的")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    writer = threading.Thread(target=inject)
    try:
        writer.start()
        writer.join(BEYOND_BUSY_TIMEOUT)
        assert writer.is_alive() and not failures  # still waiting past the busy timeout, not failed
    finally:
        holder.release()
    writer.join(30)
    assert not failures
    assert [m.text for m in desk.chats.log("老顾客")] == ["第一条", "锁着的时候发的"]
    desk.close()


def test_chat_inject_cli_during_a_held_lock_is_stored(db_path):
    desk = make_desk(str(db_path))
    desk.chats.inject("老顾客", "第一条")
    holder = LockHolder(str(db_path))
    try:
        inject = _cli("chat", "inject", "锁着的时候发的", "--buyer", "老顾客", "--db", str(db_path), "--json")
        time.sleep(BEYOND_BUSY_TIMEOUT)  # the point of the test is a lock held longer than the busy timeout
        assert inject.poll() is None, inject.communicate()[1]  # waiting, not failed
    finally:
        holder.release()
    out, err = inject.communicate(timeout=60)
    assert inject.returncode == 0, err
    assert "database is locked" not in err
    assert [m.text for m in desk.chats.log("老顾客")] == ["第一条", "锁着的时候发的"]
    desk.close()


def test_a_writer_gives_up_with_a_clear_error_only_after_its_retry_window(db_path):
    from sqlalchemy.exc import OperationalError

    desk = make_desk(str(db_path))
    holder = LockHolder(str(db_path))
    try:
        started = time.monotonic()
        try:
            with desk.store.write(retry_for=0.5) as s:
                s.connection()
            message = ""
        except OperationalError as exc:
            message = str(exc)
        assert "locked" in message and time.monotonic() - started >= 0.5
    finally:
        holder.release()
    desk.close()


def test_a_file_that_cannot_be_attached_is_refused_in_chinese_before_any_write(db_path, tmp_path):
    """Sync copies rows through an attached SQLite file: one that cannot be opened is refused
    with the catalogue's sentence, and the store's write lock is let go (the next write works)."""
    import pytest

    from cs_console.store.errors import AttachError
    from cs_console.store.sqlite_lock import write_attached

    desk = make_desk(str(db_path))
    missing = str(tmp_path / "no-such-folder" / "peer.db")
    with pytest.raises(AttachError) as refused, write_attached(desk.store, missing, "peer"):
        pass
    assert str(refused.value) == f"无法同时打开 {missing}：OperationalError"
    desk.chats.inject("小王", "还在吗")  # nothing holds the lock
    assert desk.chats.chat_of("小王") is not None
