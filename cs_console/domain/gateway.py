"""Rules of the channel gateway that need no I/O: tokens, signatures, retry policy, statuses.

A *channel* is one way buyers reach the shop (the web chat page, or a bridge to a platform).
Agent replies to a channel buyer leave through the outbox; each delivery has a stable id and is
signed ``HMAC-SHA256(secret, f"{timestamp}.{body}")``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from cs_console.domain.limits import ValueRefused

TOKEN_PREFIX = "csk_"
SECRET_PREFIX = "whsec_"
# \Z, not $ (which also matches before a final newline): the patterns are safe with .match too
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}\Z")
ORDER_NO = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")
EXTERNAL_ID = re.compile(r"[\x21-\x7e]{1,128}\Z")  # printable ASCII, no spaces
MAX_TEXT_CHARS = 4000
SIGNATURE_TOLERANCE_SECONDS = 300


class ChannelKind(StrEnum):
    WEB = "web"  # the buyer chat page served by the gateway itself
    WEBHOOK = "webhook"  # a bridge that receives replies by signed POST
    PULL = "pull"  # a bridge behind NAT that long-polls for replies and acks them


class MessageKind(StrEnum):
    """What a message carries; only text today, cards and images extend the same rows."""

    TEXT = "text"
    IMAGE = "image"
    ORDER_CARD = "order_card"
    PRODUCT_CARD = "product_card"


class DeliveryStatus(StrEnum):
    """What the agent sees next to an outbound message."""

    SENT = "sent"  # written to the outbox, not yet confirmed by the channel
    DELIVERED = "delivered"
    FAILED = "failed"
    READ = "read"


STATUS_LABEL = {
    DeliveryStatus.SENT: "已发送",
    DeliveryStatus.DELIVERED: "已送达",
    DeliveryStatus.FAILED: "失败",
    DeliveryStatus.READ: "已读",
}

# a bridge may move a status forward, never back (a late "delivered" after "read" stays "read")
_RANK = {DeliveryStatus.SENT: 0, DeliveryStatus.FAILED: 1, DeliveryStatus.DELIVERED: 2, DeliveryStatus.READ: 3}


def advances(old: str, new: str) -> bool:
    """True when a status report ``new`` should replace ``old``."""
    return _RANK[DeliveryStatus(new)] > _RANK[DeliveryStatus(old)]


class OutboxState(StrEnum):
    PENDING = "pending"  # due at ``next_attempt_at``
    SENDING = "sending"  # claimed by a gateway until ``lease_until`` (then claimable again)
    DELIVERED = "delivered"
    FAILED = "failed"  # final: attempts used up or refused by the receiver


def new_token() -> str:
    """A channel's API token, shown once; only :func:`token_hash` is stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    """A channel's webhook signing secret."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-CS-Signature`` header value for a delivery."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str, now: float,
           tolerance: float = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """Receiver side: signature matches and the timestamp is recent (no replay of old bodies)."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits base·2^(n-1), capped, times U(0.5, 1)."""

    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 600.0

    def delay(self, attempts_made: int, rng: random.Random | None = None) -> float:
        raw = min(self.cap_seconds, self.base_seconds * (2 ** max(0, attempts_made - 1)))
        return raw * (0.5 + 0.5 * (rng or random).random())


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FINAL = "final"


def classify(status_code: int | None) -> Outcome:
    """What an HTTP answer means for a delivery (``None``: timeout or connection error)."""
    if status_code is None or status_code == 429 or status_code >= 500:
        return Outcome.RETRY
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    return Outcome.FINAL


def check_channel_name(name: str) -> str:
    if not CHANNEL_NAME.fullmatch(name):
        raise ValueRefused("channel.bad_name")
    return name


def check_order_no(order_no: str | None) -> str | None:
    """An optional order number a buyer or bridge gives (letters, digits, - and _)."""
    if order_no is None or not order_no.strip():
        return None
    order_no = order_no.strip()
    if not ORDER_NO.fullmatch(order_no):
        raise ValueRefused("channel.bad_order_no")
    return order_no


def check_external_id(value: str) -> str:
    if not EXTERNAL_ID.fullmatch(value):
        raise ValueRefused("channel.bad_id")
    return value


def check_text(text: str) -> str:
    if not text or not text.strip():
        raise ValueRefused("channel.empty_text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueRefused("channel.text_too_long", limit=MAX_TEXT_CHARS)
    return text


def broadcast_gap_seconds(per_minute: int) -> float:
    """Spacing between two broadcast deliveries on one channel."""
    return 60.0 / max(1, per_minute)
