"""The team CLI: agents, chat assign/forward, hangup, broadcast; refusals exit non-zero and change nothing."""

from __future__ import annotations

import json

from sqlmodel import select
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.services.desk import make_desk
from cs_console.store.tables import Assignment
from tests.signin import cli_as

runner = CliRunner()


def run(db, *args, as_: str | None = None, **kw):
    """Run a command signed in as ``--agent X`` (or ``as_``) through a script token of theirs."""
    who = args[args.index("--agent") + 1] if "--agent" in args else as_
    return runner.invoke(app, [*args, "--db", str(db)], env=cli_as(db, who) if who else None, **kw)


def test_agents_assign_forward_hangup(db_path):
    # a new store: the first account is a supervisor with a password; then only they add agents
    assert run(db_path, "agents", "add", "老板", "--role", "主管", "--password-stdin",
               input="老板的密码1234\n").exit_code == 0
    assert run(db_path, "agents", "add", "小美").exit_code != 0  # nobody signed in
    assert run(db_path, "agents", "add", "小美", as_="老板").exit_code == 0
    assert run(db_path, "agents", "add", "小丽", "--capacity", "3", as_="老板").exit_code == 0
    assert run(db_path, "agents", "add", "x", "--role", "boss", as_="老板").exit_code != 0
    r = run(db_path, "agents", "add", "小丽", "--role", "主管", as_="小美")
    assert r.exit_code != 0 and "主管登录" in r.stderr  # an agent cannot make anyone a supervisor
    rows = json.loads(run(db_path, "agents", "list", "--json").stdout)
    assert [(r["name"], r["role"], r["capacity"]) for r in rows] == [
        ("老板", "supervisor", 8), ("小美", "agent", 8), ("小丽", "agent", 3)]
    run(db_path, "chat", "inject", "在吗", "--buyer", "小王")
    out = json.loads(run(db_path, "chat", "assign", "小王", "--json").stdout)
    assert out["agent"] is None  # nobody online: it waits in the queue
    assert run(db_path, "chat", "assign", "小王", "--to", "小美").exit_code == 2  # who assigns? sign in
    out = json.loads(run(db_path, "chat", "assign", "小王", "--to", "小美", "--json", as_="老板").stdout)
    assert out["agent"] == "小美"
    desk = make_desk(str(db_path))
    with desk.store.read() as s:
        [manual] = [a for a in s.exec(select(Assignment)).all() if a.kind == "manual"]
    desk.close()
    assert manual.by == "老板"  # chat assign records its actor
    # forward needs an online teammate and a reason
    r = run(db_path, "chat", "forward", "小王", "--to", "小丽", "--reason", "售后", "--agent", "小美")
    assert r.exit_code != 0 and "不在线" in r.stderr
    r = run(db_path, "hangup", "request", "--agent", "小美", "--reason", "吃饭", "--json")
    rid = json.loads(r.stdout)["id"]
    r = run(db_path, "hangup", "approve", str(rid), "--agent", "小丽")
    assert r.exit_code != 0 and "主管" in r.stderr
    assert json.loads(run(db_path, "hangup", "list", "--pending", "--json").stdout)[0]["state"] == "pending"
    r = run(db_path, "hangup", "approve", str(rid), "--agent", "老板", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["decided_by"] == "老板"


def test_broadcast_dry_run_and_refusals(db_path):
    r = run(db_path, "broadcast", "--filter", "bogus", "--text", "hi", "--agent", "小美")
    assert r.exit_code != 0 and "未知的筛选条件" in r.stderr
    r = run(db_path, "broadcast", "--filter", "unpaid", "--text", "hi {buyer}", "--agent", "小美", "--dry-run", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["would_send"] == 0
    r = run(db_path, "broadcast", "--filter", "unpaid", "--text", "hi", "--agent", "小美", "--yes")
    assert r.exit_code != 0 and "没有" in r.stderr


def test_broadcast_with_a_quick_reply_phrase(db_path):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk
    from tests.test_broadcast import _order  # the service tests' order helper

    desk = make_desk(str(db_path), policy=load_policy())
    _order(desk, "小王", "T1001", "WAIT_BUYER_PAY", 2, "连体衣")
    desk.close()
    r = run(db_path, "broadcast", "--filter", "unpaid", "--phrase", "nosuchcode", "--agent", "小美")
    assert r.exit_code != 0 and "nosuchcode" in r.stderr
    r = run(db_path, "broadcast", "--filter", "unpaid", "--phrase", "hi", "--text", "x", "--agent", "小美")
    assert r.exit_code == 2
    r = run(db_path, "broadcast", "--filter", "unpaid", "--phrase", "hi", "--agent", "小美", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["count"] == 1 and "我是客服小美" in out["preview"][0]["text"] and "{" not in out["preview"][0]["text"]
    [rec] = json.loads(run(db_path, "broadcast", "--history", "--json").stdout)
    assert (rec["agent"], rec["filter"], rec["count"]) == ("小美", "unpaid:24h", 1)
