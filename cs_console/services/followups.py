"""Follow-up use-cases (跟进): unpaid orders, buyers nobody served, neutral/negative reviews.

A follow-up is a ``FollowUpRecord`` (kind, key, who, when, note). "Follow up now" opens the
buyer's chat (a new agent-started chat when none is open) with the reminder text ready in the
agent's draft, and records the contact, in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists
from sqlmodel import Session, col, select

from cs_console.domain.chat import ChatStatus, Sender
from cs_console.domain.clock import Clock
from cs_console.domain.followups import (
    FollowupKind,
    Rating,
    ReviewView,
    UnpaidView,
    UnservedView,
    needs_followup,
    parse_day,
    parse_rating,
    unpaid_overdue,
    unserved_reason,
)
from cs_console.domain.placeholders import fill
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text, one_line
from cs_console.services.context import chat_values, describe_items
from cs_console.store import audit
from cs_console.store import chats as chat_repo
from cs_console.store.engine import Store
from cs_console.store.tables import Buyer, Chat, FollowUpRecord, Message, Order, OrderItem, Review

REVIEW_COLUMNS = {
    "order_no": ("order_no", "订单号", "订单编号"),
    "buyer": ("buyer", "买家", "买家昵称", "旺旺"),
    "rating": ("rating", "评价", "评分", "等级"),
    "text": ("text", "内容", "评价内容"),
    "date": ("date", "日期", "评价日期"),
}


class ReviewImportError(ValueError):
    """Bad rows of an import file, each ``FILE:LINE: reason`` (nothing was imported)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Opened:
    chat_id: int
    buyer: str
    draft: str


def _records(s: Session, kind: FollowupKind) -> dict[str, FollowUpRecord]:
    """The latest record per key."""
    rows = s.exec(select(FollowUpRecord).where(FollowUpRecord.kind == kind.value).order_by(col(FollowUpRecord.id))).all()
    return {r.key: r for r in rows}


class FollowupService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock

    @property
    def settings(self):
        return self.policy.followups

    # records ------------------------------------------------------------------------------------
    def record(self, kind: FollowupKind, key: str, agent: str, note: str = "") -> None:
        """Write a follow-up record (e.g. what was done for a buyer nobody served)."""
        note = one_line(clean_text(note))
        if kind == FollowupKind.UNSERVED and not note:
            raise ValueError("跟进记录不能为空")
        with self.store.write() as s:
            s.add(FollowUpRecord(kind=kind.value, key=str(key), at=self.clock(), agent=agent, note=note))

    # unpaid orders ------------------------------------------------------------------------------
    def unpaid(self, *, include_contacted: bool = True) -> list[UnpaidView]:
        """WAIT_BUYER_PAY orders older than the configured time, oldest first."""
        now = self.clock()
        with self.store.read() as s:
            done = _records(s, FollowupKind.UNPAID)
            rows = s.exec(select(Order, Buyer.nick).join(Buyer, col(Buyer.id) == Order.buyer_id)
                          .where(Order.state == "WAIT_BUYER_PAY").order_by(col(Order.placed_at))).all()
            out = []
            for order, nick in rows:
                if not unpaid_overdue(order.placed_at, now, self.settings):
                    continue
                rec = done.get(order.order_no)
                if rec is not None and not include_contacted:
                    continue
                items = list(s.exec(select(OrderItem).where(OrderItem.order_id == order.id)
                                    .order_by(col(OrderItem.line_no))).all())
                out.append(UnpaidView(order.order_no, nick, order.placed_at, order.amount, describe_items(items),
                                      rec.at if rec else None, rec.agent if rec else None))
            return out

    def remind_unpaid(self, order_no: str, agent: str) -> Opened:
        """Open the buyer's chat with the unpaid reminder in the draft; mark the order contacted."""
        with self.store.read() as s:
            order = s.exec(select(Order).where(Order.order_no == order_no)).first()
            if order is None:
                raise LookupError(f"没有订单 {order_no}")
            nick = s.get(Buyer, order.buyer_id).nick
        return self._open(nick, agent, self.settings.unpaid_reminder, FollowupKind.UNPAID, order_no,
                          flag_order=order_no if self.settings.contacted_flag else None)

    # buyers not served --------------------------------------------------------------------------
    def unserved(self, *, pending_only: bool = True, since: datetime | None = None) -> list[UnservedView]:
        """Chats where the buyer was not served; pending ones have no follow-up record yet."""
        now = self.clock()
        answered = exists().where(Message.chat_id == Chat.id, Message.sender == Sender.AGENT.value)
        with self.store.read() as s:
            done = _records(s, FollowupKind.UNSERVED)
            q = (select(Chat, Buyer.nick, answered.label("answered")).join(Buyer, col(Buyer.id) == Chat.buyer_id)
                 .where(col(Chat.first_buyer_at).is_not(None)))
            if since is not None:
                q = q.where(Chat.opened_at >= since)
            out = []
            for chat, nick, was_answered in s.exec(q.order_by(col(Chat.opened_at))).all():
                why = unserved_reason(closed=chat.status == ChatStatus.CLOSED, answered=bool(was_answered),
                                      waiting_since=chat.waiting_since, last_message_at=chat.last_message_at,
                                      now=now, s=self.settings)
                if why is None:
                    continue
                rec = done.get(str(chat.id))
                if rec is not None and pending_only:
                    continue
                out.append(UnservedView(chat.id, nick, chat.opened_at, why, rec.note if rec else None))
            return out

    # reviews ------------------------------------------------------------------------------------
    def import_reviews(self, path: Path) -> tuple[int, int]:
        """Import a review CSV (order number, buyer, rating, text, date). Returns (new, already
        known). Any bad row refuses the whole file with ``FILE:LINE: reason`` lines."""
        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise ReviewImportError([f"{path}:0: 无法读取: {exc.strerror or exc}"]) from exc
        except UnicodeDecodeError:
            raise ReviewImportError([f"{path}:0: 不是 UTF-8 文本"]) from None
        reader = csv.reader(io.StringIO(raw))
        header = next(reader, None)
        if header is None:
            raise ReviewImportError([f"{path}:1: 空文件"])
        index: dict[str, int] = {}
        names = [h.strip().lower() for h in header]
        for field, aliases in REVIEW_COLUMNS.items():
            for i, name in enumerate(names):
                if name in aliases:
                    index[field] = i
        missing = [f for f in REVIEW_COLUMNS if f not in index]
        if missing:
            raise ReviewImportError([f"{path}:1: 缺少列: {', '.join(missing)}"])
        problems: list[str] = []
        rows = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                problems.append(f"{path}:{line}: 列数不足（{len(row)} < {len(header)}）")
                continue
            order_no, buyer = row[index["order_no"]].strip(), one_line(row[index["buyer"]])
            if not order_no:
                problems.append(f"{path}:{line}: 订单号为空")
                continue
            if not buyer:
                problems.append(f"{path}:{line}: 买家为空")
                continue
            try:
                rating = parse_rating(row[index["rating"]])
                day = parse_day(row[index["date"]])
            except ValueError as exc:
                problems.append(f"{path}:{line}: {exc}")
                continue
            rows.append((order_no, buyer, rating, clean_text(row[index["text"]]).strip(), day))
        if problems:
            raise ReviewImportError(problems)
        new = known = 0
        with self.store.write() as s:
            now = self.clock()
            for order_no, buyer, rating, text, day in rows:
                hit = s.exec(select(Review).where(Review.order_no == order_no, Review.buyer_nick == buyer,
                                                  Review.day == day)).first()
                if hit is not None:
                    known += 1
                    continue
                s.add(Review(order_no=order_no, buyer_nick=buyer, rating=rating.value, text=text, day=day,
                             imported_at=now))
                s.flush()
                new += 1
        return new, known

    def reviews(self, *, pending_only: bool = True) -> list[ReviewView]:
        """Neutral/negative reviews, oldest first; pending ones not yet followed up."""
        with self.store.read() as s:
            done = _records(s, FollowupKind.REVIEW)
            out = []
            for r in s.exec(select(Review).order_by(col(Review.day), col(Review.id))).all():
                rating = Rating(r.rating)
                if not needs_followup(rating):
                    continue
                rec = done.get(str(r.id))
                if rec is not None and pending_only:
                    continue
                out.append(ReviewView(r.id, r.order_no, r.buyer_nick, rating, r.text, r.day,
                                      rec.at if rec else None, rec.agent if rec else None))
            return out

    def follow_review(self, review_id: int, agent: str) -> Opened:
        with self.store.read() as s:
            r = s.get(Review, review_id)
            if r is None:
                raise LookupError(f"没有评价 {review_id}")
            nick, order_no = r.buyer_nick, r.order_no
        text = self.settings.review_followup.replace("{order_no}", order_no)
        return self._open(nick, agent, text, FollowupKind.REVIEW, str(review_id))

    # opening a chat -----------------------------------------------------------------------------
    def _open(self, nick: str, agent: str, template: str, kind: FollowupKind, key: str,
              flag_order: str | None = None) -> Opened:
        filled = fill(template, chat_values(self.store, nick, agent, self.policy.shop.name))
        with self.store.write() as s:
            now = self.clock()
            who = chat_repo.ensure_agent(s, agent, now)
            buyer = chat_repo.ensure_buyer(s, nick, now)
            chat = chat_repo.open_chat_of(s, buyer)
            if chat is None:  # agent-started chat: nobody is waiting, so no wait clock runs
                chat = Chat(buyer_id=buyer.id, agent_id=who.id, status=ChatStatus.SERVING.value, opened_at=now,
                            last_message_at=now, last_preview="（客服发起）")
                s.add(chat)
                s.flush()
            chat_repo.save_draft(s, chat.id, who, filled.text, filled.cursor, now)
            s.add(FollowUpRecord(kind=kind.value, key=key, at=now, agent=agent, note="已联系"))
            order = s.exec(select(Order).where(Order.order_no == flag_order)).first() if flag_order else None
            new_flag = self.settings.contacted_flag
            if order is not None and order.flag != new_flag:
                audit.record(s, at=now, agent=agent, entity="order", key=order.order_no, field="flag",
                             old=order.flag, new=new_flag, reason="催付已联系")
                order.flag = new_flag
            return Opened(chat.id, buyer.nick, filled.text)
