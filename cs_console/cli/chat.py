"""``cs-console chat …``: inject buyer messages, send replies, list chats, read a log."""

from __future__ import annotations

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
    when,
)

app = typer.Typer(help="会话：写入买家消息、回复、列表、记录。", no_args_is_help=True)

_STATUS = {"waiting": "等待", "serving": "接待中", "closed": "已结束"}
_SENDER = {"buyer": "买家", "agent": "客服", "system": "系统"}
BuyerOpt = Annotated[str, typer.Option("--buyer", help="买家旺旺ID。")]
TextArg = Annotated[str, typer.Argument(help="消息内容。")]


@app.command()
def inject(text: TextArg, buyer: BuyerOpt, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """写入一条买家发来的消息（需要时新建买家和会话）。"""
    desk = open_desk(db)
    try:
        posted = desk.chats.inject(buyer, text)
    except ValueError as exc:
        fail(f"error: {exc}")
    emit({"chat_id": posted.chat_id, "message_id": posted.message_id, "buyer": posted.buyer}, as_json,
         f"{posted.buyer}：消息 {posted.message_id}（会话 {posted.chat_id}）")


@app.command()
def send(text: TextArg, buyer: BuyerOpt, agent: AgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """在买家当前的会话里发送客服回复。"""
    from cs_console.services.chats import NotYourChat
    from cs_console.store.chats import NotFound

    desk = open_desk(db)
    me = acting(desk, agent)
    try:
        posted = desk.chats.send_to_buyer(buyer, me, text)
    except (NotFound, NotYourChat, ValueError) as exc:
        fail(f"error: {exc}")
    emit({"chat_id": posted.chat_id, "message_id": posted.message_id, "buyer": posted.buyer, "agent": me.name},
         as_json, f"已发给 {posted.buyer}（会话 {posted.chat_id}）")


@app.command("list")
def list_(all_: Annotated[bool, typer.Option("--all", help="包括已结束的会话。")] = False,
          db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """按会话列表顺序列出会话：买家、状态、未读、等待秒数、首次响应。"""
    from cs_console.domain.clock import system_clock
    from cs_console.domain.kpi import format_wait
    from cs_console.store.chat_rows import sessions, sessions_quick
    from cs_console.store.quick_read import snapshot

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, no engine, no shop policy
        now = system_clock()()
        with snapshot(conn):
            chats = sessions_quick(conn, include_closed=all_)
    else:
        desk = open_desk(db)
        now = desk.clock()
        chats = sessions(desk.store, include_closed=all_)  # through Core: the ORM tables are not loaded
    rows = [
        {"chat_id": c.chat_id, "buyer": c.buyer_nick, "status": str(c.status), "unread": c.unread,
         "waiting_seconds": round(c.waiting_seconds(now), 1),
         "first_response_seconds": None if c.first_response_seconds is None else round(c.first_response_seconds, 1),
         "agent": c.agent, "preview": c.preview}
        for c in chats
    ]
    human = "\n".join(
        f"{r['chat_id']:>5}  {_STATUS.get(r['status'], r['status']):<4} {r['buyer']:<16} 未读 {r['unread']:<3} "
        f"等待 {format_wait(r['waiting_seconds']):>6}  {r['preview']}" for r in rows
    ) or "没有打开的会话"
    emit(rows, as_json, human)


@app.command()
def log(buyer: BuyerOpt, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """与某位买家的全部消息，最早的在前。"""
    from cs_console.store.chats import NotFound

    desk = open_desk(db)
    try:
        msgs = desk.chats.log(buyer)
    except NotFound as exc:
        fail(f"error: {exc}")
    rows = [{"id": m.id, "chat_id": m.chat_id, "sender": str(m.sender), "author": m.author or None,
             "text": m.text, "at": when(m.created_at)} for m in msgs]
    emit(rows, as_json, "\n".join(f"[{m['at']}] {_SENDER.get(m['sender'], m['sender'])}{'/' + m['author'] if m['author'] else ''}：{m['text']}" for m in rows))


from cs_console.cli import team_chat as _team_chat  # noqa: E402,F401  chat assign/forward/distribute
