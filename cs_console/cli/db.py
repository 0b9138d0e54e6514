"""``cs-console db grant``: give a PostgreSQL store's agents their own login roles, checked by
the server (see ``store/pg_roles.py``). Run by the store owner."""

from __future__ import annotations

import typer

from cs_console.cli.common import DbOpt, JsonOpt, emit, fail, open_desk

app = typer.Typer(help="The store's database: PostgreSQL login roles for the agents.", no_args_is_help=True)


@app.command("grant")
def db_grant(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """(Store owner, PostgreSQL) Create or refresh the agents' group role, their privileges and
    the server-side checks of who acts. Safe to run again; the owner needs CREATEROLE.

    Then agents get login roles with their passwords: ``agents add NAME --set-password`` (or
    ``agents password NAME``) by a supervisor."""
    from sqlalchemy.exc import SQLAlchemyError

    from cs_console.store.engine import _reason
    from cs_console.store.pg_roles import install, role_base

    desk = open_desk(db)
    if desk.store.is_sqlite:
        fail("error: SQLite 存储在一台电脑上使用，由文件权限保护，不需要数据库角色（db grant 只用于 PostgreSQL）", 2)
    try:
        with desk.store.write() as s:
            group = install(s.connection(), desk.store.url)
    except SQLAlchemyError as exc:
        fail(f"error: 无法设置数据库角色（需要存储所有者的连接，并有 CREATEROLE 权限）：{_reason(exc)}", 2)
    base = role_base(desk.store.url)
    emit({"group_role": group, "agent_role": f"{base}.<客服名>", "token_role": f"{base}#<编号>"}, as_json,
         f"数据库角色已就绪：客服组 {group}，客服登录名 {base}.<客服名>")
