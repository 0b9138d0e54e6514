"""``cs-console login | logout | whoami``: sign in as an agent for this store's CLI commands.

The password is typed at a hidden prompt (or piped with ``--password-stdin``), never given on the
command line. The session token goes to a 0600 file in the user's config dir, one per store.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, JsonOpt, acting, emit, fail, open_desk, store_url

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input (scripts, tests).")]


def read_password(from_stdin: bool, prompt: str = "密码", confirm: bool = False) -> str:
    """The password from stdin's first line, or a hidden prompt (asked twice when ``confirm``)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def login(name: Annotated[str, typer.Argument(help="Agent name (客服名).")],
          password_stdin: PasswordStdin = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Sign in; later commands on this store act as this agent until the session expires."""
    from cs_console.config.credentials import session_file, write_secret_file
    from cs_console.domain.identity import SignInRefused

    password = read_password(password_stdin)
    url = store_url(db)
    try:
        done, policy = _sign_in_to_server(url, name, password)
        if done is None:
            desk = open_desk(db)
            done, policy = desk.identity.sign_in(name, password), desk.policy
    except SignInRefused as exc:
        fail(f"error: {exc}", 2)
    write_secret_file(session_file(url), done.token)
    from cs_console.domain.clock import local

    until = local(done.expires_at, policy.shop.timezone).strftime("%Y-%m-%d %H:%M")
    emit({"agent": done.principal.name, "role": done.principal.role, "expires_at": done.expires_at.isoformat()},
         as_json, f"已登录：{done.principal.name}（有效期至 {until}）")


def _sign_in_to_server(url: str, name: str, password: str):
    """PostgreSQL, URL without a password: the server checks the agent's own login role. Falls
    back (None) to the store's own sign-in when that role does not exist and the URL still opens
    the store (its owner, before ``cs-console db grant`` gave the agents login roles)."""
    from cs_console.config.policy import load_policy
    from cs_console.domain.clock import system_clock
    from cs_console.domain.identity import SignInRefused
    from cs_console.services.identity import sign_in_to_server
    from cs_console.store.engine import StoreError, normalize_url, open_store
    from cs_console.store.pg_roles import has_password

    full = normalize_url(url)
    if not full.startswith("postgresql") or has_password(full):
        return None, None
    policy = load_policy()
    try:
        return sign_in_to_server(url, name, password, policy, system_clock()), policy
    except SignInRefused:
        try:
            open_store(full, init=False).dispose()
        except StoreError:
            raise SignInRefused("用户名或密码错误") from None
        return None, None


def logout(db: DbOpt = None) -> None:
    """Sign out: the session ends in the store and its file is removed."""
    from cs_console.config.credentials import find_token, forget_session

    desk = open_desk(db)
    token = find_token(desk.store.url)
    if token:
        desk.identity.sign_out(token)
    forget_session(desk.store.url)
    emit(None, False, "已退出登录")


def whoami(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The signed-in agent of this store (and how they signed in)."""
    desk = open_desk(db)
    me = acting(desk)
    emit({"agent": me.name, "role": me.role, "via": me.via.value}, as_json, f"{me.name}（{me.role}，{me.via.value}）")
