"""Sign-in: argon2 passwords, lock-out after wrong passwords, sessions that expire, 0600 token
files, supervisor-only actions, the CLI acting as the signed-in agent (never a typed name)."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config.credentials import CredentialFileError, read_secret_file, write_secret_file
from cs_console.domain.identity import Principal, SignInRefused
from cs_console.domain.team import TeamRuleError
from cs_console.store.identity import UnknownAgent
from cs_console.store.tables.identity import AgentCredential
from tests.signin import add_agent, cli_as, sign_in

runner = CliRunner()
PW = "正确的密码abc"


def test_password_is_stored_as_an_argon2_hash_and_checked(desk):
    boss = desk.identity.add_agent(None, "主管", "supervisor", password=PW)  # first account of a new store
    assert boss.is_supervisor
    with desk.store.read() as s:
        stored = s.get(AgentCredential, boss.agent_id).password_hash
    assert stored.startswith("$argon2id$") and PW not in stored
    signed = desk.identity.sign_in("主管", PW)
    assert signed.principal.name == "主管" and desk.identity.authenticate(signed.token) == signed.principal
    for wrong in ("正确的密码abd", ""):
        with pytest.raises(SignInRefused, match="用户名或密码错误"):
            desk.identity.sign_in("主管", wrong)
    with pytest.raises(SignInRefused, match="用户名或密码错误"):  # same words for an unknown name
        desk.identity.sign_in("没有这个人", PW)


def test_wrong_passwords_are_rate_limited(desk, clock):
    desk.identity.add_agent(None, "主管", "supervisor", password=PW)
    limit = desk.policy.identity.max_failures
    for _ in range(limit):
        with pytest.raises(SignInRefused, match="密码错误"):
            desk.identity.sign_in("主管", "猜的密码12345")
    with pytest.raises(SignInRefused, match="秒后再试"):
        desk.identity.sign_in("主管", PW)  # even the right password waits now
    clock.advance(seconds=desk.policy.identity.lockout_seconds + 1)
    assert desk.identity.sign_in("主管", PW).principal.name == "主管"


def test_sessions_expire_and_sign_out_ends_them(desk, clock):
    signed = sign_in(desk, "小美", password=PW)
    token = desk.identity.issue_token(signed, "桥接").token
    clock.advance(hours=desk.policy.identity.session_hours + 0.1)
    with pytest.raises(SignInRefused, match="过期"):
        desk.identity.authenticate(_session_token(desk, PW))
    assert desk.identity.authenticate(token).name == "小美"  # a script token lasts token_days
    desk.identity.sign_out(token)
    with pytest.raises(SignInRefused, match="退出"):
        desk.identity.authenticate(token)


def _session_token(desk, password):
    """A session signed in an hour-and-more ago has expired by now (see the clock above)."""
    clock = desk.identity.clock
    now = clock.now
    clock.now = now - timedelta(hours=desk.policy.identity.session_hours + 0.1)
    try:
        return desk.identity.sign_in("小美", password).token
    finally:
        clock.now = now


def test_a_forged_principal_is_refused(desk):
    real = sign_in(desk, "小美")
    chat = desk.chats.inject("小王", "在吗").chat_id
    for forged in (Principal(real.agent_id, "主管", "supervisor"), Principal(999, "小美", "agent")):
        with pytest.raises(UnknownAgent):
            desk.chats.send(chat, forged, "冒名回复")
    assert [m.sender for m in desk.chats.recent(chat)] == ["buyer"]


def test_supervisor_actions_need_a_supervisors_sign_in(desk):
    boss = desk.identity.add_agent(None, "主管", "supervisor", password=PW)
    with pytest.raises(SignInRefused):
        desk.identity.add_agent(None, "第二个主管", "supervisor", password=PW)  # bootstrap is over
    mei = desk.identity.add_agent(boss, "小美", "agent", password=PW)
    with pytest.raises(SignInRefused, match="主管登录"):
        desk.identity.add_agent(mei, "小美", "supervisor")  # promoting oneself
    with pytest.raises(SignInRefused, match="主管"):
        desk.identity.set_password(mei, "主管", "夺权的密码12345")
    rid = desk.team.request_hangup("小美", "吃饭")
    with pytest.raises(TeamRuleError):
        desk.team.decide_hangup(rid, mei.name, True)
    assert desk.team.decide_hangup(rid, boss.name, True).state == "approved"


def test_token_files_must_be_readable_by_their_owner_only(tmp_path):
    f = tmp_path / "agent.token"
    write_secret_file(f, "csc_secret")
    assert oct(f.stat().st_mode & 0o777) == "0o600" and read_secret_file(f) == "csc_secret"
    os.chmod(f, 0o644)
    with pytest.raises(CredentialFileError, match="chmod 600"):
        read_secret_file(f)


def test_cli_login_acts_as_the_signed_in_agent_and_refuses_typed_names(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("CS_CONSOLE_SESSIONS", str(tmp_path / "sessions"))
    db = str(db_path)
    assert runner.invoke(app, ["agents", "add", "小美", "--db", db]).exit_code == 2  # first must be a supervisor
    r = runner.invoke(app, ["agents", "add", "主管", "--role", "supervisor", "--password-stdin", "--db", db],
                      input=PW + "\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["hangup", "list", "--db", db])
    assert r.exit_code == 0  # reading needs no sign-in
    r = runner.invoke(app, ["agents", "add", "小美", "--db", db])
    assert r.exit_code == 2 and "请先登录" in r.stderr
    r = runner.invoke(app, ["login", "主管", "--password-stdin", "--db", db], input="错的\n")
    assert r.exit_code == 2 and "用户名或密码错误" in r.stderr
    r = runner.invoke(app, ["login", "主管", "--password-stdin", "--db", db, "--json"], input=PW + "\n")
    assert r.exit_code == 0 and json.loads(r.stdout)["agent"] == "主管"
    [session] = list((tmp_path / "sessions").iterdir())
    assert oct(session.stat().st_mode & 0o777) == "0o600" and PW not in session.read_text()
    r = runner.invoke(app, ["agents", "add", "小美", "--password-stdin", "--db", db], input="小美的密码123\n")
    assert r.exit_code == 0, r.output
    assert json.loads(runner.invoke(app, ["whoami", "--db", db, "--json"]).stdout)["agent"] == "主管"
    r = runner.invoke(app, ["chat", "inject", "在吗", "--buyer", "小王", "--db", db])
    r = runner.invoke(app, ["chat", "send", "在的", "--buyer", "小王", "--agent", "小美", "--db", db])
    assert r.exit_code == 2 and "当前登录的是 主管" in r.stderr
    assert runner.invoke(app, ["logout", "--db", db]).exit_code == 0
    r = runner.invoke(app, ["chat", "send", "在的", "--buyer", "小王", "--db", db])
    assert r.exit_code == 2 and "请先登录" in r.stderr
    # a script uses a token file of its own agent (mode 0600)
    token_file = tmp_path / "xm.token"
    r = runner.invoke(app, ["agents", "token", "--file", str(token_file), "--db", db], env=cli_as(db, "小美"))
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["chat", "send", "在的", "--buyer", "小王", "--db", db, "--json"],
                      env={"CS_CONSOLE_TOKEN_FILE": str(token_file)})
    assert r.exit_code == 0 and json.loads(r.stdout)["agent"] == "小美"


def test_hangup_approve_by_a_typed_supervisor_name_is_refused(db_path):
    db = str(db_path)
    from cs_console.services.desk import make_desk

    desk = make_desk(db)
    add_agent(desk, "主管", "supervisor")
    add_agent(desk, "小美")
    rid = desk.team.request_hangup("小美", "吃饭")
    desk.close()
    r = runner.invoke(app, ["hangup", "approve", str(rid), "--agent", "主管", "--db", db], env=cli_as(db, "小美"))
    assert r.exit_code == 2 and "当前登录的是 小美" in r.stderr
    r = runner.invoke(app, ["hangup", "approve", str(rid), "--db", db], env=cli_as(db, "小美"))
    assert r.exit_code == 1 and "主管" in r.stderr
    r = runner.invoke(app, ["hangup", "approve", str(rid), "--db", db, "--json"], env=cli_as(db, "主管"))
    assert r.exit_code == 0 and json.loads(r.stdout)["decided_by"] == "主管"
