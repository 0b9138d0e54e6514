"""Follow-ups (跟进): unpaid orders, buyers nobody served, neutral/negative reviews. Pure rules."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cs_console.domain.messages import UserError
from cs_console.domain.text import clean_text, one_line

if TYPE_CHECKING:
    from cs_console.domain.shop import FollowupSettings


class FollowupRefused(UserError, ValueError):
    """A follow-up record the book does not take (an empty note); the message says why."""


class FollowupNotFound(UserError, LookupError):
    """The order or review to follow up is not there, or another agent serves the buyer."""


class FollowupKind(StrEnum):
    UNPAID = "unpaid"  # key: order number
    UNSERVED = "unserved"  # key: chat id
    REVIEW = "review"  # key: review id


class Rating(StrEnum):
    GOOD = "good"
    NEUTRAL = "neutral"
    BAD = "bad"


RATING_LABELS = {Rating.GOOD: "好评", Rating.NEUTRAL: "中评", Rating.BAD: "差评"}
_RATING_WORDS = {
    "good": Rating.GOOD, "好评": Rating.GOOD, "好": Rating.GOOD, "positive": Rating.GOOD,
    "neutral": Rating.NEUTRAL, "中评": Rating.NEUTRAL, "中": Rating.NEUTRAL,
    "bad": Rating.BAD, "差评": Rating.BAD, "差": Rating.BAD, "negative": Rating.BAD,
}


def parse_rating(text: str) -> Rating:
    """``差评``/``bad``/``1``…``5`` (1–2 bad, 3 neutral, 4–5 good)."""
    t = text.strip().lower()
    if t in _RATING_WORDS:
        return _RATING_WORDS[t]
    if t.isdigit() and 1 <= int(t) <= 5:
        n = int(t)
        return Rating.BAD if n <= 2 else Rating.NEUTRAL if n == 3 else Rating.GOOD
    raise ValueError(f"无效的评价等级 {text!r}（好评/中评/差评 或 1–5）")


def parse_day(text: str) -> date:
    """``2026-11-22`` or ``2026/11/22``."""
    t = text.strip().replace("/", "-")
    try:
        return date.fromisoformat(t)
    except ValueError:
        raise ValueError(f"无效的日期 {text!r}（YYYY-MM-DD）") from None


def needs_followup(rating: Rating) -> bool:
    """Every neutral or negative review is followed up at once (DOMAIN.md)."""
    return rating != Rating.GOOD


def unpaid_overdue(placed_at: datetime, now: datetime, s: FollowupSettings) -> bool:
    return now - placed_at >= timedelta(minutes=s.unpaid_after_minutes)


def unpaid_views(orders: Iterable[tuple[Any, str]], contacted: Mapping[str, Any], now: datetime,
                 s: FollowupSettings, *, include_contacted: bool, describe: Callable[[Any], str]) -> list[UnpaidView]:
    """The unpaid-orders list from ``orders`` ((order, buyer nick) of every WAIT_BUYER_PAY
    order, oldest first; an order has ``order_no``, ``placed_at``, ``amount``), the latest
    contact record per order number (``at``, ``agent``) and ``describe(order)``, its items'
    text (asked only for an order shown): orders overdue by ``unpaid_after_minutes``, the
    contacted ones only if ``include_contacted``."""
    out = []
    for order, nick in orders:
        if not unpaid_overdue(order.placed_at, now, s):
            continue
        rec = contacted.get(order.order_no)
        if rec is not None and not include_contacted:
            continue
        out.append(UnpaidView(order.order_no, nick, order.placed_at, order.amount, describe(order),
                              rec.at if rec else None, rec.agent if rec else None))
    return out


def review_views(reviews: Iterable[Any], followed: Mapping[str, Any], *, pending_only: bool) -> list[ReviewView]:
    """The reviews to follow up from ``reviews`` (oldest first; each has ``id``, ``order_no``,
    ``buyer_nick``, ``rating``, ``text``, ``day``) and the latest follow-up record per review id
    (``at``, ``agent``): neutral and negative ones, those followed up only unless ``pending_only``."""
    out = []
    for r in reviews:
        rating = Rating(r.rating)
        if not needs_followup(rating):
            continue
        rec = followed.get(str(r.id))
        if rec is not None and pending_only:
            continue
        out.append(ReviewView(r.id, r.order_no, r.buyer_nick, rating, r.text, r.day,
                              rec.at if rec else None, rec.agent if rec else None))
    return out


def unserved_reason(*, closed: bool, answered: bool, waiting_since: datetime | None,
                    last_message_at: datetime | None, now: datetime, s: FollowupSettings) -> str | None:
    """Why a chat counts as "buyer not served", or None.

    - ended without any agent reply;
    - ended while the buyer's last message was unanswered (buyer left while waiting);
    - still open, unanswered, and nothing has happened for ``left_after_minutes``."""
    if closed and not answered:
        return "无人回复"
    if closed and waiting_since is not None:
        return "买家等待中离开"
    if not closed and waiting_since is not None and last_message_at is not None \
            and now - last_message_at >= timedelta(minutes=s.left_after_minutes):
        return "买家等待中离开" if answered else "无人回复"
    return None


@dataclass(frozen=True, slots=True)
class UnpaidView:
    order_no: str
    buyer: str
    placed_at: datetime
    amount: object
    items: str
    contacted_at: datetime | None
    contacted_by: str | None


@dataclass(frozen=True, slots=True)
class UnservedView:
    chat_id: int
    buyer: str
    opened_at: datetime
    reason: str
    record: str | None  # the follow-up note once written


@dataclass(frozen=True, slots=True)
class ReviewView:
    id: int
    order_no: str
    buyer: str
    rating: Rating
    text: str
    day: date
    followed_at: datetime | None
    followed_by: str | None


REVIEW_COLUMNS = {
    "order_no": ("order_no", "订单号", "订单编号"),
    "buyer": ("buyer", "买家", "买家昵称", "旺旺"),
    "rating": ("rating", "评价", "评分", "等级"),
    "text": ("text", "内容", "评价内容"),
    "date": ("date", "日期", "评价日期"),
}


@dataclass(frozen=True, slots=True)
class ReviewRow:
    order_no: str
    buyer: str
    rating: Rating
    text: str
    day: date


def parse_review_csv(text: str, where: str) -> tuple[list[ReviewRow], list[str]]:
    """Rows of a review CSV export (header names in English or Chinese, any order) and the
    problems as ``FILE:LINE: reason`` lines (``where`` is the file name)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return [], [f"{where}:1: 空文件"]
    names = [h.strip().lower() for h in header]
    index = {field: i for field, aliases in REVIEW_COLUMNS.items() for i, n in enumerate(names) if n in aliases}
    missing = [f for f in REVIEW_COLUMNS if f not in index]
    if missing:
        return [], [f"{where}:1: 缺少列: {', '.join(missing)}"]
    rows: list[ReviewRow] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(f"{where}:{line}: 列数不足（{len(row)} < {len(header)}）")
            continue
        order_no, buyer = row[index["order_no"]].strip(), one_line(row[index["buyer"]])
        if not order_no:
            problems.append(f"{where}:{line}: 订单号为空")
            continue
        if not buyer:
            problems.append(f"{where}:{line}: 买家为空")
            continue
        try:
            rating = parse_rating(row[index["rating"]])
            day = parse_day(row[index["date"]])
        except ValueError as exc:
            problems.append(f"{where}:{line}: {exc}")
            continue
        rows.append(ReviewRow(order_no, buyer, rating, clean_text(row[index["text"]]).strip(), day))
    return rows, problems
