"""PostgreSQL holds sign-in on the server: a password is tried only through the server's gate
(``cs_console_sign_in``), which counts wrong ones and locks the agent out by its own clock, for
any client; a session past its end, or signed out, can no longer write on a connection it still
holds. Forged clients here are plain psycopg, in a process of their own."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import text

from cs_console.config.policy import load_policy
from cs_console.domain.identity import SignInRefused
from cs_console.services.desk import make_desk
from cs_console.services.errors import report
from cs_console.store import pg_roles
from cs_console.store.engine import normalize_url
from tests.test_postgres_roles import MEI_PW, _connect, desk_as, gate, ids, shop, try_password  # noqa: F401

pytestmark = pytest.mark.postgres

GUESSER = r"""
import json, sys
import psycopg
from cs_console.store import pg_roles

host, port, db, schema, user, password, name, right = sys.argv[1:9]
conn = psycopg.connect(host=host, port=int(port), dbname=db, user=user, password=password,
                       options=f"-csearch_path={schema}", autocommit=True)
verifier = conn.pgconn.encrypt_password(b"guessed-session", b"x", b"scram-sha-256").decode()
out = []
for guess in [f"guess-{i:04d}" for i in range(12)] + [right]:
    salt = conn.execute("SELECT cs_console_sign_in_salt(%s)", (name,)).fetchone()[0]
    try:
        sid = conn.execute("SELECT cs_console_sign_in(%s, %s, %s, 1, now(), now() + interval '1 hour')",
                           (name, pg_roles.password_proof(guess, salt), verifier)).fetchone()[0]
        out.append("ok" if sid is not None else "wrong")
    except psycopg.Error as exc:
        out.append("locked" if "signin.locked" in str(exc) else "error: " + str(exc))
print(json.dumps(out))
"""


def guess_in_a_process(pg_url, name, right):
    from sqlalchemy.engine import make_url

    full = normalize_url(pg_url)
    u, base = make_url(full), pg_roles.role_base(full)
    args = [u.host, str(u.port), u.database, pg_roles._search_path_schema(full), pg_roles.gate_role(base),
            pg_roles.gate_password(base), name, right]
    done = subprocess.run([sys.executable, "-c", GUESSER, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def failures(owner, name):
    with owner.store.read() as s:
        return s.execute(text("SELECT failures FROM cs_passwords p JOIN agents a ON a.id = p.agent_id "
                              "WHERE a.name = :n"), {"n": name}).scalar_one()


def test_a_forged_client_guessing_passwords_is_locked_out_by_the_server(shop, pg_url, clock):
    owner, _sup, _me = shop
    limit = load_policy().identity.max_failures
    tries = guess_in_a_process(pg_url, "小美", MEI_PW)
    # the first `limit` guesses were checked and refused; from then on nothing is checked,
    # not even the right password
    assert tries == ["wrong"] * limit + ["locked"] * (13 - limit)
    assert failures(owner, "小美") == limit  # tries during the lock-out are not even counted
    # the app's own sign-in meets the same lock-out, in the catalogue's words
    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        with pytest.raises(SignInRefused, match=r"密码错误次数过多，请 \d+ 秒后再试"):
            desk.identity.sign_in("小美", MEI_PW)
        assert "_signin" not in desk.store.url  # the store was not left on the gate
    finally:
        desk.close()
    # the lock-out is 小美's: 阿强 still signs in
    assert desk_as(pg_url, "阿强", "阿强的密码12345", clock).close() is None
    # the window is the server's clock: the client's (a day later here) does not end it
    clock.advance(hours=24)
    with gate(pg_url) as g, pytest.raises(errors.InsufficientPrivilege, match="signin.locked"):
        try_password(g, "小美", MEI_PW)
    # the shop's figure, read by the server: a 1 s lock-out ends by itself
    with owner.store.write() as s:
        s.execute(text("UPDATE cs_settings SET value = 1 WHERE key = 'identity.lockout_seconds'"))
    time.sleep(1.5)
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    try:
        assert mei.identity.authenticate(mei.token).name == "小美"
    finally:
        mei.close()
    assert failures(owner, "小美") == 0  # a right password ends the count


def test_a_forged_client_cannot_read_or_reset_the_count(shop, pg_url):
    owner, _sup, _me = shop
    with gate(pg_url) as g:
        assert try_password(g, "小美", "猜一个密码123") is None
    from tests.test_postgres_roles import raw, refused

    with raw(pg_url, "阿强", "阿强的密码12345") as conn:
        refused(conn, "SELECT * FROM cs_passwords")
        refused(conn, "UPDATE cs_passwords SET failures = 0")
        refused(conn, "SELECT cs_console_new_login(1, 'SCRAM-SHA-256$x', 'session', 'password', '', 1, now(), now())")
    assert failures(owner, "小美") == 1


def test_a_session_past_its_end_cannot_write_on_a_connection_it_holds(shop, pg_url):
    owner, _sup, _me = shop
    agent = ids(owner)
    chat_id = owner.chats.inject("买家甲", "在吗").chat_id
    base = pg_roles.role_base(normalize_url(pg_url))
    with gate(pg_url) as g:
        sid = try_password(g, "小美", MEI_PW, hours=0.0005)  # 1.8 s
        long = try_password(g, "小美", MEI_PW, hours=24 * 3650)  # asks for ten years
    with owner.store.read() as s:
        left = s.execute(text("SELECT extract(epoch FROM valid_until - now()) FROM cs_logins "
                              "WHERE session_id = :i"), {"i": long}).scalar_one()
    assert left <= load_policy().identity.session_hours * 3600  # the shop's figure, not the client's
    conn = _connect(pg_url, pg_roles.token_role(base, sid), "secret-of-the-session")
    try:
        conn.execute("INSERT INTO drafts (chat_id, agent_id, text, cursor, updated_at) VALUES (%s, %s, 'x', 0, now())",
                     (chat_id, agent["小美"]))
        time.sleep(2.5)  # the connection stays open past the session's end
        for sql in ("UPDATE drafts SET text = 'y' WHERE agent_id = %s",
                    "DELETE FROM orders WHERE false AND %s IS NULL",  # a table without a row guard
                    "SELECT cs_console_take_chat(%s, %s, 'claim', NULL, '小美', '', now())"):
            with pytest.raises(errors.InsufficientPrivilege, match="signin.expired"):
                conn.execute(sql, (agent["小美"],) if sql.count("%s") == 1 else (chat_id, agent["小美"]))
        with pytest.raises(psycopg.OperationalError):  # and no new connection either
            _connect(pg_url, pg_roles.token_role(base, sid), "secret-of-the-session")
    finally:
        conn.close()


def test_a_signed_out_session_cannot_write_on_its_open_connection(shop, pg_url, clock):
    owner, _sup, _me = shop
    chat_id = owner.chats.inject("买家乙", "在吗").chat_id
    mei = desk_as(pg_url, "小美", MEI_PW, clock)
    sid, secret = pg_roles.parse_token(mei.token)
    conn = _connect(pg_url, pg_roles.token_role(pg_roles.role_base(normalize_url(pg_url)), sid), secret)
    try:
        assert mei.identity.sign_out(mei.token)
        with pytest.raises(errors.InsufficientPrivilege, match="signin.expired"):
            conn.execute("INSERT INTO drafts (chat_id, agent_id, text, cursor, updated_at) "
                         "VALUES (%s, %s, 'x', 0, now())", (chat_id, ids(owner)["小美"]))
        # the app's own connection reads the refusal in Chinese
        with pytest.raises(Exception) as refused_save:
            mei.chats.save_draft(chat_id, "小美", "亲", 1)
        assert "登录已过期" in report(refused_save.value, "cli")
    finally:
        conn.close()
        mei.close()


def test_an_agent_of_a_store_granted_before_the_gate_signs_in_once_and_moves_to_it(shop, pg_url, clock):
    owner, _sup, _me = shop
    base = pg_roles.role_base(normalize_url(pg_url))
    role = pg_roles.agent_role(base, "小美")
    with owner.store.write() as s:  # how an earlier `db grant` left her: her own role logs in
        verifier = pg_roles.scram_verifier(s.connection(), role, MEI_PW)
        s.execute(text("DELETE FROM cs_passwords WHERE agent_id = :a"), {"a": ids(owner)["小美"]})
        s.connection().exec_driver_sql(f"ALTER ROLE \"{role}\" LOGIN PASSWORD '{verifier}'")
    gate_role = pg_roles.gate_role(base)
    with owner.store.write() as s:  # a server whose owner has not re-run db grant: no gate at all
        s.connection().exec_driver_sql(f'ALTER ROLE "{gate_role}" RENAME TO "{gate_role}_away"')
    try:
        desk = make_desk(pg_url, policy=load_policy(), clock=clock)
        try:
            assert desk.identity.sign_in("小美", MEI_PW).principal.name == "小美"  # as before the gate
        finally:
            desk.close()
    finally:
        with owner.store.write() as s:
            s.connection().exec_driver_sql(f'ALTER ROLE "{gate_role}_away" RENAME TO "{gate_role}"')
    with owner.store.read() as s:
        assert s.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar_one()
    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        with pytest.raises(SignInRefused, match="用户名或密码错误"):
            desk.identity.sign_in("小美", "不是她的密码")
        assert desk.identity.sign_in("小美", MEI_PW).principal.name == "小美"
    finally:
        desk.close()
    with owner.store.read() as s:
        assert not s.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar_one()
    assert failures(owner, "小美") == 0  # her password is the gate's now, and counted there
    with gate(pg_url) as g:
        assert try_password(g, "小美", "不是她的密码") is None
    assert failures(owner, "小美") == 1
    desk_as(pg_url, "小美", MEI_PW, clock).close()
