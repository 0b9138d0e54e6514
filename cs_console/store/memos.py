"""Repository for the memo book (备忘录)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cs_console.domain.memos import MemoNotFound
from cs_console.store.tables import Memo


def search(s: Session, agent: str, query: str, *, include_done: bool, limit: int) -> list[Memo]:
    """The agent's memos, newest first; ``query`` is a plain substring of text, buyer or order
    number (short Chinese words like 退款 must match: no FTS, see FINDINGS)."""
    stmt = select(Memo).where(Memo.agent == agent)
    if not include_done:
        stmt = stmt.where(col(Memo.done).is_(False))
    if query:
        like = f"%{query}%"
        stmt = stmt.where(col(Memo.text).like(like) | col(Memo.buyer_nick).like(like) | col(Memo.order_no).like(like))
    return list(s.exec(stmt.order_by(col(Memo.id).desc()).limit(limit)).all())


def get_own(s: Session, memo_id: int, agent: str) -> Memo:
    memo = s.get(Memo, memo_id)
    if memo is None or memo.agent != agent:
        raise MemoNotFound("memo.not_found", memo_id=memo_id)
    return memo
