"""PostgreSQL as the team store: the app, the CLI and change detection on a real server."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from typer.testing import CliRunner

from cs_console.cli import app as cli_app
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.store.changes import PostgresWatcher, watch
from tests.signin import cli_as

pytestmark = pytest.mark.postgres


def wait_changed(watcher, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watcher.changed():
            return True
        time.sleep(0.02)
    return False


def test_watcher_sees_another_connections_commit_via_listen_notify(pg_url, clock):
    mine = make_desk(pg_url, policy=load_policy(), clock=clock)
    theirs = make_desk(pg_url, policy=load_policy(), clock=clock)
    w = watch(mine.store)
    try:
        assert isinstance(w, PostgresWatcher)
        assert w.changed() is False
        theirs.chats.inject("小王", "在吗")          # another agent's process writes
        assert wait_changed(w)
        assert w.changed() is False                 # drained: one signal per batch of commits
        theirs.handover.add("交接一条", "阿强")
        assert wait_changed(w)
    finally:
        w.close()
        mine.close()
        theirs.close()


async def test_tui_on_postgres_sees_another_agents_changes_live(pg_url, clock):
    from cs_console.tui.app import CsConsoleApp

    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    other = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        desk.chats.inject("小王", "在吗")
        app = CsConsoleApp(desk, "小美")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert [c.buyer_nick for c in app.desk_screen.session_chats] == ["小王"]
            other.chats.inject("小李", "有货吗")       # written by another agent's desk
            for _ in range(200):           # LISTEN/NOTIFY → the 0.1 s poll re-reads
                await asyncio.sleep(0.05)
                if len(app.desk_screen.session_chats) == 2:
                    break
            assert sorted(c.buyer_nick for c in app.desk_screen.session_chats) == ["小李", "小王"]
            await pilot.press(*"亲在的", "enter")
            for _ in range(100):
                await pilot.pause(0.05)
                if [m.text for m in other.chats.log("小王")][-1] == "亲在的":
                    break
        assert [m.text for m in other.chats.log("小王")][-1] == "亲在的"
    finally:
        desk.close()
        other.close()


def test_cli_runs_on_postgres(pg_url):
    runner = CliRunner()

    def run(*args: str):
        who = args[args.index("--agent") + 1] if "--agent" in args else None  # signed in as them
        res = runner.invoke(cli_app, [*args, "--db", pg_url], env=cli_as(pg_url, who) if who else None)
        assert res.exit_code == 0, res.output
        return res.output

    run("chat", "inject", "在吗", "--buyer", "小王")
    run("chat", "send", "亲，在的", "--buyer", "小王", "--agent", "小美")
    rows = json.loads(run("chat", "list", "--json"))
    assert rows[0]["buyer"] == "小王" and rows[0]["status"] == "serving"
    note = json.loads(run("handover", "add", "小王要发顺丰", "--buyer", "小王", "--agent", "小美", "--json"))
    run("handover", "ack", note["id"][:8], "--agent", "阿强")
    listed = json.loads(run("handover", "list", "--json"))
    assert listed[0]["acked_by"] == "阿强"
