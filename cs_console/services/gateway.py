"""Gateway use-cases shared by `cs-console serve`, the CLI and the TUI: channels and tokens,
inbound messages, pull/ack, status reports, re-sending a failed message. One transaction each."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from cs_console.domain.clock import Clock
from cs_console.domain.gateway import (
    ChannelKind,
    DeliveryStatus,
    MessageKind,
    check_channel_name,
    check_external_id,
    check_order_no,
    check_text,
    new_secret,
    new_token,
    token_hash,
)
from cs_console.domain.limits import ValueRefused, check_message
from cs_console.domain.messages import render
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.text import clean_text
from cs_console.store import channels as repo
from cs_console.store import outbox
from cs_console.store.engine import Store


@dataclass(frozen=True, slots=True)
class NewChannel:
    """A created channel with the secrets shown exactly once (the store keeps only the hash)."""

    channel: repo.ChannelView
    token: str
    webhook_secret: str


@dataclass(frozen=True, slots=True)
class Caller:
    """A bridge authenticated by its token."""

    channel_id: int
    name: str
    kind: str


class RoundOp:
    """``fn(session, *args, **kwargs)`` as a write of a round (``batch``), its parts kept visible so
    that ``batch`` can write a round's buyer lines together."""

    __slots__ = ("fn", "args", "kwargs")

    def __init__(self, fn: Callable[..., object], *args, **kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self, s: Session) -> object:
        return self.fn(s, *self.args, **self.kwargs)


class GatewayService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock
        # SQLite: this process's writers queue here instead of in SQLite's busy handler, whose
        # growing sleeps (up to 100 ms a try) are what long tails are made of
        self._lock = threading.Lock() if store.is_sqlite else nullcontext()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._lock, self.store.write() as s:
            yield s

    # ---- channels (supervisor, CLI) ----------------------------------------------------------
    def create_channel(self, name: str, kind: ChannelKind, *, webhook_url: str = "", by: str = "",
                       max_attempts: int = 8, broadcast_per_minute: int = 20) -> NewChannel:
        check_channel_name(name)
        if kind == ChannelKind.WEBHOOK and not webhook_url.startswith(("http://", "https://")):
            raise ValueRefused("channel.webhook_url")
        if not 1 <= max_attempts <= 50:
            raise ValueRefused("channel.attempts")
        if not 1 <= broadcast_per_minute <= 6000:
            raise ValueRefused("channel.broadcast_rate")
        token = "" if kind == ChannelKind.WEB else new_token()
        secret = new_secret() if kind == ChannelKind.WEBHOOK else ""
        with self._write() as s:
            c = repo.add_channel(s, name=name, kind=kind, token_hash=token_hash(token) if token else "",
                                 webhook_url=webhook_url, webhook_secret=secret, max_attempts=max_attempts,
                                 broadcast_per_minute=broadcast_per_minute, by=by, now=self.clock())
            return NewChannel(repo.view(c), token, secret)

    def revoke(self, name: str) -> repo.ChannelView:
        with self._write() as s:
            return repo.view(repo.revoke(s, name, self.clock()))

    def channels(self) -> list[repo.ChannelView]:
        with self.store.read() as s:
            return repo.list_channels(s)

    def authenticate(self, token: str) -> Caller | None:
        """The channel a bearer token belongs to; revoked, unknown or empty tokens get None."""
        if not token or len(token) > 200:
            return None
        with self.store.read() as s:
            c = repo.channel_by_token_hash(s, token_hash(token))
            return Caller(c.id, c.name, c.kind) if c else None

    def web_channel(self, shop: str) -> int | None:
        """The open web channel called ``shop`` (a page load: one plain read)."""
        found = self.web_socket_link(shop, "")
        return found[0] if found else None

    def web_socket_link(self, shop: str, session_key: str) -> tuple[int, int | None] | None:
        """A page socket opening: the open web channel called ``shop`` and the channel-buyer id of
        this session, if they have written before (one plain read)."""
        with self.store.read_rows() as conn:
            return repo.web_channel_link(conn, shop, session_key)

    # ---- inbound ------------------------------------------------------------------------------
    def inbound(self, channel_id: int, *, external_id: str, nick: str, text: str, platform_message_id: str,
                order_no: str | None = None, kind: MessageKind = MessageKind.TEXT) -> repo.Inbound:
        """A buyer message from a channel; the same platform message id again is the same message."""
        result = self.batch([lambda s: self.inbound_in(s, channel_id, external_id=external_id, nick=nick, text=text,
                                                       platform_message_id=platform_message_id, order_no=order_no,
                                                       kind=kind)])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def inbound_in(self, s: Session, channel_id: int, *, external_id: str, nick: str, text: str,
                   platform_message_id: str, order_no: str | None = None,
                   kind: MessageKind = MessageKind.TEXT) -> repo.Inbound:
        """``inbound`` inside the caller's write transaction (the gateway's writer runs a round).
        Two gateways racing on one platform id: the loser's ``IntegrityError`` makes ``batch`` run
        it once more, and then it reads the winner's row."""
        check_external_id(external_id)
        check_external_id(platform_message_id)
        check_text(text)
        order_no = check_order_no(order_no)
        if kind != MessageKind.TEXT:
            raise ValueRefused("channel.text_only")
        try:
            return repo.add_inbound(s, channel_id, external_id=external_id, nick=nick, text=text,
                                    platform_message_id=platform_message_id, now=self.clock(), order_no=order_no,
                                    kind=kind)
        except repo.ChannelClosed:
            raise PermissionError(render("channel.revoked_refused")) from None

    def batch(self, ops: list[Callable[[Session], object]]) -> list[object]:
        """Several writes in one transaction: one lock, one commit, no savepoint round trips. When
        one raises, or the commit fails, the round is rolled back and each op runs again in a
        transaction of its own, so a bad write fails alone (its exception takes its place in the
        result); one that lost a race on a unique key (another gateway wrote the same row) runs
        once more, and then reads the winner's row."""
        if len(ops) > 1:
            try:
                out: list[object] = []
                with self._write() as s:
                    together = self._lines_together(s, ops)
                    for i, op in enumerate(ops):
                        if i in together:
                            out.append(together[i])
                            continue
                        out.append(op(s))
                        s.expunge_all()  # the next op reads what this one wrote, never a stale object
                return out
            except Exception:  # noqa: BLE001 - rolled back as a whole: one by one below
                pass
        return [self._alone(op) for op in ops]

    def _lines_together(self, s: Session, ops: list[Callable[[Session], object]]) -> dict[int, repo.Inbound]:
        """PostgreSQL: the round's buyer lines (``RoundOp`` of ``inbound_in``) that pass its checks
        and are the usual case, written in one statement (``repo.add_known_buyer_lines``); their
        results by position. The rest run as themselves afterwards, in the round's order."""
        if self.store.is_sqlite:
            return {}
        positions: list[int] = []
        lines: list[repo.Line] = []
        for i, op in enumerate(ops):
            if not (isinstance(op, RoundOp) and op.fn == self.inbound_in and len(op.args) == 1):
                continue
            line = self._checked_line(op.args[0], **op.kwargs)
            if line is not None:
                positions.append(i)
                lines.append(line)
        if len(lines) < 2:  # one line is one statement on its own way too
            return {}
        return {positions[k]: inbound for k, inbound in repo.add_known_buyer_lines(s, lines).items()}

    def _checked_line(self, channel_id: int, *, external_id: str, nick: str, text: str, platform_message_id: str,
                      order_no: str | None = None, kind: MessageKind = MessageKind.TEXT) -> repo.Line | None:
        """A line as ``inbound_in`` would accept it, or None (then ``inbound_in`` itself refuses it,
        or finds its platform id seen before)."""
        try:
            check_external_id(external_id)
            check_external_id(platform_message_id)
            check_text(text)
            order_no = check_order_no(order_no)
            if kind != MessageKind.TEXT:
                return None
            clean = check_message(clean_text(text))
        except ValueRefused:
            return None
        return repo.Line(channel_id, external_id, clean, platform_message_id, self.clock(), order_no, kind)

    def _alone(self, op: Callable[[Session], object]) -> object:
        for attempt in range(2):
            try:
                with self._write() as s:
                    return op(s)
            except repo.IntegrityError as exc:
                if attempt:
                    return exc
            except Exception as exc:  # noqa: BLE001 - handed back to that op's caller
                return exc
        raise AssertionError("unreachable")

    def allow_each(self, requests: list[list[tuple[str, int, int]]]) -> list[bool]:
        """Rate limits ``(key, per minute, burst)`` shared by every gateway on the store, for
        several requests in one short transaction of their own: per request True (and one
        request counted on each of its limits) when none of them is exhausted."""
        now = time.time()  # protocol time, as the webhook timestamps (not business time)
        hashed = [[(hashlib.sha256(key.encode()).hexdigest()[:40], per_minute / 60.0, float(max(1, burst)))
                   for key, per_minute, burst in limits] for limits in requests]
        with self._write() as s:
            return repo.take_tokens_each(s, hashed, now)

    def forget_idle_limits(self, idle_seconds: float = 3600.0) -> int:
        with self._write() as s:
            return repo.forget_full_buckets(s, time.time() - idle_seconds)

    def set_order_no(self, link_id: int, order_no: str | None) -> None:
        order_no = check_order_no(order_no)
        with self._write() as s:
            repo.set_order_no(s, link_id, order_no)

    def web_history(self, link_id: int, limit: int = 50):
        """The page buyer's own recent messages (buyer and agent lines only) + delivery ids."""
        with self.store.read() as s:
            link = s.get(repo.ChannelBuyer, link_id)
            if link is None:
                return []
            return repo.buyer_history(s, link, limit)

    # ---- outbound -----------------------------------------------------------------------------
    def pull(self, channel_id: int, after: int, limit: int = 100) -> list[outbox.Pending]:
        with self.store.read() as s:
            return outbox.pull_after(s, channel_id, after, self.clock(), limit)

    def ack(self, channel_id: int, delivery_ids: list[str], *, link_id: int | None = None) -> int:
        with self._write() as s:
            return outbox.ack(s, channel_id, delivery_ids, self.clock(), channel_buyer_id=link_id)

    def report(self, channel_id: int, delivery_id: str, status: DeliveryStatus, error: str = "",
               platform_message_id: str | None = None) -> bool:
        with self._write() as s:
            return outbox.report(s, channel_id, delivery_id, status, error, self.clock(),
                                 platform_message_id=platform_message_id)

    def mark_read(self, link_id: int, message_ids: list[int]) -> int:
        with self._write() as s:
            return self.mark_read_in(s, link_id, message_ids)

    def mark_read_in(self, s: Session, link_id: int, message_ids: list[int]) -> int:
        return outbox.mark_read(s, link_id, message_ids, self.clock())

    def ack_in(self, s: Session, channel_id: int, delivery_ids: list[str], link_id: int) -> int:
        return outbox.ack(s, channel_id, delivery_ids, self.clock(), channel_buyer_id=link_id)

    def written_after(self, cursor: int) -> tuple[int, list[outbox.Pending], set[str]]:
        """Outbox rows written since ``cursor`` (see ``outbox.written_after``)."""
        with self.store.read_rows() as conn:
            return outbox.written_after(conn, cursor)

    def web_pending(self, link_ids: list[int]) -> list[outbox.Pending]:
        with self.store.read() as s:
            return outbox.web_pending_for(s, link_ids, self.clock())

    def claim(self, worker: str, lease_seconds: float, limit: int = 20) -> list[outbox.Claimed]:
        with self._write() as s:
            return outbox.claim_due(s, worker, self.clock(), lease_seconds, limit, postgres=not self.store.is_sqlite)

    def record(self, entry_id: int, *, delivered: bool, final: bool, error: str = "",
               retry_in: float | None = None) -> str:
        with self._write() as s:
            now = self.clock()
            retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
            return outbox.record_attempt(s, entry_id, delivered=delivered, final=final, error=error,
                                         now=now, retry_at=retry_at)

    def seconds_to_next_due(self) -> float | None:
        with self.store.read() as s:
            due = outbox.next_due(s)
        return None if due is None else max(0.0, (due - self.clock()).total_seconds())

    # ---- agent side ---------------------------------------------------------------------------
    def resend(self, message_id: int) -> bool:
        """重发: a failed message goes out again with the same delivery id."""
        with self._write() as s:
            return outbox.resend(s, message_id, self.clock())

    def resend_failed(self, chat_id: int) -> int:
        """重发 every failed outbound message of a chat; how many were queued again."""
        with self._write() as s:
            now = self.clock()
            return sum(outbox.resend(s, m, now) for m in outbox.failed_in_chat(s, chat_id))

    def statuses(self, message_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Delivery status and error of these messages (only those sent to a channel buyer):
        a primary-key read on one pooled connection, no ORM; callable from any thread (a TUI's
        store worker on each store change). No ids: no store access at all."""
        if not message_ids:
            return {}
        with self.store.engine.connect() as conn:
            return outbox.statuses_of(conn, list(message_ids))

    def delivery(self, message_id: int):
        with self.store.read() as s:
            return outbox.delivery_of(s, message_id)

    # ---- gateway process ---------------------------------------------------------------------
    def cookie_secret(self) -> str:
        import secrets

        # two gateways starting at once on a new store: the second reads the first one's key
        result = self._alone(lambda s: repo.gateway_secret(s, lambda: secrets.token_urlsafe(48)))
        if isinstance(result, BaseException):
            raise result
        return result

    def last_outbox_id(self) -> int:
        with self.store.read() as s:
            return repo.last_outbox_id(s)
