"""Who acts, enforced by PostgreSQL itself: one login role per agent, one per session/token,
privileges for the agents' group role, and triggers that take the actor from ``session_user``.

Installed by the store owner (``cs-console db grant``; kept current by ``Store.init``). After
that, an agent's client connects with the agent's own login role (SCRAM password, checked by
the server) or a session/token role (random secret, ``VALID UNTIL`` its expiry), never with the
owner's. Whatever that client sends, the server refuses:

- a message, draft or hang-up request of another agent, an audit row with another actor;
- creating agents, changing roles or capacities, deciding hang-ups — unless the signed-in agent is
  a supervisor (``agents.role``) — and deciding one's own hang-up;
- any UPDATE/DELETE of the audit and handover logs (``append_only``), reading password hashes,
  and the login mapping itself.

Names (the store owner picks none of them by hand; ``role_base`` derives them from the URL):
``<base>_agent`` is the group holding the privileges, ``<base>.<agent name>`` an agent's login,
``<base>#<session id>`` a session or script token. ``base`` is ``cs_`` + the schema named by the
URL's ``search_path`` option, else the database name, so every client of one store agrees on it
and two stores in one cluster never share a role.

The owner (or a superuser) is not mapped to an agent: its connections pass the triggers; it is
the migration and setup role, whose password agents never get.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from urllib.parse import unquote

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from cs_console.domain.messages import UserError

TOKEN_PREFIX = "csp_"  # a session/token whose secret is a PostgreSQL login role's password
MAX_ROLE_BYTES = 63  # NAMEDATALEN - 1
class LoginRefused(UserError, PermissionError):
    """The database would not let this agent in (wrong password, unknown, expired)."""


def _search_path_schema(url: str) -> str | None:
    options = make_url(url).query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    if not options:
        return None
    m = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", unquote(options))
    return m.group(1).strip('"') if m else None


def role_base(url: str) -> str:
    """``cs_<schema or database>``, lower-case ASCII, short enough to leave room for names."""
    key = _search_path_schema(url) or make_url(url).database or "store"
    clean = re.sub(r"[^a-z0-9_]", "_", key.lower())
    if clean != key.lower() or len(clean) > 20:
        clean = clean[:12] + "_" + hashlib.sha256(key.encode()).hexdigest()[:6]
    return "cs_" + clean


def group_role(base: str) -> str:
    return base + "_agent"


def agent_role(base: str, name: str) -> str:
    role = f"{base}.{name.strip()}"
    if len(role.encode()) > MAX_ROLE_BYTES:
        raise LoginRefused("signin.role_name_too_long", name=name.strip(), limit=(MAX_ROLE_BYTES - len(base) - 1) // 3)
    return role


def gate_role(base: str) -> str:
    """The login every client may use before sign-in: it can only call the sign-in functions."""
    return base + "_signin"


def gate_password(base: str) -> str:
    """Public by design (it opens nothing but the rate-limited sign-in functions)."""
    return gate_role(base)


def token_role(base: str, session_id: int) -> str:
    return f"{base}#{session_id}"


def make_token(session_id: int, secret: str) -> str:
    return f"{TOKEN_PREFIX}{session_id}_{secret}"


def parse_token(token: str) -> tuple[int, str] | None:
    """(session id, secret) of a ``csp_`` token; None for any other token."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        return None
    sid, _, secret = token[len(TOKEN_PREFIX):].partition("_")
    return (int(sid), secret) if sid.isdigit() and secret else None


def login_url(url: str, role: str, password: str) -> str:
    """``url`` with this login role and password (the only way an agent's client connects)."""
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


def has_password(url: str) -> bool:
    return make_url(url).password is not None


def is_installed(conn: Connection) -> bool:
    return conn.execute(text("SELECT to_regclass('cs_logins') IS NOT NULL")).scalar_one()


def actor_id(conn: Connection) -> int | None:
    """The agent this connection's login role belongs to (None: the owner, or not installed)."""
    if conn.dialect.name != "postgresql":
        return None
    if conn.execute(text("SELECT to_regprocedure('cs_console_actor()') IS NULL")).scalar_one():
        return None
    return conn.execute(text("SELECT cs_console_actor()")).scalar_one()


def scram_verifier(conn: Connection, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed by libpq here: the server stores it
    and never sees the password itself (nor do its logs)."""
    raw = conn.connection.dbapi_connection
    return raw.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()


SCRAM_ITERATIONS = 4096


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _salted(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


def password_verifier(password: str) -> str:
    """A SCRAM-SHA-256 verifier (RFC 5802/7677 layout) of an agent's password, computed here:
    the server keeps it in ``cs_passwords`` and never sees the password."""
    salt = secrets.token_bytes(16)
    salted = _salted(password, salt, SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return (f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{_b64(salt)}$"
            f"{_b64(hashlib.sha256(client_key).digest())}:{_b64(server_key)}")


def password_proof(password: str, salt_spec: str) -> str:
    """The SCRAM ClientKey of ``password`` for ``iterations:salt`` (what the server's
    ``cs_console_sign_in`` hashes and compares with the stored key)."""
    iterations, _, salt = salt_spec.partition(":")
    salted = _salted(password, base64.b64decode(salt), int(iterations))
    return _b64(hmac.digest(salted, b"Client Key", "sha256"))


def set_login(conn: Connection, base: str, name: str, password: str) -> str:
    """Set ``name``'s password on the server (its sign-in verifier; the agent's role itself has
    no login); allowed to the owner, a supervisor, or the agent themself (the server checks).
    Returns the agent's role name."""
    agent_role(base, name)  # refuses a name too long for a role
    return conn.execute(text("SELECT cs_console_set_login(:n, :v)"),
                        {"n": name.strip(), "v": password_verifier(password)}).scalar_one()


LEGACY_LOGIN = "legacy"  # the agent's role still logs in itself (granted before the sign-in gate)
NO_GATE = "no gate"  # the store has no sign-in gate yet: agents' roles log in themselves


def gate_sign_in(url: str, name: str, password: str, hours: float, created_at, expires_at) -> str | None:
    """Sign in through the server's gate (``cs_console_sign_in``, rate-limited by the server's
    clock): the ``csp_`` token of a new session role, or None for a wrong name or password
    (the failure is committed on the server). A lock-out raises ``LoginRefused``.
    ``LEGACY_LOGIN``: the agent has no gate password yet but a role of a store granted before,
    which still logs in with its own password (the caller signs in that way once and moves the
    password to the gate). ``NO_GATE``: the store has no gate yet (sign in as before)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    base = role_base(url)
    engine = create_engine(login_url(url, gate_role(base), gate_password(base)), poolclass=NullPool,
                           hide_parameters=True)
    try:
        try:
            first = engine.connect()
        except DBAPIError as exc:
            if "password authentication failed" in str(exc.orig):
                return NO_GATE  # a store granted before the gate (the owner has not re-run db grant)
            raise
        with first as conn, conn.begin():
            salt = conn.execute(text("SELECT cs_console_sign_in_salt(:n)"), {"n": name.strip()}).scalar_one()
            secret = secrets.token_urlsafe(32)
            sid = conn.execute(text("SELECT cs_console_sign_in(:n, :p, :v, :h, :c, :e)"),
                               {"n": name.strip(), "p": password_proof(password, salt),
                                "v": scram_verifier(conn, base, secret), "h": hours, "c": created_at,
                                "e": expires_at}).scalar_one()
            legacy = sid is None and conn.execute(
                text("SELECT coalesce((SELECT rolcanlogin FROM pg_roles WHERE rolname = :r), false)"),
                {"r": agent_role(base, name)}).scalar_one()
    except DBAPIError as exc:
        locked = re.search(r"cs-console: signin\.locked (\d+)", str(exc.orig))
        if locked:
            raise LoginRefused("signin.locked", seconds=int(locked.group(1))) from None
        raise
    finally:
        engine.dispose()
    if legacy:
        return LEGACY_LOGIN
    return None if sid is None else make_token(sid, secret)


def issue_login(conn: Connection, base: str, kind: str, via: str, label: str, hours: float,
                created_at, expires_at) -> str:
    """A new session/token login role of the connected agent; returns its ``csp_`` token."""
    secret = secrets.token_urlsafe(32)
    # a SCRAM verifier does not depend on the role's name (libpq uses it for md5 only): the
    # server picks the session id, and so the name, itself
    verifier = scram_verifier(conn, base, secret)
    sid = conn.execute(text("SELECT cs_console_issue_login(:v, :k, :via, :label, :hours, :c, :e)"),
                       {"v": verifier, "k": kind, "via": via, "label": label[:64], "hours": hours,
                        "c": created_at, "e": expires_at}).scalar_one()
    return make_token(sid, secret)


def end_login(conn: Connection, session_id: int, revoked_at) -> bool:
    return bool(conn.execute(text("SELECT cs_console_end_login(:sid, :at)"),
                             {"sid": session_id, "at": revoked_at}).scalar_one())
