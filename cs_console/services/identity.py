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
from cs_console.store import team as team_repo
from cs_console.store.engine import Store

TOKEN_PREFIX = "csc_"
_WRONG = "用户名或密码错误"  # the same words for an unknown name and a wrong password


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


class IdentityService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock
        self.settings = policy.identity

    # ---- passwords --------------------------------------------------------------------------
    def needs_bootstrap(self) -> bool:
        """A store nobody can sign in to yet: its first supervisor may be created without one."""
        with self.store.read() as s:
            return not repo.any_credentials(s)

    def set_password(self, by: Principal | None, name: str, password: str) -> None:
        """Set an agent's password: the agent themself, a supervisor, or (only on a store with no
        passwords yet) the first supervisor."""
        check_password_rule(password, self.settings)
        hashed = _hasher().hash(password)
        with self.store.write() as s:
            target = repo.actor(s, name)
            if by is None:
                if repo.any_credentials(s) or not Principal(target.id, target.name, target.role).is_supervisor:
                    raise SignInRefused("设置密码需要先登录（本人或主管）")
            elif by.agent_id != target.id:
                require_supervisor(by, "为他人设置密码")
                repo.actor(s, by)
            repo.set_credential(s, target.id, hashed, self.clock())
            repo.revoke_all(s, target.id, self.clock(), kind="session")

    def add_agent(self, by: Principal | None, name: str, role: str = "agent", capacity: int | None = None,
                  password: str | None = None) -> Principal:
        """Create an agent (or change role/capacity): a supervisor's sign-in is needed, except for
        the very first supervisor of a store with no passwords (then ``password`` is required)."""
        r = parse_role(role)
        hashed = _hasher().hash(check_password_rule(password, self.settings)) if password else None
        with self.store.write() as s:
            now = self.clock()
            if by is None:
                if repo.any_credentials(s):
                    raise SignInRefused("添加客服需要主管登录")
                if r != Role.SUPERVISOR or hashed is None:
                    raise SignInRefused("新店铺的第一个账号必须是主管，并且要设置密码")
            else:
                require_supervisor(by, "添加客服或更改角色")
                repo.actor(s, by)
            agent = team_repo.upsert_agent(s, name, r, capacity, now)
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
            raise SignInRefused("本店使用操作系统账号登录，不用密码")
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

    def os_account(self) -> Principal:
        """The OS account of this process is the agent (shops that chose ``os_account``)."""
        if self.settings.method != SignInMethod.OS_ACCOUNT:
            raise SignInRefused("本店使用密码登录，请先登录（cs-console login）")
        login = getpass.getuser()
        with self.store.read() as s:
            agent = chat_repo.find_agent(s, login)
            if agent is None:
                raise SignInRefused(f"系统账号 {login} 没有对应的客服，请主管先添加（agents add {login}）")
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
            return self._session(s, agent, Via.TOKEN, kind="token", label=label)

    def authenticate(self, token: str) -> Principal:
        """The principal of a live session or token; expired/revoked/unknown ones are refused."""
        with self.store.read() as s:
            found = repo.session_by_hash(s, token_hash(token.strip()))
            if found is None:
                raise SignInRefused("登录凭据无效，请重新登录（cs-console login）")
            row, agent = found
            if row.revoked_at is not None:
                raise SignInRefused("已退出登录，请重新登录（cs-console login）")
            if is_expired(row.expires_at, self.clock()):
                raise SignInRefused("登录已过期，请重新登录（cs-console login）")
            return Principal(agent.id, agent.name, agent.role, Via(row.via), row.id)

    def sign_out(self, token: str) -> bool:
        with self.store.write() as s:
            return repo.revoke(s, token_hash(token.strip()), self.clock())
