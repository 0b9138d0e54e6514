"""``cs-console channel …``: gateway channels (supervisor), and re-sending a failed message."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import AgentOpt, DbOpt, JsonOpt, emit, fail, open_desk
from cs_console.domain.messages import render

app = typer.Typer(help="Gateway channels: create (with its API token), revoke, list; resend a failed reply.",
                  no_args_is_help=True)


def _supervisor(desk, agent: str | None) -> str:
    from cs_console.cli.common import acting

    name = acting(desk, agent).name  # the signed-in agent, never just a name on the command line
    if not desk.team.is_supervisor(name):
        fail("error: " + render("channel.supervisor_only", name=name), 2)
    return name


@app.command("create")
def create(name: Annotated[str, typer.Argument(help="Channel name (a-z 0-9 _ -); for --web it is the shop in /chat/NAME.")],
           web: Annotated[bool, typer.Option("--web", help="The buyer chat page /chat/NAME.")] = False,
           webhook: Annotated[str, typer.Option("--webhook", help="A bridge that receives replies at this URL.")] = "",
           pull: Annotated[bool, typer.Option("--pull", help="A bridge that pulls replies (behind NAT).")] = False,
           attempts: Annotated[int, typer.Option("--attempts", min=1, max=50, help="Webhook attempts before 失败.")] = 8,
           broadcast_per_minute: Annotated[int, typer.Option("--broadcast-per-minute", min=1, max=6000,
                                                             help="Broadcast (群发) messages per minute on this channel.")] = 20,
           agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create a channel. Its API token (and webhook secret) are printed once: only a hash is kept."""
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
def revoke(name: Annotated[str, typer.Argument(help="Channel name.")], agent: AgentOpt = None, db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """Revoke a channel: its token stops working at once, its page closes."""
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
    """Channels (tokens are never shown again)."""
    desk = open_desk(db)
    rows = desk.gateway.channels()
    emit([{"name": c.name, "kind": c.kind, "webhook": c.webhook_url, "revoked": c.revoked,
           "attempts": c.max_attempts, "broadcast_per_minute": c.broadcast_per_minute} for c in rows], as_json,
         "\n".join(f"{c.name}\t{c.kind}\t{'已停用' if c.revoked else '启用'}\t{c.webhook_url}" for c in rows)
         or "没有渠道")


@app.command("resend")
def resend(message_id: Annotated[int, typer.Argument(help="Message id of a failed reply.")], db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """重发: deliver a failed reply again (same delivery id)."""
    desk = open_desk(db)
    if not desk.gateway.resend(message_id):
        fail("error: " + render("channel.not_failed", message_id=message_id), 2)
    emit({"message_id": message_id, "queued": True}, as_json, render("channel.queued_again", message_id=message_id))
