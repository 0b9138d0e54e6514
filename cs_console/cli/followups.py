"""``cs-console followups unpaid|unserved|remind|record`` and ``cs-console reviews import|list|follow``."""

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
    when,
)
from cs_console.domain.clock import local
from cs_console.domain.money import format_money

app = typer.Typer(help="跟进：未付款订单、未接待的买家。", no_args_is_help=True)
reviews = typer.Typer(help="评价：导入 CSV、列出中差评、跟进。", no_args_is_help=True)

AllOpt = Annotated[bool, typer.Option("--all", help="包括已跟进的。")]


@app.command()
def unpaid(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """超过 followups.unpaid_after_minutes 仍未付款的订单，最早的在前。"""
    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone, the policy as last validated
        from cs_console.domain.clock import system_clock
        from cs_console.store.followup_rows import unpaid_quick
        from cs_console.store.quick_read import snapshot

        policy = read_policy()
        tz = policy.shop.timezone
        with snapshot(conn):
            rows = unpaid_quick(conn, system_clock()(), policy.followups, include_contacted=all_)
    else:
        desk = open_desk(db)
        tz = desk.policy.shop.timezone
        rows = desk.followups.unpaid(include_contacted=all_)
    emit([{"order_no": u.order_no, "buyer": u.buyer, "placed_at": when(u.placed_at), "amount": str(u.amount),
           "items": u.items, "contacted_at": when(u.contacted_at),
           "contacted_by": u.contacted_by} for u in rows], as_json,
         "\n".join(f"{u.order_no:<14} {u.buyer:<12} {local(u.placed_at, tz):%m-%d %H:%M} {format_money(u.amount):>10} "
                   f"{'✓ ' + (u.contacted_by or '') if u.contacted_at else '未联系'}  {u.items}" for u in rows)
         or "没有要跟进的未付款订单")


@app.command()
def remind(order_no: Annotated[str, typer.Argument(help="订单编号。")], agent: AgentOpt = None,
           db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把催付话术放进买家会话的草稿，并把订单标为已联系。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        opened = desk.followups.remind_unpaid(order_no, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    _emit_opened(opened, as_json)


@app.command()
def unserved(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """没人接待、还需要跟进记录的买家。"""
    desk = open_desk(db)
    tz = desk.policy.shop.timezone
    rows = desk.followups.unserved(pending_only=not all_)
    emit([{"chat_id": u.chat_id, "buyer": u.buyer, "opened_at": when(u.opened_at), "reason": u.reason,
           "record": u.record} for u in rows], as_json,
         "\n".join(f"{u.chat_id:>5} {u.buyer:<12} {local(u.opened_at, tz):%m-%d %H:%M} {u.reason}  {u.record or ''}" for u in rows)
         or "每位未接待的买家都有跟进记录")


@app.command()
def record(chat_id: Annotated[int, typer.Argument(help="未接待买家的会话编号。")],
           note: Annotated[str, typer.Argument(help="做了什么。")],
           agent: AgentOpt = None, db: DbOpt = None) -> None:
    """为没人接待的买家写跟进记录。"""
    from cs_console.domain.followups import FollowupKind

    desk = open_desk(db)
    name = acting(desk, agent).name
    if chat_id not in {u.chat_id for u in desk.followups.unserved(pending_only=False)}:
        fail(f"错误：会话 {chat_id} 不是未接待的买家")
    try:
        desk.followups.record(FollowupKind.UNSERVED, str(chat_id), name, note)
    except ValueError as exc:
        fail(f"error: {exc}")
    emit(None, False, f"会话 {chat_id}：已记录跟进")


@reviews.command("import")
def import_(path: Annotated[Path, typer.Argument(help="CSV：订单编号、买家、评价等级、内容、日期。")],
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """导入评价；有一行出错就拒绝整个文件（文件:行号: 原因），什么也不导入。"""
    from cs_console.services.followups import ReviewImportError

    desk = open_desk(db)
    try:
        new, known = desk.followups.import_reviews(path)
    except ReviewImportError as exc:
        fail(str(exc))
    emit({"imported": new, "already_known": known}, as_json, f"导入 {new} 条评价（{known} 条已有）")


@reviews.command("list")
def list_reviews(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """还需跟进的中差评（加 --all 时也列出已跟进的）。"""
    from cs_console.domain.followups import RATING_LABELS

    conn = quick_store(db)
    if conn is not None:  # a current SQLite store: sqlite3 alone
        from cs_console.store.followup_rows import reviews_quick
        from cs_console.store.quick_read import snapshot

        with snapshot(conn):
            rows = reviews_quick(conn, pending_only=not all_)
    else:
        rows = open_desk(db).followups.reviews(pending_only=not all_)
    emit([{"id": r.id, "order_no": r.order_no, "buyer": r.buyer, "rating": r.rating.value, "text": r.text,
           "date": r.day.isoformat(), "followed_by": r.followed_by} for r in rows], as_json,
         "\n".join(f"{r.id:>4} {r.day} {RATING_LABELS[r.rating]} {r.order_no:<14} {r.buyer:<12} {r.text}" for r in rows)
         or "没有要跟进的评价")


@reviews.command("follow")
def follow_review(review_id: Annotated[int, typer.Argument(help="评价编号。")], agent: AgentOpt = None,
                  db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """把差评跟进话术放进买家会话的草稿，并标为已跟进。"""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        opened = desk.followups.follow_review(review_id, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    _emit_opened(opened, as_json)


def _emit_opened(opened, as_json: bool) -> None:
    """A follow-up opened the buyer's chat with a draft ready."""
    emit({"chat_id": opened.chat_id, "buyer": opened.buyer, "draft": opened.draft}, as_json,
         f"{opened.buyer}（会话 {opened.chat_id}）草稿：{opened.draft}")
