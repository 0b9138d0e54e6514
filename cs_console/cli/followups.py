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
    when,
)
from cs_console.domain.clock import local
from cs_console.domain.money import format_money

app = typer.Typer(help="Follow-ups (跟进): unpaid orders, buyers not served.", no_args_is_help=True)
reviews = typer.Typer(help="Reviews (评价): import the CSV, list neutral/negative ones, follow up.", no_args_is_help=True)

AllOpt = Annotated[bool, typer.Option("--all", help="Include those already followed up.")]


@app.command()
def unpaid(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Unpaid orders older than followups.unpaid_after_minutes, oldest first."""
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
def remind(order_no: Annotated[str, typer.Argument(help="Order number.")], agent: AgentOpt = None,
           db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Put the unpaid reminder into the buyer's chat draft and mark the order contacted."""
    desk = open_desk(db)
    name = acting(desk, agent).name
    try:
        opened = desk.followups.remind_unpaid(order_no, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    _emit_opened(opened, as_json)


@app.command()
def unserved(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Buyers nobody served that still need a follow-up record."""
    desk = open_desk(db)
    tz = desk.policy.shop.timezone
    rows = desk.followups.unserved(pending_only=not all_)
    emit([{"chat_id": u.chat_id, "buyer": u.buyer, "opened_at": when(u.opened_at), "reason": u.reason,
           "record": u.record} for u in rows], as_json,
         "\n".join(f"{u.chat_id:>5} {u.buyer:<12} {local(u.opened_at, tz):%m-%d %H:%M} {u.reason}  {u.record or ''}" for u in rows)
         or "每位未接待的买家都有跟进记录")


@app.command()
def record(chat_id: Annotated[int, typer.Argument(help="Chat id of the unserved buyer.")],
           note: Annotated[str, typer.Argument(help="What was done.")],
           agent: AgentOpt = None, db: DbOpt = None) -> None:
    """Write the follow-up record for a buyer nobody served."""
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
def import_(path: Annotated[Path, typer.Argument(help="CSV: order number, buyer, rating, text, date.")],
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Import reviews; a bad row refuses the file (FILE:LINE: reason), nothing is imported."""
    from cs_console.services.followups import ReviewImportError

    desk = open_desk(db)
    try:
        new, known = desk.followups.import_reviews(path)
    except ReviewImportError as exc:
        fail(str(exc))
    emit({"imported": new, "already_known": known}, as_json, f"导入 {new} 条评价（{known} 条已有）")


@reviews.command("list")
def list_reviews(all_: AllOpt = False, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Neutral/negative reviews still to follow up (``--all``: also the followed-up ones)."""
    from cs_console.domain.followups import RATING_LABELS

    desk = open_desk(db)
    rows = desk.followups.reviews(pending_only=not all_)
    emit([{"id": r.id, "order_no": r.order_no, "buyer": r.buyer, "rating": r.rating.value, "text": r.text,
           "date": r.day.isoformat(), "followed_by": r.followed_by} for r in rows], as_json,
         "\n".join(f"{r.id:>4} {r.day} {RATING_LABELS[r.rating]} {r.order_no:<14} {r.buyer:<12} {r.text}" for r in rows)
         or "没有要跟进的评价")


@reviews.command("follow")
def follow_review(review_id: Annotated[int, typer.Argument(help="Review id.")], agent: AgentOpt = None,
                  db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Put the bad-review follow-up phrase into the buyer's chat draft and mark it followed up."""
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
