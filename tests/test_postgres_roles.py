"""PostgreSQL enforces who acts: each agent connects as its own login role (SCRAM, checked by the
server), and whatever a forged client sends on that connection, the server refuses to write as
another agent, to create agents or roles, to decide hang-ups without being a supervisor, or to
rewrite the audit log. The legitimate paths through the services still work."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cs_console.cli import app as cli_app
from cs_console.config.policy import load_policy
from cs_console.domain.identity import SignInRefused
from cs_console.services.desk import make_desk
from cs_console.store import pg_roles
from cs_console.store.engine import normalize_url
from tests.order_seed import add_order

pytestmark = pytest.mark.postgres

SUPERVISOR_PW = "主管的密码-很长"
MEI_PW = "小美的密码12345"
QIANG_PW = "阿强的密码12345"


@pytest.fixture
def shop(pg_url, clock):
    """A store whose owner ran ``db grant``, a supervisor (bootstrap) who added 小美 and 阿强."""
    owner = make_desk(pg_url, policy=load_policy(), clock=clock)
    result = CliRunner().invoke(cli_app, ["db", "grant", "--db", pg_url])
    assert result.exit_code == 0, result.output
    owner.identity.add_agent(None, "主管A", "supervisor", password=SUPERVISOR_PW)
    sup = desk_as(pg_url, "主管A", SUPERVISOR_PW, clock)
    me = sup.identity.authenticate(sup.token)
    sup.identity.add_agent(me, "小美", "agent", password=MEI_PW)
    sup.identity.add_agent(me, "阿强", "agent", password=QIANG_PW)
    yield owner, sup, me
    sup.close()
    owner.close()


def desk_as(pg_url, name, password, clock):
    """The desk an agent's TUI/CLI gets after signing in: the server checked the password, and
    the store is now reached as the agent's session role."""
    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    desk.token = desk.identity.sign_in(name, password).token
    assert pg_roles.token_role(pg_roles.role_base(desk.store.url), desk.identity.authenticate(desk.token).session_id) \
        == make_url(desk.store.url).username
    return desk


def raw(pg_url, name, password):
    """A forged client: plain psycopg on the agent's own login, any SQL it likes."""
    u = make_url(normalize_url(pg_url))
    schema = pg_roles._search_path_schema(normalize_url(pg_url))
    conn = psycopg.connect(host=u.host, port=u.port, dbname=u.database, password=password,
                           user=pg_roles.agent_role(pg_roles.role_base(normalize_url(pg_url)), name),
                           options=f"-csearch_path={schema}", autocommit=True)
    return conn


def ids(owner):
    with owner.store.read() as s:
        from sqlmodel import select

        from cs_console.store.tables import Agent

        return {a.name: a.id for a in s.exec(select(Agent)).all()}


def refused(conn, sql, params=()):
    with pytest.raises((errors.InsufficientPrivilege, errors.RaiseException)) as exc:
        conn.execute(sql, params)
    return str(exc.value)


def test_the_server_checks_the_password_of_each_agent(shop, pg_url):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        raw(pg_url, "小美", "不是她的密码")
    with pytest.raises(psycopg.OperationalError):
        raw(pg_url, "小美", QIANG_PW)  # another agent's password opens only that agent's login
    with raw(pg_url, "小美", MEI_PW) as conn:
        assert conn.execute("SELECT session_user").fetchone()[0].endswith(".小美")


def test_a_forged_client_cannot_write_as_another_agent(shop, pg_url):
    owner, _sup, _me = shop
    chat_id = owner.chats.inject("买家甲", "在吗").chat_id
    agent = ids(owner)
    with raw(pg_url, "小美", MEI_PW) as conn:
        # (a) a message as 阿强
        assert "sent as the signed-in agent" in refused(
            conn, "INSERT INTO messages (chat_id, sender, agent_id, text, created_at) "
                  "VALUES (%s, 'agent', %s, '我是阿强', now())", (chat_id, agent["阿强"]))
        # a "buyer" message carrying an agent is refused too
        refused(conn, "INSERT INTO messages (chat_id, sender, agent_id, text, created_at) "
                      "VALUES (%s, 'buyer', %s, 'x', now())", (chat_id, agent["阿强"]))
        # (b) an audit row naming another actor
        assert "signed-in agent only" in refused(
            conn, "INSERT INTO audit_log (at, agent, entity, entity_key, field, old, new, reason) "
                  "VALUES (now(), '阿强', 'order', 'T1', 'remark', '', '改了', '')")
        # a draft of another agent
        refused(conn, "INSERT INTO drafts (chat_id, agent_id, text, cursor, updated_at) "
                      "VALUES (%s, %s, 'x', 0, now())", (chat_id, agent["阿强"]))
        # her own message is fine once the queued chat is hers (the server's claim, recorded)
        assert conn.execute("SELECT cs_console_take_chat(%s, %s, 'claim', NULL, '小美', '', now())",
                            (chat_id, agent["小美"])).fetchone()[0]
        conn.execute("INSERT INTO messages (chat_id, sender, agent_id, text, created_at) "
                     "VALUES (%s, 'agent', %s, '亲在的', now())", (chat_id, agent["小美"]))
    assert [m.text for m in owner.chats.log("买家甲")][-1] == "亲在的"


def test_a_forged_client_cannot_add_agents_or_grant_supervisor(shop, pg_url):
    owner, _sup, _me = shop
    agent = ids(owner)
    base = pg_roles.role_base(normalize_url(pg_url))
    with raw(pg_url, "小美", MEI_PW) as conn:
        # (c) a new agent, a role change, a capacity, another's password, a role of her own
        assert "needs a supervisor" in refused(
            conn, "INSERT INTO agents (name, role, status, created_at) VALUES ('黑客', 'supervisor', 'offline', now())")
        refused(conn, "UPDATE agents SET role = 'supervisor' WHERE id = %s", (agent["小美"],))
        refused(conn, "UPDATE agents SET status = 'hung_up' WHERE id = %s", (agent["阿强"],))
        refused(conn, "UPDATE agent_profiles SET capacity = 99 WHERE agent_id = %s", (agent["小美"],))
        verifier = conn.pgconn.encrypt_password(b"new-password-1", f"{base}.阿强".encode(), b"scram-sha-256").decode()
        refused(conn, "SELECT cs_console_set_login('阿强', %s)", (verifier,))
        refused(conn, f'CREATE ROLE "{base}.黑客" LOGIN PASSWORD \'x\'')
        refused(conn, f'GRANT "{base}_agent" TO "{base}.小美" WITH ADMIN OPTION')
        refused(conn, "SET ROLE postgres")
        # nothing to read that would help: password hashes and the login mapping are closed
        refused(conn, "SELECT * FROM agent_credentials")
        refused(conn, "SELECT * FROM cs_logins")
        refused(conn, "INSERT INTO cs_logins VALUES ('x', %s, 'agent', NULL)", (agent["主管A"],))
    roles = {a.name: a.role for a in owner.team.agents()}
    assert roles == {"主管A": "supervisor", "小美": "agent", "阿强": "agent"}


def test_a_forged_client_cannot_decide_a_hangup(shop, pg_url, clock):
    owner, sup, me = shop
    agent = ids(owner)
    qiang = desk_as(pg_url, "阿强", QIANG_PW, clock)
    try:
        qiang.team.start("阿强")
        req = qiang.team.request_hangup("阿强", "吃饭")
    finally:
        qiang.close()
    with raw(pg_url, "小美", MEI_PW) as conn:
        # (d) an agent approving a teammate's hang-up, as herself or as the supervisor
        for decider in ("小美", "主管A"):
            assert "decided by another agent who is a supervisor" in refused(
                conn, "UPDATE hangup_requests SET state = 'approved', decided_by = %s, decided_at = now() "
                      "WHERE id = %s", (agent[decider], req))
        refused(conn, "DELETE FROM hangup_requests WHERE id = %s", (req,))
        refused(conn, "INSERT INTO hangup_requests (agent_id, reason, state, requested_at) "
                      "VALUES (%s, '替他申请', 'approved', now())", (agent["阿强"],))
    with raw(pg_url, "阿强", QIANG_PW) as conn:  # nor her own (his own)
        refused(conn, "UPDATE hangup_requests SET state = 'approved', decided_by = %s, decided_at = now() "
                      "WHERE id = %s", (agent["阿强"], req))
    with raw(pg_url, "主管A", SUPERVISOR_PW) as conn:  # a supervisor decides only as herself
        refused(conn, "UPDATE hangup_requests SET state = 'approved', decided_by = %s, decided_at = now() "
                      "WHERE id = %s", (agent["小美"], req))
    assert [h.state for h in owner.team.hangups()] == ["pending"]
    view = sup.team.decide_hangup(req, me.name, approve=True)  # the service, as the supervisor
    assert (view.state, view.decided_by) == ("approved", "主管A")


def test_a_forged_client_cannot_rewrite_the_audit_log(shop, pg_url, clock):
    owner, _sup, _me = shop
    add_order(owner, "T1", "买家甲", placed_at=clock())
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        mei_p = mei.identity.authenticate(mei.token)
        mei.orders.flag("T1", "red", "加急发货", mei_p)  # the service, as 小美: audited as 小美
    finally:
        mei.close()
    with owner.store.read() as s:
        from cs_console.store.audit import trail

        rows = trail(s, "order", "T1")
    assert rows and {r.agent for r in rows} == {"小美"}
    with raw(pg_url, "小美", MEI_PW) as conn:
        # (e) UPDATE / DELETE / TRUNCATE of the audit and handover logs
        refused(conn, "UPDATE audit_log SET agent = '阿强'")
        refused(conn, "DELETE FROM audit_log")
        refused(conn, "TRUNCATE audit_log")
        refused(conn, "DELETE FROM handover_events")
    with owner.store.read() as s:
        assert [r.agent for r in trail(s, "order", "T1")] == [r.agent for r in rows]


def test_agents_work_through_the_services_on_their_own_login(shop, pg_url, clock):
    owner, sup, me = shop
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        p = mei.identity.authenticate(mei.token)
        assert (p.name, p.role) == ("小美", "agent")
        mei.team.start("小美")
        mei.chats.inject("买家乙", "有货吗")
        mei.team.distribute("小美")
        posted = mei.chats.send_to_buyer("买家乙", p, "亲，有的")
        assert posted.chat_id
        assert [m.text for m in owner.chats.log("买家乙")][-1] == "亲，有的"
        req = mei.team.request_hangup("小美", "午休")
        sup.team.decide_hangup(req, me.name, approve=True)
        mei.team.resume("小美")
        assert mei.team.presence("小美")[1] == "online"
        mei.handover.add("交接：买家乙要发顺丰", p.name)
        # a client-side forgery of the principal still lands on the server's check
        forged = type(p)(ids(owner)["阿强"], "阿强", "agent")
        with pytest.raises(Exception) as exc:
            mei.chats.send_to_buyer("买家乙", forged, "我是阿强")
        assert "阿强" not in [m.text for m in owner.chats.log("买家乙")][-1]
        assert exc.type.__name__ in {"ProgrammingError", "InternalError", "NotYourChat", "SignInRefused"}
        with pytest.raises(SignInRefused):
            mei.identity.add_agent(p, "新人", "agent", password="新人的密码12345")
    finally:
        mei.close()
    # the supervisor adds an agent and changes a role through the service
    sup.identity.add_agent(me, "小王", "agent", password="小王的密码12345")
    sup.identity.add_agent(me, "小美", "trainee_supervisor")
    wang = desk_as(pg_url, "小王", "小王的密码12345", clock)
    try:
        assert wang.identity.authenticate(wang.token).name == "小王"
    finally:
        wang.close()


def test_cli_on_postgres_signs_in_with_the_server(shop, pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CS_CONSOLE_SESSIONS", str(tmp_path / "sessions"))
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(cli_app, [*args, "--db", pg_url], input=stdin)

    bad = run("login", "小美", "--password-stdin", stdin="错的密码\n")
    assert bad.exit_code == 2 and "用户名或密码错误" in bad.output
    ok = run("login", "小美", "--password-stdin", stdin=MEI_PW + "\n")
    assert ok.exit_code == 0, ok.output
    who = run("whoami", "--json")
    assert who.exit_code == 0 and "小美" in who.output, who.output
    assert who.exit_code == 0 and '"小美"' in who.output
    refused_add = run("agents", "add", "黑客", "--role", "supervisor")
    assert refused_add.exit_code != 0 and "主管" in refused_add.output
    token = run("agents", "token", "--label", "bridge")
    assert token.exit_code == 0 and token.output.startswith("csp_")
    assert run("logout").exit_code == 0
    after = run("whoami")
    assert after.exit_code == 2
    # the script token still works on its own (its own login role)
    monkeypatch.setenv("CS_CONSOLE_TOKEN", token.output.strip())
    assert '"小美"' in run("whoami", "--json").output


def agent_url(pg_url, name):
    """The URL an agent's PC is given: the store, the agent's login name, no password."""
    full = normalize_url(pg_url)
    return make_url(full).set(username=pg_roles.agent_role(pg_roles.role_base(full), name)) \
        .render_as_string(hide_password=False)


def test_without_a_password_the_store_waits_for_the_agents_sign_in(shop, pg_url, clock):
    desk = make_desk(agent_url(pg_url, "小美"), policy=load_policy(), clock=clock)
    try:
        assert desk.store.awaiting_login
        from cs_console.store.engine import StoreError

        with pytest.raises(StoreError, match="请先登录"):
            desk.team.agents()
        with pytest.raises(SignInRefused, match="用户名或密码错误"):
            desk.identity.sign_in("小美", QIANG_PW)
        assert desk.store.awaiting_login
        signed = desk.identity.sign_in("小美", MEI_PW)
        assert signed.principal.name == "小美" and not desk.store.awaiting_login
        assert {a.name for a in desk.team.agents()} == {"主管A", "小美", "阿强"}
    finally:
        desk.close()


async def test_tui_signs_in_on_postgres_with_the_servers_check(shop, pg_url, clock):
    from textual.widgets import Label

    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.sign_in import SignInScreen
    from tests.pilot_wait import wait_for

    owner, sup, me = shop
    pw = "xiaowang-pass-123"  # typed key by key: ASCII
    sup.identity.add_agent(me, "小王", "agent", password=pw)
    chat = owner.chats.inject("买家丙", "在吗").chat_id
    desk = make_desk(agent_url(pg_url, "小王"), policy=load_policy(), clock=clock)
    app = CsConsoleApp(desk, "小王", sign_in="screen")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
            await wait_for(pilot, lambda: app.focused is next(iter(app.screen.query("#signin-password")), False))
            await pilot.press(*"wrong-password", "enter")
            await wait_for(pilot, lambda: "密码错误" in str(app.screen.query_one("#error", Label).render()))
            assert app.principal is None
            await pilot.press(*pw, "enter")
            await wait_for(pilot, lambda: app.principal is not None, timeout=15)
            await wait_for(pilot, lambda: bool(app.query("#sessions")))
            assert make_url(desk.store.url).username.startswith(pg_roles.role_base(desk.store.url) + "#")
            await pilot.press(*"zaide", "enter")
            await wait_for(pilot, lambda: any(m.sender == "agent" for m in owner.chats.recent(chat)), timeout=10)
    finally:
        desk.close()
    [reply] = [m for m in owner.chats.recent(chat) if m.sender == "agent"]
    assert reply.author == "小王"


def test_a_session_ends_on_the_server_when_it_expires_or_signs_out(shop, pg_url, clock):
    import time

    policy = load_policy()
    short = policy.model_copy(update={"identity": policy.identity.model_copy(update={"session_hours": 0.0005})})
    desk = make_desk(pg_url, policy=short, clock=clock)
    try:
        token = desk.identity.sign_in("小美", MEI_PW).token
        sid, secret = pg_roles.parse_token(token)
        u = make_url(desk.store.url)
        role = pg_roles.token_role(pg_roles.role_base(desk.store.url), sid)
        psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=role, password=secret).close()
        time.sleep(2.5)  # the session lasted 1.8 s: the server itself no longer lets it in
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=role, password=secret)
    finally:
        desk.close()
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        sid, secret = pg_roles.parse_token(mei.token)
        assert mei.identity.sign_out(mei.token)
        role = pg_roles.token_role(pg_roles.role_base(mei.store.url), sid)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=role, password=secret)
    finally:
        mei.close()


def test_db_grant_is_repeatable_and_only_for_postgres(shop, pg_url, db_path):
    runner = CliRunner()
    again = runner.invoke(cli_app, ["db", "grant", "--db", pg_url, "--json"])
    assert again.exit_code == 0 and '"group_role"' in again.output
    sqlite = runner.invoke(cli_app, ["db", "grant", "--db", str(db_path)])
    assert sqlite.exit_code == 2 and "SQLite" in sqlite.output


def test_the_readme_setup_on_an_agents_pc_url_without_user_or_password(shop, pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CS_CONSOLE_SESSIONS", str(tmp_path / "sessions"))
    plain = make_url(normalize_url(pg_url))._replace(username=None, password=None).render_as_string()
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(cli_app, ["--db", plain, *args], input=stdin)

    before = run("agents", "list")  # cs-console's error path prints the store's sentence
    from cs_console.services.errors import report

    assert before.exit_code != 0 and "请先登录" in report(before.exception, "cli")
    assert run("login", "主管A", "--password-stdin", stdin=SUPERVISOR_PW + "\n").exit_code == 0
    added = run("agents", "add", "小刘", "--password-stdin", stdin="小刘的密码12345\n")
    assert added.exit_code == 0, added.output
    assert run("logout").exit_code == 0
    assert run("login", "小刘", "--password-stdin", stdin="小刘的密码12345\n").exit_code == 0
    who = run("whoami", "--json")
    assert who.exit_code == 0 and '"小刘"' in who.output, who.output
    grant = run("agents", "add", "小刘", "--role", "supervisor")
    assert grant.exit_code != 0 and "主管" in grant.output
