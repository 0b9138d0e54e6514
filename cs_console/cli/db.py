"""``cs-console db grant``: give a PostgreSQL store's agents their own login roles, checked by
the server (see ``store/pg_roles.py``). Run by the store owner."""

from __future__ import annotations

import typer

from cs_console.cli.common import DbOpt, JsonOpt, emit, fail, open_desk

app = typer.Typer(help="存储的数据库：为客服设置 PostgreSQL 登录角色。", no_args_is_help=True)


@app.command("grant")
def db_grant(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """（存储所有者，PostgreSQL）创建或更新客服的组角色、权限，以及由服务器核对操作者身份的检查。
    可以重复执行；所有者需要 CREATEROLE 权限。

    之后由主管为客服设置带密码的登录角色：agents add 名字 --set-password（或 agents password 名字）。"""
    from sqlalchemy.exc import SQLAlchemyError

    from cs_console.store.engine import _reason
    from cs_console.store.pg_install import install
    from cs_console.store.pg_roles import gate_role, role_base

    desk = open_desk(db)
    if desk.store.is_sqlite:
        fail("error: SQLite 存储在一台电脑上使用，由文件权限保护，不需要数据库角色（db grant 只用于 PostgreSQL）", 2)
    try:
        with desk.store.write() as s:
            group = install(s.connection(), desk.store.url, desk.policy)
    except SQLAlchemyError as exc:
        fail(f"error: 无法设置数据库角色（需要存储所有者的连接，并有 CREATEROLE 权限）：{_reason(exc)}", 2)
    base = role_base(desk.store.url)
    emit({"group_role": group, "agent_role": f"{base}.<客服名>", "token_role": f"{base}#<编号>",
          "sign_in_role": gate_role(base)}, as_json,
         f"数据库角色已就绪：客服组 {group}，客服角色 {base}.<客服名>，登录入口 {gate_role(base)}")
