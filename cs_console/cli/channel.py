"""``cs-console channel …``: gateway channels (supervisor), and re-sending a failed message."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import AgentOpt, DbOpt, JsonOpt, emit, fail, open_desk, quick_store
from cs_console.domain.messages import render

app = typer.Typer(help="网关渠道：创建（含 API 令牌）、吊销、列表；重发失败的回复。",
                  no_args_is_help=True)


def _supervisor(desk, agent: str | None) -> str:
    from cs_console.cli.common import acting

    name = acting(desk, agent).name  # the signed-in agent, never just a name on the command line
    if not desk.team.is_supervisor(name):
        fail("error: " + render("channel.supervisor_only", name=name), 2)
    return name


@app.command("create")
def create(name: Annotated[str, typer.Argument(help="渠道名（a-z 0-9 _ -）；用 --web 时即 /chat/NAME 中的店铺名。")],
           web: Annotated[bool, typer.Option("--web", help="买家聊天页面 /chat/NAME。")] = False,
           webhook: Annotated[str, typer.Option("--webhook", help="在这个地址接收回复的桥接程序。")] = "",
           pull: Annotated[bool, typer.Option("--pull", help="主动拉取回复的桥接程序（位于 NAT 之后）。")] = False,
           attempts: Annotated[int, typer.Option("--attempts", min=1, max=50, help="标为“失败”之前的 webhook 尝试次数。")] = 8,
           broadcast_per_minute: Annotated[int, typer.Option("--broadcast-per-minute", min=1, max=6000,
                                                             help="这个渠道每分钟最多群发的消息数。")] = 20,
           agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """创建渠道。API 令牌（及 webhook 密钥）只显示这一次：存储只保留其散列值。"""
    from cs_console.domain.gateway import ChannelKind

    if (web, bool(webhook), pull).count(True) != 1:
        fail("error: " + render("channel.one_kind"), 2)
    kind = ChannelKind.WEB if web else ChannelKind.WEBHOOK if webhook else ChannelKind.PULL
    desk = open_desk(db)
    who = _supervisor(desk, agent)
    try:
        made = desk.gateway.create_channel(name, kind, webhook_url=webhook, by=who, max_attempts=attempts,
                                           broadcast_per_minute=broadcast_per_minute)
    except ValueError as exc:
        fail(f"error: {exc}", 2)
    data = {"name": made.channel.name, "kind": made.channel.kind, "token": made.token or None,
            "webhook_secret": made.webhook_secret or None}
    human = render("channel.created", name=made.channel.name, kind=made.channel.kind)
    if made.token:
        human += "\n" + render("channel.token_once", token=made.token)
    if made.webhook_secret:
        human += "\n" + render("channel.secret_once", secret=made.webhook_secret)
    if kind == ChannelKind.WEB:
        human += "\n" + render("channel.buyer_page", name=made.channel.name)
    emit(data, as_json, human)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="渠道名。")], agent: AgentOpt = None, db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """吊销渠道：令牌立即失效，其聊天页面关闭。"""
    from cs_console.store.chats import NotFound

    desk = open_desk(db)
    _supervisor(desk, agent)
    try:
        v = desk.gateway.revoke(name)
    except NotFound as exc:
        fail(f"error: {exc}", 2)
    emit({"name": v.name, "revoked": True}, as_json, render("channel.revoked", name=v.name))


@app.command("list")
def list_(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """渠道列表（令牌不会再次显示）。"""
    from cs_console.store.channel_rows import channels_quick
    from cs_console.store.quick_read import snapshot

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine, no shop policy
        with snapshot(conn):
            rows = channels_quick(conn)
    else:
        rows = open_desk(db).gateway.channels()
    emit([{"name": c.name, "kind": c.kind, "webhook": c.webhook_url, "revoked": c.revoked,
           "attempts": c.max_attempts, "broadcast_per_minute": c.broadcast_per_minute} for c in rows], as_json,
         "\n".join(f"{c.name}\t{c.kind}\t{'已停用' if c.revoked else '启用'}\t{c.webhook_url}" for c in rows)
         or "没有渠道")


@app.command("resend")
def resend(message_id: Annotated[int, typer.Argument(help="失败回复的消息编号。")], db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """重发：再次投递一条失败的回复（投递编号不变）。"""
    desk = open_desk(db)
    if not desk.gateway.resend(message_id):
        fail("error: " + render("channel.not_failed", message_id=message_id), 2)
    emit({"message_id": message_id, "queued": True}, as_json, render("channel.queued_again", message_id=message_id))
