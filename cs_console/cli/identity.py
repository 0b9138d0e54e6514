"""``cs-console login | logout | whoami``: sign in as an agent for this store's CLI commands.

The password is typed at a hidden prompt (or piped with ``--password-stdin``), never given on the
command line. The session token goes to a 0600 file in the user's config dir, one per store.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, JsonOpt, acting, emit, fail, open_desk

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="从标准输入的第一行读取密码（供脚本、测试使用）。")]


def read_password(from_stdin: bool, prompt: str = "密码", confirm: bool = False) -> str:
    """The password from stdin's first line, or a hidden prompt (asked twice when ``confirm``)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def login(name: Annotated[str, typer.Argument(help="客服名。")],
          password_stdin: PasswordStdin = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """登录：之后对本存储的命令都以该客服身份执行，直到会话过期。"""
    from cs_console.config.credentials import session_file, write_secret_file
    from cs_console.domain.identity import SignInRefused

    desk = open_desk(db)
    try:
        done = desk.identity.sign_in(name, read_password(password_stdin))
    except SignInRefused as exc:
        fail(f"error: {exc}", 2)
    path = session_file(desk.store.url)
    write_secret_file(path, done.token)
    tz = desk.policy.shop.timezone
    from cs_console.domain.clock import local

    until = local(done.expires_at, tz).strftime("%Y-%m-%d %H:%M")
    emit({"agent": done.principal.name, "role": done.principal.role, "expires_at": done.expires_at.isoformat()},
         as_json, f"已登录：{done.principal.name}（有效期至 {until}）")


def logout(db: DbOpt = None) -> None:
    """退出登录：结束存储中的会话并删除本机的会话文件。"""
    from cs_console.config.credentials import find_token, forget_session

    desk = open_desk(db)
    token = find_token(desk.store.url)
    if token:
        desk.identity.sign_out(token)
    forget_session(desk.store.url)
    emit(None, False, "已退出登录")


def whoami(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """显示本存储当前登录的客服（及登录方式）。"""
    desk = open_desk(db)
    me = acting(desk)
    emit({"agent": me.name, "role": me.role, "via": me.via.value}, as_json, f"{me.name}（{me.role}，{me.via.value}）")
