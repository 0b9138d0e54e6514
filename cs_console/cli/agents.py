"""``cs-console agents …``: the team's agents (客服): add, list, password, token."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    acting,
    emit,
    fail,
    open_desk,
    quick_store,
    read_policy,
)
from cs_console.cli.identity import PasswordStdin, read_password
from cs_console.cli.team_common import refused
from cs_console.domain.team import ROLE_LABELS, STATUS_LABELS, AgentStatus, Role

app = typer.Typer(help="团队客服：添加、列表、密码、令牌。", no_args_is_help=True)


def _sign_in_refused() -> type[Exception]:
    from cs_console.domain.identity import SignInRefused

    return SignInRefused


@app.command("add")
def agents_add(name: Annotated[str, typer.Argument(help="客服名（子账号）。")],
               role: Annotated[str, typer.Option("--role", help="角色：trainee|agent|trainee_supervisor|supervisor（或 见习客服/客服/见习主管/主管）。")] = "agent",
               capacity: Annotated[int | None, typer.Option("--capacity", min=1, help="同时接待的会话数，超出后新会话排队（默认：shop.yaml 的 team.capacity）。")] = None,
               set_password: Annotated[bool, typer.Option("--set-password", help="给这位客服设置初始密码（会提示输入）。")] = False,
               password_stdin: PasswordStdin = False,
               agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """添加客服（或修改已有客服的角色/接待上限）：需要主管登录。

    新存储还没有人能登录时，第一个账号是带密码的主管。"""
    desk = open_desk(db)
    bootstrap = desk.identity.needs_bootstrap()
    by = None if bootstrap else acting(desk, agent)
    if bootstrap:
        from cs_console.domain.team import parse_role

        try:
            first_is_supervisor = parse_role(role) == Role.SUPERVISOR
        except refused() as exc:
            fail(f"error: {exc}")
        if not first_is_supervisor:
            fail("error: 这个店铺还没有任何账号：第一个账号必须是主管（agents add NAME --role supervisor），并设置密码", 2)
    password = read_password(password_stdin, f"{name} 的密码", confirm=not password_stdin) \
        if (bootstrap or set_password or password_stdin) else None
    try:
        desk.identity.add_agent(by, name, role, capacity, password)
        a = desk.team.agent(name)
    except (*refused(), _sign_in_refused()) as exc:
        fail(f"error: {exc}")
    emit({"name": a.name, "role": a.role, "capacity": a.capacity}, as_json,
         f"{a.name}：{ROLE_LABELS[Role(a.role)]}，接待上限 {a.capacity}")


@app.command("password")
def agents_password(name: Annotated[str | None, typer.Argument(help="谁的密码（默认：自己的）。")] = None,
                    password_stdin: PasswordStdin = False, agent: AgentOpt = None, db: DbOpt = None) -> None:
    """设置密码：自己的，或（主管）同事的。对方现有的会话随即结束。"""
    desk = open_desk(db)
    me = acting(desk, agent)
    target = name or me.name
    try:
        desk.identity.set_password(me, target, read_password(password_stdin, f"{target} 的新密码", confirm=not password_stdin))
    except (*refused(), _sign_in_refused()) as exc:
        fail(f"error: {exc}")
    emit(None, False, f"{target} 的密码已更新")


@app.command("token")
def agents_token(label: Annotated[str, typer.Option("--label", help="令牌的用途（如桥接程序、脚本）。")] = "script",
                 file: Annotated[Path | None, typer.Option("--file", help="把令牌写入这个文件（权限 0600），而不是显示出来。")] = None,
                 agent: AgentOpt = None, db: DbOpt = None) -> None:
    """生成一个代表你本人的令牌，供脚本和桥接程序使用：放在 $CS_CONSOLE_TOKEN 里，或放进只有你能读的文件
    并用 $CS_CONSOLE_TOKEN_FILE 指向它。令牌只显示一次；存储只保留其散列值。"""
    from cs_console.config.credentials import write_secret_file

    desk = open_desk(db)
    me = acting(desk, agent)
    issued = desk.identity.issue_token(me, label)
    if file is not None:
        write_secret_file(file, issued.token)
        emit(None, False, f"令牌已写入 {file}（仅本人可读）")
    else:
        print(issued.token)


@app.command("list")
def agents_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """全部客服：角色、状态、进行中/等待中的会话、接待上限、今天的首次响应。"""
    from cs_console.cli.team_common import agent_row
    from cs_console.domain.clock import system_clock
    from cs_console.services.team_overview import agent_overview, agent_overview_quick

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine
        agents = agent_overview_quick(conn, read_policy(), system_clock())
    else:
        desk = open_desk(db)  # read through Core: the ORM tables are not loaded
        agents = agent_overview(desk.store, desk.policy, desk.clock)
    rows = [agent_row(a) for a in agents]
    human = "\n".join(
        f"{r['name']:<12} {ROLE_LABELS[Role(r['role'])]:<6} {STATUS_LABELS[AgentStatus(r['status'])]:<4} "
        f"接待 {r['open_chats']}/{r['capacity']}  等待 {r['waiting_chats']}  "
        f"今日首次响应 {r['first_responses_today']}" for r in rows) or "没有客服"
    emit(rows, as_json, human)
