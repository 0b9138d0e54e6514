"""The chat CLI: inject/send/list/log with --json, errors exit non-zero and change nothing."""

import json

from typer.testing import CliRunner

from cs_console.cli import app
from tests.signin import cli_as, cli_token

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_inject_send_list_log(db_path):
    db = str(db_path)
    r = run("chat", "inject", "--buyer", "小王", "在吗", "--db", db, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["buyer"] == "小王"
    rows = json.loads(run("chat", "list", "--db", db, "--json").stdout)
    assert rows[0]["buyer"] == "小王" and rows[0]["status"] == "waiting" and rows[0]["unread"] == 1
    assert rows[0]["first_response_seconds"] is None and rows[0]["waiting_seconds"] >= 0
    r = runner.invoke(app, ["chat", "send", "--buyer", "小王", "亲，在的", "--agent", "小美", "--db", db, "--json"],
                      env=cli_as(db, "小美"))
    assert r.exit_code == 0, r.output
    rows = json.loads(run("chat", "list", "--db", db, "--json").stdout)
    assert rows[0]["status"] == "serving" and rows[0]["first_response_seconds"] is not None
    log = json.loads(run("chat", "log", "--buyer", "小王", "--db", db, "--json").stdout)
    assert [(m["sender"], m["text"]) for m in log] == [("buyer", "在吗"), ("agent", "亲，在的")]


def test_send_to_unknown_buyer_fails_cleanly(db_path):
    r = runner.invoke(app, ["chat", "send", "--buyer", "没有这个人", "hi", "--agent", "小美", "--db", str(db_path)],
                      env=cli_as(db_path, "小美"))
    assert r.exit_code == 1
    assert "没有买家 没有这个人" in r.stderr
    assert json.loads(run("chat", "list", "--db", str(db_path), "--json").stdout) == []


def test_send_requires_a_sign_in_not_a_typed_name(db_path, monkeypatch):
    monkeypatch.setenv("CS_CONSOLE_AGENT", "小美")
    run("chat", "inject", "--buyer", "小王", "在吗", "--db", str(db_path))
    cli_token(db_path, "小美")  # 小美 exists; typing her name is not signing in as her
    for extra in ([], ["--agent", "小美"]):
        r = run("chat", "send", "--buyer", "小王", "hi", "--db", str(db_path), *extra)
        assert r.exit_code == 2 and "请先登录" in r.stderr
    r = runner.invoke(app, ["chat", "send", "--buyer", "小王", "hi", "--db", str(db_path), "--agent", "小美"],
                      env=cli_as(db_path, "阿强"))
    assert r.exit_code == 2 and "当前登录的是 阿强" in r.stderr
    log = json.loads(run("chat", "log", "--buyer", "小王", "--db", str(db_path), "--json").stdout)
    assert [m["sender"] for m in log] == ["buyer"]  # nothing was sent


def test_newer_store_refused(db_path):
    import sqlite3

    run("init", "--db", str(db_path))
    con = sqlite3.connect(db_path)
    con.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    con.commit()
    r = run("chat", "list", "--db", str(db_path))
    assert r.exit_code == 2 and "newer cs-console" in r.stderr


def test_db_from_environment(db_path, monkeypatch):
    monkeypatch.setenv("CS_CONSOLE_DB", str(db_path))
    assert run("chat", "inject", "--buyer", "小王", "在吗").exit_code == 0
    assert db_path.exists()


def test_agent_and_db_from_user_config_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CS_CONSOLE_AGENT", raising=False)
    monkeypatch.delenv("CS_CONSOLE_DB", raising=False)
    cfg = tmp_path / "config.yaml"
    db = tmp_path / "from-config.db"
    cfg.write_text(f"agent: 小美\ndb: {db}\n", encoding="utf-8")
    monkeypatch.setenv("CS_CONSOLE_CONFIG", str(cfg))
    assert run("chat", "inject", "--buyer", "小王", "在吗").exit_code == 0
    r = runner.invoke(app, ["chat", "send", "--buyer", "小王", "在的", "--json"], env=cli_as(db, "小美"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["agent"] == "小美" and db.exists()


def test_bad_user_config_reported_with_line(tmp_path, monkeypatch):
    monkeypatch.delenv("CS_CONSOLE_AGENT", raising=False)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("agent: 小美\ncolour: red\n", encoding="utf-8")
    monkeypatch.setenv("CS_CONSOLE_CONFIG", str(cfg))
    r = run("chat", "send", "--buyer", "x", "hi", "--db", str(tmp_path / "s.db"))
    assert r.exit_code == 2 and f"{cfg}:2: colour: 未知的键" in r.stderr


def test_plain_tui_invocation_is_recognised_without_typer():
    from cs_console.cli import plain_tui_options

    assert plain_tui_options([]) == {}
    assert plain_tui_options(["--db", "x.db", "--agent=小美"]) == {"db": "x.db", "agent": "小美"}
    assert plain_tui_options(["chat", "list"]) is None
    assert plain_tui_options(["--db"]) is None  # Typer reports the missing value
    assert plain_tui_options(["--help"]) is None
    assert plain_tui_options(["--db", "a", "--db", "b"]) is None


def test_tui_start_path_does_not_import_typer_or_the_store():
    """Everything ``cs-console --agent A`` runs before the app's first frame stays light."""
    import subprocess
    import sys

    code = (
        "import sys, cs_console.cli, cs_console.tui.run as run\n"
        "run.run_tui = lambda *a, **k: print(','.join(sorted(m for m in\n"
        "    ('typer', 'sqlalchemy', 'sqlmodel', 'pydantic', 'ruamel') if m in sys.modules)) or 'none')\n"
        "sys.argv = ['cs-console', '--agent', '小美']\n"
        "cs_console.cli.main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "none"
