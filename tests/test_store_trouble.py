"""The desk through store trouble: a write lock held by another process, a read-only store, a full
disk, a PostgreSQL restart, and a TUI killed while the store was locked. The app stays up, says
what is wrong in the header, echoes every key at once, and every character typed reaches the
store once it answers again (the draft journal keeps them meanwhile)."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.composer import Composer
from cs_console.tui.draft_journal import journal_path
from tests.pilot_wait import wait_for

SIZE = (120, 40)

HOLD_LOCK = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told (stdin closes) or the time is up
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def write_lock_held(db_path: Path, seconds: float):
    """Another process takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it while the block
    runs, for at most ``seconds``: alive (``poll() is None``) means the lock is still held, however
    slowly a loaded machine runs the block."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db_path), str(seconds)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=seconds + 30)


def journal_text(folder: Path, store_url: str, agent: str) -> list[str]:
    path = journal_path(folder, store_url, agent)
    if not path.exists():
        return []
    return [d["text"] for d in json.loads(path.read_text("utf-8"))["drafts"]]


async def test_typing_and_sending_while_another_process_holds_the_write_lock(desk, db_path, clock, tmp_path):
    desk.chats.inject("小王", "在吗")
    chat = desk.chats.chat_of("小王").chat_id
    journal = tmp_path / "journal"
    app = CsConsoleApp(desk, "小美", journal_dir=journal)
    async with app.run_test(size=SIZE) as pilot:
        composer = app.query_one(Composer)
        with write_lock_held(db_path, 10) as holder:
            for ch in "亲您好":
                await pilot.press(ch)
                assert composer.text.endswith(ch)  # echoed at once, lock or not
            await pilot.press("enter")  # sent once the lock is released
            for ch in "请稍等":
                await pilot.press(ch)
            assert holder.poll() is None  # all typed and echoed while the lock was still held
            assert composer.text == "亲您好请稍等"
            await wait_for(pilot, lambda: "数据库忙" in app.sub_title)
            assert journal_text(journal, desk.store.url, "小美") == ["亲您好请稍等"]  # every keystroke kept
            assert [m.text for m in desk.chats.log("小王")] == ["在吗"]  # nothing got through the lock
        await wait_for(pilot, lambda: [m.text for m in desk.chats.log("小王")] == ["在吗", "亲您好"], timeout=20)
        await wait_for(pilot, lambda: desk.chats.draft(chat, "小美")[0] == "请稍等", timeout=20)
        await wait_for(pilot, lambda: "数据库忙" not in app.sub_title)
        assert composer.text == "请稍等"  # typed after Enter: the next message's start
        assert app.is_running
    assert journal_text(journal, desk.store.url, "小美") == []  # the store has everything


async def test_the_header_says_busy_for_as_long_as_another_process_holds_the_lock(desk, db_path, clock, tmp_path):
    """The store loop keeps probing the locked store (draft save, heartbeat, distribution with
    nothing to move): a call that needed no write lock must not clear 数据库忙 while it is held."""
    desk.chats.inject("小王", "在吗")
    chat = desk.chats.chat_of("小王").chat_id
    app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
    async with app.run_test(size=SIZE) as pilot:
        with write_lock_held(db_path, 4) as holder:
            for ch in "好的":
                await pilot.press(ch)
            await wait_for(pilot, lambda: "数据库忙" in app.sub_title)
            seen = []
            while holder.poll() is None:
                seen.append(app.sub_title)
                await pilot.pause(0.05)
        assert len(seen) >= 5 and all("数据库忙" in line for line in seen[:-2])  # busy until released
        await wait_for(pilot, lambda: "数据库忙" not in app.sub_title, timeout=20)
        await wait_for(pilot, lambda: desk.chats.draft(chat, "小美")[0] == "好的", timeout=20)


async def test_quitting_while_the_store_is_locked_keeps_the_draft_and_does_not_hang(desk, db_path, clock, tmp_path):
    desk.chats.inject("小王", "在吗")
    chat = desk.chats.chat_of("小王").chat_id
    journal = tmp_path / "journal"
    app = CsConsoleApp(desk, "小美", journal_dir=journal)
    async with app.run_test(size=SIZE) as pilot:
        assert app.desk_screen.current is not None
        with write_lock_held(db_path, 10) as holder:
            await pilot.press(*"还没存")
            await pilot.press("ctrl+q")  # 小王 waits: asks first; Ctrl+Q again quits
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: not app.is_running)
            assert holder.poll() is None  # quit while the lock was still held: nothing waited for it
            assert journal_text(journal, desk.store.url, "小美") == ["还没存"]
    # the next start on this store replays the journal: the draft is back, and reaches the store
    app2 = CsConsoleApp(desk, "小美", journal_dir=journal)
    async with app2.run_test(size=SIZE) as pilot:
        assert app2.query_one(Composer).text == "还没存"
        await wait_for(pilot, lambda: desk.chats.draft(chat, "小美")[0] == "还没存", timeout=20)


KILLED_APP = """
import os, signal, sys, json, time
from pathlib import Path
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp

db, journal, text = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
desk = make_desk(db, policy=load_policy())
app = CsConsoleApp(desk, "小美", journal_dir=journal)

async def auto_pilot(pilot):
    while app.desk_screen.current is None:
        await pilot.pause(0.05)
    print("ready", flush=True)
    sys.stdin.readline()  # the test holds the lock now
    await pilot.press(*text)
    print("typed", flush=True)
    sys.stdin.readline()  # the test holds the lock now and looked at the journal
    os.kill(os.getpid(), signal.SIGKILL)

app.run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""


def test_a_tui_killed_while_the_store_is_locked_gets_its_draft_back(desk, db_path, clock, tmp_path):
    desk.chats.inject("小王", "在吗")
    chat = desk.chats.chat_of("小王").chat_id
    journal = tmp_path / "journal"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_APP, str(db_path), str(journal), "被杀前输入的"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    with write_lock_held(db_path, 8):
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "typed"
        deadline = time.monotonic() + 10
        while journal_text(journal, desk.store.url, "小美") != ["被杀前输入的"] and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=20) == -signal.SIGKILL
    assert desk.chats.draft(chat, "小美")[0] == ""  # the lock kept it from the store
    assert journal_text(journal, desk.store.url, "小美") == ["被杀前输入的"]

    import asyncio

    async def restart() -> None:
        app = CsConsoleApp(desk, "小美", journal_dir=journal)
        async with app.run_test(size=SIZE) as pilot:
            assert app.query_one(Composer).text == "被杀前输入的"
            await wait_for(pilot, lambda: desk.chats.draft(chat, "小美")[0] == "被杀前输入的", timeout=20)

    asyncio.run(restart())


async def test_a_read_only_store_says_so_and_shows_the_desk(db_path, clock, tmp_path):
    seed = make_desk(str(db_path), policy=load_policy(), clock=clock)
    seed.chats.inject("小王", "在吗")
    seed.team.add_agent("小美", "agent")
    seed.team.assign("小王", "小美")
    seed.close()
    desk = make_desk(f"sqlite:///file:{db_path}?mode=ro&uri=true", policy=load_policy(), clock=clock, init=False)
    try:
        app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "只读" in app.sub_title)
            assert [c.buyer_nick for c in app.desk_screen.session_chats] == ["小王"]  # not an empty desk
            await pilot.press(*"亲")
            await pilot.press("enter")
            await wait_for(pilot, lambda: any("只读" in n.message for n in app._notifications))
            assert app.query_one(Composer).text == "亲"  # not sent, not lost
            assert journal_text(tmp_path / "journal", desk.store.url, "小美") == ["亲"]
            assert app.is_running
    finally:
        desk.close()


@contextlib.contextmanager
def small_filesystem(path: Path, size: str):
    """A real tmpfs of ``size`` (needs root and mount; the machine of this suite has both)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


async def test_a_store_on_a_read_only_disk_says_read_only_instead_of_an_empty_desk(clock, tmp_path):
    """chmod 0444 does not stop root (this suite runs as root): a read-only mount does."""
    with small_filesystem(tmp_path / "ro", "16M") as folder:
        db = folder / "store.db"
        seed = make_desk(str(db), policy=load_policy(), clock=clock)
        seed.chats.inject("小王", "在吗")
        seed.team.add_agent("小美", "agent")
        seed.team.assign("小王", "小美")
        seed.close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        desk = make_desk(str(db), policy=load_policy(), clock=clock, init=False)
        try:
            app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: "只读" in app.sub_title)
                await wait_for(pilot, lambda: [c.buyer_nick for c in app.desk_screen.session_chats] == ["小王"])
                await pilot.press(*"好的")
                assert app.query_one(Composer).text == "好的"
                await wait_for(pilot, lambda: journal_text(tmp_path / "journal", desk.store.url, "小美") == ["好的"])
                assert app.is_running
        finally:
            desk.close()


async def test_a_full_disk_keeps_the_draft_until_there_is_room(clock, tmp_path):
    with small_filesystem(tmp_path / "small", "8M") as folder:
        db = folder / "store.db"
        desk = make_desk(str(db), policy=load_policy(), clock=clock)
        try:
            desk.chats.inject("小王", "在吗")
            chat = desk.chats.chat_of("小王").chat_id
            app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                import sqlite3

                with contextlib.closing(sqlite3.connect(db)) as c:  # every later write must grow the WAL
                    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                filler = folder / "filler"
                with open(filler, "wb") as f:  # take every free block
                    with contextlib.suppress(OSError):
                        while True:
                            f.write(b"\0" * 65536)
                            f.flush()
                await pilot.press(*"磁盘满了也要记住" * 40)  # a draft bigger than any page left
                await wait_for(pilot, lambda: "磁盘已满" in app.sub_title, timeout=15)
                assert journal_text(tmp_path / "journal", desk.store.url, "小美") == ["磁盘满了也要记住" * 40]
                filler.unlink()
                await wait_for(pilot, lambda: desk.chats.draft(chat, "小美")[0] == "磁盘满了也要记住" * 40, timeout=20)
                await wait_for(pilot, lambda: "磁盘已满" not in app.sub_title)
                assert app.is_running
        finally:
            desk.close()


@pytest.mark.postgres
async def test_a_postgresql_restart_the_app_reconnects_and_keeps_the_draft(pg_cluster, pg_url, clock, tmp_path):
    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    other = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        desk.chats.inject("小王", "在吗")
        chat = desk.chats.chat_of("小王").chat_id
        app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            pg_cluster.halt()
            try:
                await pilot.press(*"服务器重启中")
                assert app.query_one(Composer).text == "服务器重启中"
                await wait_for(pilot, lambda: "离线" in app.sub_title, timeout=15)
            finally:
                pg_cluster.resume()
            await wait_for(pilot, lambda: "离线" not in app.sub_title, timeout=20)
            await wait_for(pilot, lambda: other.chats.draft(chat, "小美")[0] == "服务器重启中", timeout=20)
            other.chats.inject("小李", "重启后的新买家")  # the loop listens again
            await wait_for(pilot, lambda: "小李" in [c.buyer_nick for c in app.desk_screen.session_chats], timeout=20)
            assert app.is_running
    finally:
        desk.close()
        other.close()


def test_store_health_classifies_driver_errors():
    import sqlite3

    from cs_console.domain.store_health import Health, classify

    assert classify(sqlite3.OperationalError("database is locked")) == Health.BUSY
    assert classify(sqlite3.OperationalError("attempt to write a readonly database")) == Health.READ_ONLY
    assert classify(sqlite3.OperationalError("database or disk is full")) == Health.DISK_FULL
    assert classify(OSError(28, "No space left on device")) == Health.DISK_FULL
    assert classify(ValueError("不是你的会话")) is None
    script = textwrap.dedent("""
        import psycopg
        try:
            psycopg.connect("postgresql://nobody@127.0.0.1:1/x", connect_timeout=2)
        except Exception as e:
            from cs_console.domain.store_health import classify
            print(classify(e))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30).stdout.strip()
    assert out == "offline"


async def test_messages_that_arrive_while_a_dialog_is_open_reach_the_transcript(desk, db_path, clock, tmp_path):
    from cs_console.tui.transcript import Transcript

    desk.chats.inject("小王", "在吗")
    other = make_desk(desk.store.url, policy=load_policy(), clock=clock)  # another program, same file
    app = CsConsoleApp(desk, "小美", journal_dir=tmp_path / "journal")
    try:
        async with app.run_test(size=SIZE) as pilot:
            transcript = app.query_one(Transcript)
            await wait_for(pilot, lambda: "在吗" in "\n".join(transcript.plain_lines()))
            await pilot.press("ctrl+q")  # 小王 waits: the quit dialog asks first and stays open
            await wait_for(pilot, lambda: app.screen.id == "quit-confirm")
            other.chats.inject("小王", "地址写错了")
            other.chats.inject("新买家", "有货吗")
            await wait_for(pilot, lambda: len(app.desk_screen.session_chats) == 2)
            await pilot.press("escape")
            await wait_for(pilot, lambda: "地址写错了" in "\n".join(transcript.plain_lines()))
            assert app.screen.id != "quit-confirm" and app.is_running
    finally:
        other.close()
