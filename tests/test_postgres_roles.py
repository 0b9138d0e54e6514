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
from cs_console.store import pg_install, pg_roles
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


def _connect(pg_url, user, password):
    u = make_url(normalize_url(pg_url))
    schema = pg_roles._search_path_schema(normalize_url(pg_url))
    return psycopg.connect(host=u.host, port=u.port, dbname=u.database, password=password, user=user,
                           options=f"-csearch_path={schema}", autocommit=True)


def gate(pg_url):
    """Plain psycopg on the sign-in gate (its password is public)."""
    base = pg_roles.role_base(normalize_url(pg_url))
    return _connect(pg_url, pg_roles.gate_role(base), pg_roles.gate_password(base))


def try_password(conn, name, password, hours=1.0):
    """One sign-in attempt as any client would make it: the session id, or None if refused."""
    salt = conn.execute("SELECT cs_console_sign_in_salt(%s)", (name,)).fetchone()[0]
    verifier = conn.pgconn.encrypt_password(b"secret-of-the-session", b"x", b"scram-sha-256").decode()
    return conn.execute("SELECT cs_console_sign_in(%s, %s, %s, %s, now(), now() + interval '1 hour')",
                        (name, pg_roles.password_proof(password, salt), verifier, hours)).fetchone()[0]


def raw(pg_url, name, password):
    """A forged client: plain psycopg, signed in through the server's gate, then on its own
    session role with any SQL it likes."""
    with gate(pg_url) as g:
        sid = try_password(g, name, password)
    assert sid is not None, "wrong password"
    return _connect(pg_url, pg_roles.token_role(pg_roles.role_base(normalize_url(pg_url)), sid),
                    "secret-of-the-session")


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
    with gate(pg_url) as g:
        assert try_password(g, "小美", "不是她的密码") is None
        assert try_password(g, "小美", QIANG_PW) is None  # another agent's password opens only that agent
        assert try_password(g, "没有这个人", MEI_PW) is None  # the same answer for an unknown name
        # the gate can do nothing else
        refused(g, "SELECT * FROM agents")
        refused(g, "SELECT cs_console_issue_login('x', 'token', 'token', '', 1, now(), now())")
    base = pg_roles.role_base(normalize_url(pg_url))
    for password in (MEI_PW, "不是她的密码"):  # the agent's own role has no login at all
        with pytest.raises(psycopg.OperationalError):
            _connect(pg_url, pg_roles.agent_role(base, "小美"), password)
    with raw(pg_url, "小美", MEI_PW) as conn:
        assert conn.execute("SELECT session_user").fetchone()[0].startswith(base + "#")


def test_a_forged_client_cannot_write_as_another_agent(shop, pg_url, clock):
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
                     "VALUES (%s, 'agent', %s, '亲在的', %s)", (chat_id, agent["小美"], clock()))
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


def test_the_server_applies_the_domains_move_rule_case_for_case(shop, pg_url):
    from cs_console.domain.team import move_refusal
    from tests.team_moves import MOVE_CASES

    with raw(pg_url, "小美", MEI_PW) as conn:
        for kind, actor, sup, from_agent, to_agent, from_offline, refusal in MOVE_CASES:
            server = conn.execute("SELECT cs_console_move_refusal(%s, %s, %s, %s, %s, %s)",
                                  (kind, actor, sup, from_agent, to_agent, from_offline)).fetchone()[0]
            python = move_refusal(kind, actor=actor, actor_is_supervisor=sup, from_agent=from_agent,
                                  to_agent=to_agent, from_offline=from_offline)
            assert (kind, actor, from_agent, to_agent, server) == (kind, actor, from_agent, to_agent, python)
            assert server == refusal


def take(conn, chat_id, to, kind, expected, by):
    """The server's one way of moving a chat, called by a forged client with any arguments."""
    return conn.execute("SELECT cs_console_take_chat(%s, %s, %s, %s, %s, '', now())",
                        (chat_id, to, kind, expected, by)).fetchone()[0]


def qiangs_chat(owner, buyer="买家甲"):
    """A waiting chat of 阿强, who is at his desk."""
    with owner.store.write() as s:
        from cs_console.store import team as team_repo

        qiang = team_repo.get_agent(s, "阿强")
        qiang.status, qiang.heartbeat_at = "online", owner.clock()
    chat_id = owner.chats.inject(buyer, "在吗").chat_id
    owner.team.assign(buyer, "阿强")  # the owner (setup) passes every rule
    return chat_id


def moves_of(owner, chat_id):
    with owner.store.read() as s:
        from sqlmodel import select

        from cs_console.store.tables import Assignment

        return [(a.kind, a.by, a.from_agent_id, a.agent_id) for a in
                s.exec(select(Assignment).where(Assignment.chat_id == chat_id).order_by(Assignment.id)).all()]


def test_a_forged_client_cannot_answer_or_take_a_colleagues_chat(shop, pg_url):
    owner, _sup, _me = shop
    agent = ids(owner)
    chat_id = qiangs_chat(owner)
    before = moves_of(owner, chat_id)
    with raw(pg_url, "小美", MEI_PW) as conn:
        # 小美 answers 阿强's chat as herself: the message is hers, the chat is not
        assert "row-level security" in refused(
            conn, "INSERT INTO messages (chat_id, sender, agent_id, text, created_at) "
                  "VALUES (%s, 'agent', %s, '我来回答', now())", (chat_id, agent["小美"]))
        # nor can she make it hers: not by a plain write, not by writing the record herself
        assert "permission denied" in refused(conn, "UPDATE chats SET agent_id = %s WHERE id = %s",
                                              (agent["小美"], chat_id))
        refused(conn, "INSERT INTO assignments (chat_id, agent_id, from_agent_id, kind, \"by\", reason, at) "
                      "VALUES (%s, %s, %s, 'takeover', '主管A', '', now())", (chat_id, agent["小美"], agent["阿强"]))
        refused(conn, "DELETE FROM assignments")
        # nor through the server's function under any name of a move
        for kind, to, expected, by, why in [
                ("takeover", "小美", "阿强", "小美", "takeover_needs_supervisor"),
                ("manual", "小美", "阿强", "小美", "reassign_needs_supervisor"),
                ("claim", "小美", "阿强", "小美", "move_not_queued"),
                ("auto", "小美", None, "", "move_not_queued"),  # it is not queued: nothing taken
                ("breach", "小美", "阿强", "", "breach_to_self"),
                ("forward", "主管A", "阿强", "小美", "forward_not_yours"),
                ("requeue", None, "阿强", "小美", "requeue_other"),  # 阿强 is not offline
                ("manual", "阿强", None, "主管A", "move_by_other")]:  # signed as someone else
            params = (chat_id, agent.get(to), kind, agent.get(expected), by)
            if kind == "auto":
                assert take(conn, *params) is False
                continue
            assert why in refused(conn, "SELECT cs_console_take_chat(%s, %s, %s, %s, %s, '', now())", params)
        # a new chat cannot start as hers either
        buyer = conn.execute("SELECT buyer_id FROM chats WHERE id = %s", (chat_id,)).fetchone()[0]
        assert "starts in the queue" in refused(
            conn, "INSERT INTO chats (buyer_id, agent_id, status, opened_at, unread, message_count, last_preview) "
                  "VALUES (%s, %s, 'serving', now(), 0, 0, '')", (buyer, agent["小美"]))
        # a "broadcast" into his chat needs a broadcast of her own, once per buyer
        assert "sent as the signed-in agent" in refused(
            conn, "INSERT INTO broadcasts (agent, at, filter, text, count, skipped) "
                  "VALUES ('阿强', now(), 'tag:x', 'x', 0, 0)")
        bid = conn.execute("INSERT INTO broadcasts (agent, at, filter, text, count, skipped) "
                           "VALUES ('小美', now(), 'tag:x', '新品', 0, 0) RETURNING id").fetchone()[0]
        conn.execute("SELECT cs_console_post_broadcast(%s, %s, '新品上架', now())", (bid, chat_id))
        assert "broadcast_not_yours" in refused(
            conn, "SELECT cs_console_post_broadcast(%s, %s, '再来一条', now())", (bid, chat_id))
        refused(conn, "INSERT INTO broadcast_recipients (broadcast_id, buyer_id, chat_id, message_id, at) "
                      "SELECT %s, %s, %s, max(id), now() FROM messages", (bid, buyer, chat_id))
    summary = owner.chats.summary(chat_id)
    assert summary.agent == "阿强" and summary.status == "waiting"  # still his, still waiting
    assert [m.text for m in owner.chats.recent(chat_id) if m.sender == "agent"] == ["新品上架"]
    assert moves_of(owner, chat_id) == before


def test_a_server_refusal_of_a_move_reads_as_the_rule_in_chinese(shop, pg_url, clock):
    """A client that skips its own check (here: no actor given) still meets the server's rule,
    and the user reads that rule, not a database error."""
    from sqlalchemy.exc import DBAPIError

    from cs_console.services.errors import user_message
    from cs_console.store import team as team_repo

    owner, _sup, _me = shop
    chat_id = qiangs_chat(owner)
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        with pytest.raises(DBAPIError) as exc, mei.store.write() as s:
            team_repo.take_chat(s, chat_id, ids(owner)["小美"], clock(), kind="manual", expected=ids(owner)["阿强"],
                                by="小美")
        assert user_message(exc.value) == "只有主管可以改派其他客服的会话"
    finally:
        mei.close()
    assert owner.chats.summary(chat_id).agent == "阿强"


def test_a_supervisor_answers_a_colleagues_chat_after_a_recorded_takeover(shop, pg_url, clock):
    owner, sup, me = shop
    agent = ids(owner)
    chat_id = qiangs_chat(owner)
    with raw(pg_url, "主管A", SUPERVISOR_PW) as conn:
        answer = ("INSERT INTO messages (chat_id, sender, agent_id, text, created_at) "
                  "VALUES (%s, 'agent', %s, '主管来处理', %s)", (chat_id, agent["主管A"], clock()))
        refused(conn, *answer)  # a supervisor too: first the takeover, then the answer
        assert "move_by_other" in refused(conn, "SELECT cs_console_take_chat(%s, %s, 'takeover', %s, '阿强', '', now())",
                                          (chat_id, agent["主管A"], agent["阿强"]))
        assert take(conn, chat_id, agent["主管A"], "takeover", agent["阿强"], "主管A") is True
        conn.execute(*answer)
    assert moves_of(owner, chat_id)[-1] == ("takeover", "主管A", agent["阿强"], agent["主管A"])
    assert owner.chats.summary(chat_id).agent == "主管A"
    # the service's way: one send, the takeover recorded with a system line
    other = qiangs_chat(owner, "买家乙")
    sup.chats.send(other, me, "亲，我是主管")
    assert moves_of(owner, other)[-1] == ("takeover", "主管A", agent["阿强"], agent["主管A"])
    assert [m.text for m in owner.chats.recent(other)][-2:] == ["主管 主管A 接手了 阿强 的会话", "亲，我是主管"]


def test_the_team_paths_work_on_the_agents_own_logins(shop, pg_url, clock):
    """Reply, claim, forward, broadcast, overdue reassignment, quitting and a stale colleague,
    each through the services of agents signed in on PostgreSQL."""
    from cs_console.services.chats import NotYourChat
    from cs_console.store.team import double_assignments

    owner, sup, me = shop
    mei, qiang = desk_as(pg_url, "小美", MEI_PW, clock), desk_as(pg_url, "阿强", QIANG_PW, clock)
    try:
        m, q = (d.identity.authenticate(d.token) for d in (mei, qiang))
        mei.team.start("小美")
        a = mei.chats.inject("买家甲", "有货吗").chat_id
        mei.team.distribute("小美")  # her distributor gives the queued chat to her
        assert owner.chats.summary(a).agent == "小美"
        qiang.team.start("阿强")
        b = owner.chats.inject("买家乙", "发什么快递").chat_id
        qiang.team.distribute("阿强")
        assert owner.chats.summary(b).agent == "阿强"
        mei.chats.send(a, m, "亲，有的")  # her own chat
        with pytest.raises(NotYourChat, match="阿强"):
            mei.chats.send(b, m, "我来")  # his: the service says so before the server would
        # 转发: 小美 hands her chat to 阿强, who answers it; she no longer can
        mei.chats.inject("买家甲", "能便宜吗")
        mei.team.forward(a, "阿强", "议价转给阿强", "小美")
        qiang.chats.send(a, q, "亲，给您包邮")
        with pytest.raises(NotYourChat):
            mei.chats.send(a, m, "我也来")
        # 群发 by 小美 reaches 阿强's buyers and a buyer with no open chat (a closed outbound chat)
        owner.chats.inject("买家丙", "好的")
        owner.chats.close(owner.chats.chat_of("买家丙").chat_id, me)
        with owner.store.write() as s:
            from sqlmodel import select

            from cs_console.store.tables import Buyer

            for buyer in s.exec(select(Buyer)).all():
                buyer.tags = "老客户"
        from cs_console.domain.broadcast import parse_filter

        plan = mei.broadcasts.preview(parse_filter("tag:老客户"), "亲 {buyer}，新品上架", "小美")
        sent = mei.broadcasts.send(plan, "亲 {buyer}，新品上架", "小美")
        assert sent.count == 3
        assert [x.text for x in owner.chats.recent(b)][-1] == "亲 买家乙，新品上架"
        assert owner.chats.summary(b).agent == "阿强" and owner.chats.summary(b).status == "waiting"
        # overdue (reassign_breached): 阿强's waiting chat goes to someone else, never to the
        # agent whose distributor moves it: 阿强's own distributor gives it to 小美
        for d in (mei, qiang):
            d.policy.team.reassign_breached = True
        clock.advance(mei.policy.response.breach + 1)
        mei.team.heartbeat("小美")
        qiang.team.heartbeat("阿强")
        assert mei.team.distribute("小美") == []  # not to herself
        assert owner.chats.summary(b).agent == "阿强"
        assert qiang.team.distribute("阿强") == [(b, ids(owner)["小美"])]
        assert owner.chats.summary(b).agent == "小美"
        assert [x.text for x in owner.chats.recent(b)][-1] == "买家等待超时，会话已自动改派"
        mei.chats.send(b, m, "亲，久等了")
        # 阿强 goes stale (his PC froze): 小美's distributor takes him offline, his chat queues
        clock.advance(mei.policy.team.stale_after_seconds + 1)
        mei.team.heartbeat("小美")
        mei.team.distribute("小美")
        assert qiang.team.presence("阿强")[1] == "offline"
        assert owner.chats.summary(a).agent is None
        assert moves_of(owner, a)[-1] == ("requeue", "小美", ids(owner)["阿强"], None)
        # she quits: her chat goes back to the queue
        assert mei.team.stop("小美") == 1
        assert owner.chats.summary(b).agent is None
    finally:
        mei.close()
        qiang.close()
    with owner.store.read() as s:
        assert double_assignments(s) == []


def test_the_cli_paths_on_postgres_answer_forward_and_broadcast(shop, pg_url, monkeypatch, tmp_path, clock):
    owner, _sup, _me = shop
    monkeypatch.setenv("CS_CONSOLE_SESSIONS", str(tmp_path / "sessions"))
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(cli_app, [*args, "--db", pg_url], input=stdin)

    qiangs_chat(owner, "买家甲")
    owner.chats.inject("买家乙", "在吗")
    with owner.store.write() as s:
        from cs_console.store import team as team_repo

        team_repo.get_agent(s, "小美").status = "online"
    owner.team.assign("买家乙", "小美")
    assert run("login", "小美", "--password-stdin", stdin=MEI_PW + "\n").exit_code == 0
    mine = run("chat", "send", "亲，在的", "--buyer", "买家乙")
    assert mine.exit_code == 0, mine.output
    theirs = run("chat", "send", "我来", "--buyer", "买家甲")
    assert theirs.exit_code != 0 and "阿强" in theirs.output
    grab = run("chat", "assign", "买家甲", "--to", "小美")
    assert grab.exit_code != 0 and "主管" in grab.output, grab.output
    fwd = run("chat", "forward", "买家乙", "--to", "阿强", "--reason", "售后问题")
    assert fwd.exit_code == 0, fwd.output
    with owner.store.write() as s:
        from sqlmodel import select

        from cs_console.store.tables import Buyer

        for buyer in s.exec(select(Buyer)).all():
            buyer.tags = "老客户"
    sent = run("broadcast", "--filter", "tag:老客户", "--text", "亲，上新了", "--yes", "--json")
    assert sent.exit_code == 0 and '"count": 2' in sent.output, sent.output
    assert {owner.chats.summary(owner.chats.chat_of(b).chat_id).agent for b in ("买家甲", "买家乙")} == {"阿强"}
    assert [m.text for m in owner.chats.log("买家甲")][-1] == "亲，上新了"


def shop_figures(owner, **changes):
    """The owner stores the shop's figures for the server (as ``db grant`` does from shop.yaml)."""
    policy = load_policy()
    for section, values in changes.items():
        policy = policy.model_copy(update={section: getattr(policy, section).model_copy(update=values)})
    with owner.store.write() as s:
        pg_install.install(s.connection(), owner.store.url, policy)


def test_db_grant_stores_the_shops_figures_for_the_server(shop, pg_url):
    owner, _sup, _me = shop
    policy = load_policy()
    with raw(pg_url, "小美", MEI_PW) as conn:
        stored = dict(conn.execute("SELECT key, value FROM cs_settings").fetchall())
        assert stored["response.breach"] == policy.response.breach
        assert stored["team.broadcast_per_hour"] == policy.team.broadcast_per_hour
        refused(conn, "UPDATE cs_settings SET value = 1 WHERE key = 'response.breach'")  # agents only read them
        refused(conn, "INSERT INTO cs_settings VALUES ('x', 1)")
    with owner.store.write() as s:  # a refresh (Store.init) keeps the shop's figures
        pg_install.install(s.connection(), owner.store.url)
    shop_figures(owner, response={"breach": 321})
    with owner.store.write() as s:
        pg_install.install(s.connection(), owner.store.url)
        assert s.connection().exec_driver_sql(
            "SELECT value FROM cs_settings WHERE key = 'response.breach'").scalar_one() == 321


def test_a_forged_client_forwards_only_to_an_online_colleague(shop, pg_url):
    owner, _sup, _me = shop
    agent = ids(owner)
    chat_id = owner.chats.inject("买家甲", "在吗").chat_id
    with raw(pg_url, "小美", MEI_PW) as conn:
        assert take(conn, chat_id, agent["小美"], "claim", None, "小美") is True
        # 阿强 is offline (never started his desk): the server refuses the forward
        assert "forward_offline" in refused(conn, "SELECT cs_console_take_chat(%s, %s, 'forward', %s, '小美', '', now())",
                                            (chat_id, agent["阿强"], agent["小美"]))
        # nor may she bring him online herself to make it pass
        refused(conn, "UPDATE agents SET status = 'online' WHERE id = %s", (agent["阿强"],))
    assert owner.chats.summary(chat_id).agent == "小美"
    qiangs_chat(owner, "买家乙")  # 阿强 is at his desk now
    with raw(pg_url, "小美", MEI_PW) as conn:
        assert take(conn, chat_id, agent["阿强"], "forward", agent["小美"], "小美") is True
    assert owner.chats.summary(chat_id).agent == "阿强"
    assert moves_of(owner, chat_id)[-1] == ("forward", "小美", agent["小美"], agent["阿强"])


def test_a_forged_overdue_move_meets_the_shops_threshold_and_the_servers_clock(shop, pg_url):
    from datetime import timedelta

    owner, _sup, _me = shop
    agent = ids(owner)
    shop_figures(owner, response={"breach": 600})  # this shop's overdue threshold: 10 minutes
    chat_id = qiangs_chat(owner)
    since = owner.chats.summary(chat_id).waiting_since
    breach = ("SELECT cs_console_take_chat(%s, %s, 'breach', %s, '', '', %s)")
    with raw(pg_url, "小美", MEI_PW) as conn:
        # 5 minutes of waiting is overdue by the default 200 s, not by this shop's 600 s
        assert "breach_not_waiting" in refused(conn, breach, (chat_id, agent["主管A"], agent["阿强"],
                                                              since + timedelta(seconds=300)))
    assert owner.chats.summary(chat_id).agent == "阿强"
    # a chat that has waited 1 s by the server's clock: a time claimed 1 h ahead does not make it overdue
    fresh = qiangs_chat(owner, "买家乙")
    with owner.store.write() as s:
        s.connection().exec_driver_sql("UPDATE chats SET waiting_since = now() - interval '1 second' "
                                       "WHERE id = %(c)s", {"c": fresh})
    with raw(pg_url, "小美", MEI_PW) as conn:
        assert "breach_not_waiting" in refused(
            conn, "SELECT cs_console_take_chat(%s, %s, 'breach', %s, '', '', now() + interval '1 hour')",
            (fresh, agent["主管A"], agent["阿强"]))
        # past the shop's threshold the move goes through (recorded), once per wait
        assert conn.execute(breach, (chat_id, agent["主管A"], agent["阿强"],
                                     since + timedelta(seconds=601))).fetchone()[0] is True
    assert owner.chats.summary(chat_id).agent == "主管A"
    assert moves_of(owner, chat_id)[-1] == ("breach", "", agent["阿强"], agent["主管A"])
    assert owner.chats.summary(fresh).agent == "阿强"


def test_a_forged_broadcast_meets_the_shops_limits_on_the_server(shop, pg_url, clock):
    from cs_console.domain.broadcast import parse_filter
    from cs_console.domain.team import TeamRuleError

    owner, _sup, _me = shop
    shop_figures(owner, team={"broadcast_per_hour": 2, "broadcast_max_recipients": 1,
                              "broadcast_buyer_cooldown_hours": 24})
    chats = [owner.chats.inject(b, "在吗").chat_id for b in ("买家甲", "买家乙", "买家丙")]

    def new_broadcast(conn):
        return conn.execute("INSERT INTO broadcasts (agent, at, filter, text, count, skipped) "
                            "VALUES ('小美', now(), 'tag:x', '新品', 0, 0) RETURNING id").fetchone()[0]

    post = "SELECT cs_console_post_broadcast(%s, %s, '新品上架', now())"
    with raw(pg_url, "小美", MEI_PW) as conn:
        first = new_broadcast(conn)
        conn.execute(post, (first, chats[0]))
        assert "broadcast_too_many" in refused(conn, post, (first, chats[1]))  # one buyer per broadcast here
        second = new_broadcast(conn)
        assert "broadcast_cooldown" in refused(conn, post, (second, chats[0]))  # 买家甲 got one within 24 h
        conn.execute(post, (second, chats[1]))
        third = new_broadcast(conn)
        assert "broadcast_rate" in refused(conn, post, (third, chats[2]))  # 2 this hour: the shop's limit
    sent = [m.text for c in chats for m in owner.chats.recent(c) if m.sender == "agent"]
    assert sent == ["新品上架", "新品上架"]
    # the service, signed in as 小美 with the shop's figures, refuses before the server would
    with owner.store.write() as s:
        from sqlmodel import select

        from cs_console.store.tables import Buyer

        for buyer in s.exec(select(Buyer)).all():
            buyer.tags = "老客户"
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        mei.policy.team.broadcast_per_hour = 2
        plan = mei.broadcasts.preview(parse_filter("tag:老客户"), "亲，上新了", "小美")
        with pytest.raises(TeamRuleError, match="群发频率"):
            mei.broadcasts.send(plan, "亲，上新了", "小美")
    finally:
        mei.close()


def test_a_server_limit_of_a_broadcast_reads_in_chinese(shop, pg_url, clock):
    """A client whose shop.yaml is laxer than the server's figures: the send is refused as a whole,
    in the rule's Chinese sentence."""
    from sqlalchemy.exc import DBAPIError

    from cs_console.domain.broadcast import parse_filter
    from cs_console.services.errors import user_message

    owner, _sup, _me = shop
    shop_figures(owner, team={"broadcast_per_hour": 1})
    for b in ("买家甲", "买家乙"):
        owner.chats.inject(b, "在吗")
    with owner.store.write() as s:
        from sqlmodel import select

        from cs_console.store.tables import Buyer

        for buyer in s.exec(select(Buyer)).all():
            buyer.tags = "老客户"
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        plan = mei.broadcasts.preview(parse_filter("tag:老客户"), "亲，上新了", "小美")
        assert len(plan.sendable) == 2  # her shop.yaml allows 200 an hour
        with pytest.raises(DBAPIError) as exc:
            mei.broadcasts.send(plan, "亲，上新了", "小美")
        assert user_message(exc.value) == "超过本店的群发频率限制（每小时条数），请稍后再发"
    finally:
        mei.close()
    assert not [m for b in ("买家甲", "买家乙") for m in owner.chats.log(b) if m.sender == "agent"]


def test_a_forged_client_cannot_rewrite_what_a_chat_records(shop, pg_url):
    """Agents keep writing a chat's counters and preview (every message does), but not whose it is,
    since when the buyer waits, the response time, nor who closed it."""
    owner, _sup, _me = shop
    agent = ids(owner)
    chat_id = qiangs_chat(owner)
    other = owner.chats.inject("买家乙", "在吗").chat_id
    with raw(pg_url, "小美", MEI_PW) as conn:
        for column, value in (("buyer_id", 1), ("opened_at", "2020-01-01"), ("agent_id", agent["小美"])):
            assert "permission denied" in refused(conn, f"UPDATE chats SET {column} = %s WHERE id = %s",
                                                  (value, chat_id))
        for sql, why in (
                ("UPDATE chats SET waiting_since = NULL WHERE id = %s", "stops its wait"),  # hide 阿强's wait
                ("UPDATE chats SET waiting_since = waiting_since - interval '1 hour' WHERE id = %s", "earlier"),
                ("UPDATE chats SET first_response_seconds = 1 WHERE id = %s", "first response"),
                ("UPDATE chats SET first_buyer_at = first_buyer_at + interval '1 hour' WHERE id = %s", "first buyer"),
                # ending a colleague's chat, even in her own name: a supervisor's (close_refusal)
                (f"UPDATE chats SET status = 'closed', closed_by = {agent['小美']} WHERE id = %s", "close_not_yours")):
            assert why in refused(conn, sql, (chat_id,))
        assert "closed by" in refused(  # a queued chat she may end, but not in another's name
            conn, f"UPDATE chats SET status = 'closed', closed_by = {agent['阿强']} WHERE id = %s", (other,))
        assert "recorded by the agent" in refused(
            conn, "INSERT INTO response_records (chat_id, agent_id, buyer_at, replied_at, seconds, first) "
                  "VALUES (%s, %s, now(), now(), 1, true)", (chat_id, agent["小美"]))
        refused(conn, "DELETE FROM response_records")
        conn.execute("UPDATE chats SET unread = 0 WHERE id = %s", (chat_id,))  # reading a chat: allowed
    summary = owner.chats.summary(chat_id)
    assert (summary.agent, summary.status, summary.first_response_seconds) == ("阿强", "waiting", None)
    assert summary.waiting_since is not None and owner.chats.summary(other).agent is None


def test_a_forged_client_writes_handover_notes_of_this_store_only_as_itself(shop, pg_url, clock):
    owner, _sup, _me = shop
    store_id = owner.store.store_id()
    event = ("INSERT INTO handover_events (id, note_id, kind, at, author, origin, data) "
             "VALUES (%s, %s, 'created', now(), %s, %s, '{}')")
    with raw(pg_url, "小美", MEI_PW) as conn:
        why = refused(conn, event, ("e1", "n1", "阿强", store_id))  # a note in a colleague's name
        assert "signed-in agent" in why
    with raw(pg_url, "小美", MEI_PW) as conn:
        conn.execute(event, ("e2", "n2", "小美", store_id))  # her own
        conn.execute(event, ("e3", "n3", "阿强", "another-store"))  # a colleague's, synced from another store
        conn.commit()
    with owner.store.read() as s:
        from sqlalchemy import text

        rows = s.execute(text("SELECT id, author FROM handover_events ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("e2", "小美"), ("e3", "阿强")]
    mei = desk_as(pg_url, "小美", MEI_PW, clock)  # the service writes her notes as before
    try:
        note = mei.handover.add("3 号单改地址，已联系仓库", "小美")
        assert mei.handover.ack(note.id, "小美").state.value != ""
    finally:
        mei.close()
