"""Follow-up use-cases (跟进): unpaid orders, buyers nobody served, neutral/negative reviews.

A follow-up is a ``FollowUpRecord`` (kind, key, who, when, note). "Follow up now" opens the
buyer's chat (a new agent-started chat when none is open) with the reminder text ready in the
agent's draft, and records the contact, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cs_console.domain.chat import ChatStatus
from cs_console.domain.clock import Clock
from cs_console.domain.followups import (
    FollowupKind,
    FollowupNotFound,
    FollowupRefused,
    ReviewView,
    UnpaidView,
    UnservedView,
    parse_review_csv,
    review_views,
    unpaid_views,
    unserved_reason,
)
from cs_console.domain.messages import os_reason, render
from cs_console.domain.money import format_money
from cs_console.domain.orders import describe_items
from cs_console.domain.placeholders import fill
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text, one_line
from cs_console.services.context import chat_values
from cs_console.store import audit
from cs_console.store import chats as chat_repo
from cs_console.store import followups as repo
from cs_console.store.engine import Store
from cs_console.store.orders import items_of
from cs_console.store.tables import Agent, Buyer, Review


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


class FollowupService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock, orders=None, replies=None):
        self.store, self.policy, self.clock = store, policy, clock
        self.orders = orders  # OrderService: the shop's flag convention (validates contacted_flag)
        self.replies = replies  # ReplyService: the team's quick replies (催付 / 差评回访 phrases)

    def phrase(self, code: str, fallback: str, agent: str) -> str:
        """The quick reply ``code`` (the team's own wording), else the configured text."""
        if self.replies is not None and code:
            try:
                found = self.replies.get(code, agent)
            except Exception:  # a broken phrase file must not block a follow-up  # noqa: BLE001
                found = None
            if found is not None:
                return found.text
        return fallback

    @property
    def settings(self):
        return self.policy.followups

    # records ------------------------------------------------------------------------------------
    def record(self, kind: FollowupKind, key: str, agent: str, note: str = "") -> None:
        """Write a follow-up record (e.g. what was done for a buyer nobody served)."""
        note = one_line(clean_text(note))
        if kind == FollowupKind.UNSERVED and not note:
            raise FollowupRefused("followup.empty_note")
        with self.store.write() as s:
            repo.add_record(s, kind, key, agent, self.clock(), note)

    # unpaid orders ------------------------------------------------------------------------------
    def unpaid(self, *, include_contacted: bool = True) -> list[UnpaidView]:
        """WAIT_BUYER_PAY orders older than the configured time, oldest first."""
        now = self.clock()
        with self.store.read() as s:
            return unpaid_views(repo.unpaid_orders(s), repo.latest_records(s, FollowupKind.UNPAID), now,
                                self.settings, include_contacted=include_contacted,
                                describe=lambda order: describe_items(items_of(s, order.id)))

    def remind_unpaid(self, order_no: str, agent: str) -> Opened:
        """Open the buyer's chat with the unpaid reminder in the draft; mark the order contacted
        (and flag it, when the shop uses a flag for contacted orders)."""
        with self.store.read() as s:
            order = repo.order_by_no(s, order_no)
            if order is None:
                raise FollowupNotFound("followup.no_order", order_no=order_no)
            nick = s.get(Buyer, order.buyer_id).nick
            values = {"order_no": order.order_no, "items": describe_items(items_of(s, order.id)) or None,
                      "total": format_money(order.amount), "postage": format_money(order.postage)}
        template = self.phrase(self.settings.unpaid_reply_code, self.settings.unpaid_reminder, agent)
        return self._open(nick, agent, template, FollowupKind.UNPAID, order.order_no,
                          values, flag_order=order.order_no if self.settings.contacted_flag else None)

    # buyers not served --------------------------------------------------------------------------
    def unserved(self, *, pending_only: bool = True, since: datetime | None = None) -> list[UnservedView]:
        """Chats where the buyer was not served; pending ones have no follow-up record yet."""
        now = self.clock()
        with self.store.read() as s:
            done = repo.latest_records(s, FollowupKind.UNSERVED)
            out = []
            for chat, nick, answered in repo.buyer_chats(s, since):
                why = unserved_reason(closed=chat.status == ChatStatus.CLOSED, answered=answered,
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
            raise ReviewImportError([f"{path}:0: 无法读取: {os_reason(exc)}"]) from exc
        except UnicodeDecodeError:
            raise ReviewImportError([f"{path}:0: 不是 UTF-8 文本"]) from None
        rows, problems = parse_review_csv(raw, str(path))
        if problems:
            raise ReviewImportError(problems)
        new = known = 0
        with self.store.write() as s:
            now = self.clock()
            for r in rows:
                if repo.find_review(s, r.order_no, r.buyer, r.day) is not None:
                    known += 1
                    continue
                s.add(Review(order_no=r.order_no, buyer_nick=r.buyer, rating=r.rating.value, text=r.text,
                             day=r.day, imported_at=now))
                s.flush()
                new += 1
        return new, known

    def reviews(self, *, pending_only: bool = True) -> list[ReviewView]:
        """Neutral/negative reviews, oldest first; pending ones not yet followed up."""
        with self.store.read() as s:
            return review_views(repo.list_reviews(s), repo.latest_records(s, FollowupKind.REVIEW),
                                pending_only=pending_only)

    def follow_review(self, review_id: int, agent: str) -> Opened:
        with self.store.read() as s:
            r = s.get(Review, review_id)
            if r is None:
                raise FollowupNotFound("followup.no_review", review_id=review_id)
            nick, order_no = r.buyer_nick, r.order_no
        template = self.phrase(self.settings.review_reply_code, self.settings.review_followup, agent)
        return self._open(nick, agent, template, FollowupKind.REVIEW, str(review_id),
                          {"order_no": order_no})

    # opening a chat -----------------------------------------------------------------------------
    def _open(self, nick: str, agent: str, template: str, kind: FollowupKind, key: str,
              order_values: dict[str, str | None], flag_order: str | None = None) -> Opened:
        """``order_values`` are the followed-up order's own (not the buyer's latest order's)."""
        values = chat_values(self.store, nick, agent, self.policy.shop.name) | order_values
        filled = fill(template, values)
        with self.store.write() as s:
            now = self.clock()
            who = chat_repo.ensure_agent(s, agent, now)
            buyer = chat_repo.ensure_buyer(s, nick, now)
            chat = repo.open_or_start_chat(s, buyer, who, now)
            if chat.agent_id not in (None, who.id):  # another agent is serving this buyer right now
                holder = s.get(Agent, chat.agent_id)
                raise FollowupNotFound("followup.served_by_other", buyer=buyer.nick,
                                      holder=holder.name if holder else render("followup.a_colleague"))
            chat_repo.save_draft(s, chat.id, who, filled.text, filled.cursor, now)
            repo.add_record(s, kind, key, agent, now, "已联系")
            order = repo.order_by_no(s, flag_order) if flag_order else None
            new_flag, reason = self._contacted_flag() if order is not None else ("", "")
            if order is not None and order.flag != new_flag:
                audit.record(s, at=now, agent=agent, entity="order", key=order.order_no, field="flag",
                             old=order.flag, new=new_flag, reason=reason)
                order.flag = new_flag
            return Opened(chat.id, buyer.nick, filled.text)

    def _contacted_flag(self) -> tuple[str, str]:
        """(colour, audit reason) for a contacted unpaid order, checked against the shop's convention."""
        colour = self.settings.contacted_flag or ""
        if self.orders is None:
            return colour, "催付已联系"
        convention = self.orders.convention
        colour = convention.check(colour).value  # OrderRefused for a colour the convention forbids
        meaning = convention.meaning(colour)
        return colour, f"催付已联系（{meaning}）" if meaning else "催付已联系"
