"""Memo book (备忘录): an agent's own notes, quick to write, searchable, optionally about a buyer
or an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cs_console.domain.clock import Clock
from cs_console.domain.memos import MemoNotFound, MemoRefused
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text, one_line
from cs_console.store import memos as repo
from cs_console.store.engine import Store
from cs_console.store.tables import Memo


@dataclass(frozen=True, slots=True)
class MemoView:
    id: int
    agent: str
    at: datetime
    text: str
    buyer: str
    order_no: str
    done: bool
    promoted_at: datetime | None


def _view(m: Memo) -> MemoView:
    return MemoView(m.id, m.agent, m.at, m.text, m.buyer_nick, m.order_no, m.done, m.promoted_at)


class MemoService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock, handover=None):
        self.store, self.policy, self.clock = store, policy, clock
        self.handover = handover  # HandoverService: promote a memo to a handover note

    def add(self, agent: str, text: str, *, buyer: str = "", order_no: str = "") -> MemoView:
        text = clean_text(text).strip()
        if not text:
            raise MemoRefused("memo.empty")
        with self.store.write() as s:
            memo = Memo(agent=agent, at=self.clock(), text=text, buyer_nick=one_line(buyer),
                        order_no=one_line(order_no))
            s.add(memo)
            s.flush()
            return _view(memo)

    def search(self, agent: str, query: str = "", *, include_done: bool = True, limit: int = 200) -> list[MemoView]:
        """The agent's memos, newest first; ``query`` matches text, buyer or order number."""
        with self.store.read() as s:
            return [_view(m) for m in repo.search(s, agent, query.strip(), include_done=include_done, limit=limit)]

    def set_done(self, memo_id: int, agent: str, done: bool = True) -> None:
        with self.store.write() as s:
            repo.get_own(s, memo_id, agent).done = done

    def promote(self, memo_id: int, agent: str):
        """Copy the memo into the handover book (交接本) for the next shift, linked to its buyer /
        order; the memo remembers it was promoted. Returns the handover note."""
        if self.handover is None:
            raise MemoNotFound("memo.no_handover")
        with self.store.read() as s:
            memo = repo.get_own(s, memo_id, agent)
            if memo.promoted_at is not None:
                raise MemoRefused("memo.promoted", memo_id=memo_id)
            text, buyer, order_no = memo.text, memo.buyer_nick, memo.order_no
        note = self.handover.add(text, agent, buyer=buyer or None, order_no=order_no or None,
                                 source=f"memo:{memo_id}")
        with self.store.write() as s:
            repo.get_own(s, memo_id, agent).promoted_at = self.clock()
        return note
