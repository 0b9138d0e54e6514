"""Sign-in use-cases: passwords (argon2), the OS account, sessions that expire, script tokens,
and the bootstrap of a new store's first supervisor.

A sign-in returns a ``SignedIn`` (the principal and the secret token of its session); the CLI
keeps the token in a 0600 file, the TUI in memory. ``authenticate(token)`` turns a token back
into a ``Principal`` — the only way the CLI and TUI obtain one.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cs_console.domain.clock import Clock
from cs_console.domain.identity import (
    Principal,
    SignInMethod,
    SignInRefused,
    Via,
    check_not_locked,
    check_password_rule,
    is_expired,
    require_supervisor,
)
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.team import Role, parse_role
from cs_console.store import chats as chat_repo
from cs_console.store import identity as repo
from cs_console.store import pg_roles
from cs_console.store import team as team_repo
from cs_console.store.engine import Store

TOKEN_PREFIX = "csc_"
_WRONG = "signin.wrong"  # the same words for an unknown name and a wrong password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher():
    from argon2 import PasswordHasher  # imported on first sign-in, never on the TUI's start path

    return PasswordHasher()


@dataclass(frozen=True, slots=True)
class SignedIn:
    principal: Principal
    token: str
    expires_at: datetime


def signed_in_url(url: str) -> str:
    """The URL a client of a PostgreSQL store with login roles connects with: given no password,
    the signed-in agent's session/token (``csp_…`` from ``$CS_CONSOLE_TOKEN``, the token file or
    the ``cs-console login`` session file) becomes the login role and its password. Any other
    URL is returned as it is (SQLite; an owner URL with its password; no such token)."""
    from cs_console.config.credentials import CredentialFileError, find_token
    from cs_console.store.engine import normalize_url

    full = normalize_url(url)
    if not full.startswith("postgresql") or pg_roles.has_password(full):
        return url
    try:
        parsed = pg_roles.parse_token(find_token(url) or "")
    except CredentialFileError:
        return url  # the command's own sign-in check reports the file
    if parsed is None:
        return url
    sid, secret = parsed
    return pg_roles.login_url(full, pg_roles.token_role(pg_roles.role_base(full), sid), secret)


class IdentityService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock
        self.settings = policy.identity
        self._login: tuple[bool, int | None] | None = None

    # ---- the database login (PostgreSQL with login roles) --------------------------------------
    def _server_login(self) -> tuple[bool, int | None]:
        """(the store has login roles, the agent id of this connection's login or None for the
        owner). SQLite: (False, None). Read once: a store's connection keeps its login."""
        if self._login is None:
            if self.store.awaiting_login:
                return (True, None)  # not cached: the sign-in will tell
            if self.store.is_sqlite:
                self._login = (False, None)
            else:
                with self.store.read() as s:
                    conn = s.connection()
                    self._login = (pg_roles.is_installed(conn), pg_roles.actor_id(conn))
        return self._login

    @property
    def server_enforced(self) -> bool:
        """PostgreSQL checks who acts (the store has login roles)."""
        return self._server_login()[0]

    def _as_login(self) -> int | None:
        return self._server_login()[1]

    def _set_server_login(self, s, name: str, password: str) -> None:
        if self.server_enforced:
            pg_roles.set_login(s.connection(), pg_roles.role_base(self.store.url), name, password)

    def _issue_server_login(self, s, agent, via: Via, kind: str, label: str) -> SignedIn:
        now = self.clock()
        hours = self.settings.session_hours if kind == "session" else self.settings.token_days * 24
        expires = now + timedelta(hours=hours)
        token = pg_roles.issue_login(s.connection(), pg_roles.role_base(self.store.url), kind, via.value, label,
                                     hours, now, expires)
        sid, _ = pg_roles.parse_token(token)
        return SignedIn(Principal(agent.id, agent.name, agent.role, via, sid), token, expires)

    # ---- passwords --------------------------------------------------------------------------
    def needs_bootstrap(self) -> bool:
        """A store nobody can sign in to yet: its first supervisor may be created without one."""
        if self._as_login() is not None:
            return False  # this connection is already an agent's login
        with self.store.read() as s:
            return not repo.any_credentials(s)

    def set_password(self, by: Principal | None, name: str, password: str) -> None:
        """Set an agent's password: the agent themself, a supervisor, or (only on a store with no
        passwords yet) the first supervisor."""
        check_password_rule(password, self.settings)
        as_login = self._as_login() is not None
        hashed = None if as_login else _hasher().hash(password)
        with self.store.write() as s:
            target = repo.actor(s, name)
            if by is None:
                if as_login or repo.any_credentials(s) \
                        or not Principal(target.id, target.name, target.role).is_supervisor:
                    raise SignInRefused("signin.password_needs_login")
            elif by.agent_id != target.id:
                require_supervisor(by, "为他人设置密码")
                repo.actor(s, by)
            self._set_server_login(s, target.name, password)
            if as_login:  # the server ends the agent's session roles
                for sid in repo.live_session_ids(s, target.id, "session"):
                    pg_roles.end_login(s.connection(), sid, self.clock())
                return
            repo.set_credential(s, target.id, hashed, self.clock())
            repo.revoke_all(s, target.id, self.clock(), kind="session")

    def add_agent(self, by: Principal | None, name: str, role: str = "agent", capacity: int | None = None,
                  password: str | None = None) -> Principal:
        """Create an agent (or change role/capacity): a supervisor's sign-in is needed, except for
        the very first supervisor of a store with no passwords (then ``password`` is required)."""
        r = parse_role(role)
        as_login = self._as_login() is not None
        if password:
            check_password_rule(password, self.settings)
        hashed = _hasher().hash(password) if password and not as_login else None
        with self.store.write() as s:
            now = self.clock()
            if by is None:
                if as_login or repo.any_credentials(s):
                    raise SignInRefused("signin.add_needs_supervisor")
                if r != Role.SUPERVISOR or hashed is None:
                    raise SignInRefused("signin.first_is_supervisor")
            else:
                require_supervisor(by, "添加客服或更改角色")
                repo.actor(s, by)
            agent = team_repo.upsert_agent(s, name, r, capacity, now)
            if password:
                self._set_server_login(s, agent.name, password)
            if hashed:
                repo.set_credential(s, agent.id, hashed, now)
            return Principal(agent.id, agent.name, agent.role, Via.PASSWORD)

    # ---- signing in ---------------------------------------------------------------------------
    def _session(self, s, agent, via: Via, kind: str = "session", label: str = "") -> SignedIn:
        now = self.clock()
        hours = self.settings.session_hours if kind == "session" else self.settings.token_days * 24
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = now + timedelta(hours=hours)
        row = repo.add_session(s, agent.id, token_hash(token), kind, via.value, now, expires, label)
        return SignedIn(Principal(agent.id, agent.name, agent.role, via, row.id), token, expires)

    def sign_in(self, name: str, password: str) -> SignedIn:
        """Name + password. Wrong passwords count; after ``max_failures`` the account waits."""
        if self.settings.method != SignInMethod.PASSWORD:
            raise SignInRefused("signin.uses_os_account")
        if self.server_enforced:
            return self._sign_in_on_server(name, password)
        now = self.clock()
        with self.store.read() as s:
            agent = chat_repo.find_agent(s, name)
            cred = repo.credential(s, agent.id) if agent else None
            if cred is not None:
                check_not_locked(cred.failures, cred.last_failure_at, now, self.settings)
                stored = cred.password_hash
        if cred is None:
            _hasher().hash(password)  # same cost for an unknown name: no timing hint
            raise SignInRefused(_WRONG)
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            with self.store.write() as s:
                c = repo.credential(s, agent.id)
                c.failures += 1
                c.last_failure_at = now
            raise SignInRefused(_WRONG) from None
        with self.store.write() as s:
            c = repo.credential(s, agent.id)
            check_not_locked(c.failures, c.last_failure_at, now, self.settings)  # a race with a wrong try
            c.failures, c.last_failure_at = 0, None
            return self._session(s, repo.actor(s, agent.name), Via.PASSWORD)

    def warm_up(self, name: str) -> None:
        """The sign-in's own reads for ``name``, nothing checked and nothing written: run while
        the agent types, so that Enter does not wait for the ORM's first-use work (configuring
        the table mappers, compiling these statements)."""
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        if self.settings.method != SignInMethod.PASSWORD or self.server_enforced:
            return
        with self.store.read() as s:
            agent = chat_repo.find_agent(s, name)
            repo.credential(s, agent.id if agent else 0)

    def _sign_in_on_server(self, name: str, password: str) -> SignedIn:
        """PostgreSQL with login roles: the server checks the password (``cs_console_sign_in``,
        reached as the sign-in gate; it counts wrong passwords and locks out by its own clock)
        and makes a new session role of that agent (its ``VALID UNTIL`` is the session's end);
        then this store is reached as that role. Nothing changes on a refusal."""
        from sqlalchemy.exc import SQLAlchemyError

        from cs_console.store.engine import StoreError

        home = self.store.url
        now = self.clock()
        hours = self.settings.session_hours
        try:
            token = pg_roles.gate_sign_in(home, name, password, hours, now, now + timedelta(hours=hours))
        except pg_roles.LoginRefused as exc:
            raise SignInRefused(exc.code, **exc.params) from None
        except SQLAlchemyError:
            raise SignInRefused(_WRONG) from None  # the gate unreachable reads like a refusal
        if token in (pg_roles.LEGACY_LOGIN, pg_roles.NO_GATE):
            token = self._own_role_login(name, password, move=token == pg_roles.LEGACY_LOGIN)
        if token is None:
            raise SignInRefused(_WRONG)
        sid, secret = pg_roles.parse_token(token)
        try:
            self.store.use_login(pg_roles.login_url(home, pg_roles.token_role(pg_roles.role_base(home), sid), secret))
        except StoreError:
            raise SignInRefused(_WRONG) from None
        self._login = None
        with self.store.read() as s:
            found = repo.session_by_id(s, sid)
        row, agent = found
        return SignedIn(Principal(agent.id, agent.name, agent.role, Via.PASSWORD, sid), token, row.expires_at)

    def _own_role_login(self, name: str, password: str, move: bool) -> str | None:
        """An agent of a store granted before the sign-in gate: their own role still logs in
        (the server checks the password); once in, with ``move``, the password moves to the
        gate, which makes that role NOLOGIN (without a gate on the server: the owner's next
        ``db grant`` installs it). Returns a session token, or None for a wrong password."""
        from cs_console.store.engine import StoreError

        home = self.store.url
        base = pg_roles.role_base(home)
        try:
            self.store.use_login(pg_roles.login_url(home, pg_roles.agent_role(base, name), password))
        except (StoreError, pg_roles.LoginRefused):
            return None
        self._login = None
        with self.store.write() as s:
            signed = self._issue_server_login(s, repo.actor(s, name), Via.PASSWORD, "session", "")
            if move:
                pg_roles.set_login(s.connection(), base, name, password)
        return signed.token

    def os_account(self) -> Principal:
        """The OS account of this process is the agent (shops that chose ``os_account``)."""
        if self.settings.method != SignInMethod.OS_ACCOUNT:
            raise SignInRefused("signin.uses_password")
        login = getpass.getuser()
        with self.store.read() as s:
            agent = chat_repo.find_agent(s, login)
            if agent is None:
                raise SignInRefused("signin.os_account_unknown", login=login)
            return Principal(agent.id, agent.name, agent.role, Via.OS_ACCOUNT)

    def sign_in_os(self) -> SignedIn:
        """A session for the OS account (the TUI keeps one while it runs)."""
        me = self.os_account()
        with self.store.write() as s:
            return self._session(s, repo.actor(s, me), Via.OS_ACCOUNT)

    def demo_sign_in(self, name: str) -> SignedIn:
        """The demo's own agents (``make run``): created if missing, signed in without a password.
        Only ``sim/demo.py`` calls this, on the throwaway demo store it just made."""
        with self.store.write() as s:
            now = self.clock()
            agent = chat_repo.ensure_agent(s, name, now)
            team_repo.ensure_profile(s, agent.id)
            return self._session(s, agent, Via.DEMO)

    def issue_token(self, by: Principal, label: str = "script") -> SignedIn:
        """A per-agent token for scripts and bridges (lasts ``token_days``)."""
        with self.store.write() as s:
            agent = repo.actor(s, by)
            if self._as_login() is not None:
                return self._issue_server_login(s, agent, Via.TOKEN, "token", label)
            return self._session(s, agent, Via.TOKEN, kind="token", label=label)

    def authenticate(self, token: str) -> Principal:
        """The principal of a live session or token; expired/revoked/unknown ones are refused.
        On an agent's database login only that login's own ``csp_`` token is accepted."""
        me = self._as_login()
        with self.store.read() as s:
            if me is not None:
                parsed = pg_roles.parse_token(token)
                found = repo.session_by_id(s, parsed[0]) if parsed else None
                if found is None or found[1].id != me:
                    raise SignInRefused("signin.invalid_token")
            else:
                found = repo.session_by_hash(s, token_hash(token.strip()))
            if found is None:
                raise SignInRefused("signin.invalid_token")
            row, agent = found
            if row.revoked_at is not None:
                raise SignInRefused("signin.signed_out")
            if is_expired(row.expires_at, self.clock()):
                raise SignInRefused("signin.expired")
            return Principal(agent.id, agent.name, agent.role, Via(row.via), row.id)

    def sign_out(self, token: str) -> bool:
        with self.store.write() as s:
            parsed = pg_roles.parse_token(token)
            if parsed is not None and self._as_login() is not None:
                return pg_roles.end_login(s.connection(), parsed[0], self.clock())
            return repo.revoke(s, token_hash(token.strip()), self.clock())
