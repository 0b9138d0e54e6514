"""After-sales register (售后登记表): reasons, handling, and the case state machine.

A case goes open → waiting for the return parcel → received → refunded / exchanged /
compensated → closed. Cases that need no parcel back (partial refund, coupon, gift, priority
handling, refund without return) may go from open straight to their resolution; any case that
is not yet resolved may be closed (withdrawn by the buyer). Pure rules, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from cs_console.domain.messages import UserError


class Reason(StrEnum):
    """Why the buyer returns / exchanges / complains (DOMAIN.md common causes)."""

    COLOUR = "colour"
    SIZE = "size"
    QUALITY = "quality"
    LOGISTICS = "logistics"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"


REASON_LABELS: dict[Reason, str] = {
    Reason.COLOUR: "色差", Reason.SIZE: "尺码", Reason.QUALITY: "质量",
    Reason.LOGISTICS: "物流延误", Reason.WRONG_ITEM: "错发/漏发", Reason.OTHER: "其他",
}


class Handling(StrEnum):
    """How the case is settled: refund, exchange, partial refund, or compensation."""

    REFUND = "refund"
    EXCHANGE = "exchange"
    PARTIAL_REFUND = "partial_refund"
    COUPON = "coupon"  # compensation: coupon
    GIFT = "gift"  # compensation: gift
    PRIORITY = "priority"  # compensation: priority handling


HANDLING_LABELS: dict[Handling, str] = {
    Handling.REFUND: "退款", Handling.EXCHANGE: "换货", Handling.PARTIAL_REFUND: "部分退款",
    Handling.COUPON: "补偿:优惠券", Handling.GIFT: "补偿:赠品", Handling.PRIORITY: "补偿:优先处理",
}

#: handlings that move money: the amount must be given (exact yuan, > 0)
MONEY_HANDLINGS = frozenset({Handling.REFUND, Handling.PARTIAL_REFUND, Handling.COUPON})


class CaseState(StrEnum):
    OPEN = "open"
    WAITING_RETURN = "waiting_return"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    COMPENSATED = "compensated"
    CLOSED = "closed"


STATE_LABELS: dict[CaseState, str] = {
    CaseState.OPEN: "待处理", CaseState.WAITING_RETURN: "等退货", CaseState.RECEIVED: "已收到退货",
    CaseState.REFUNDED: "已退款", CaseState.EXCHANGED: "已换货", CaseState.COMPENSATED: "已补偿",
    CaseState.CLOSED: "已关闭",
}

RESOLVED = frozenset({CaseState.REFUNDED, CaseState.EXCHANGED, CaseState.COMPENSATED})

#: the resolution state each handling ends in
RESOLUTION: dict[Handling, CaseState] = {
    Handling.REFUND: CaseState.REFUNDED,
    Handling.PARTIAL_REFUND: CaseState.REFUNDED,
    Handling.EXCHANGE: CaseState.EXCHANGED,
    Handling.COUPON: CaseState.COMPENSATED,
    Handling.GIFT: CaseState.COMPENSATED,
    Handling.PRIORITY: CaseState.COMPENSATED,
}

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.OPEN: frozenset({CaseState.WAITING_RETURN, *RESOLVED, CaseState.CLOSED}),
    CaseState.WAITING_RETURN: frozenset({CaseState.RECEIVED, CaseState.CLOSED}),
    CaseState.RECEIVED: frozenset(RESOLVED),
    CaseState.REFUNDED: frozenset({CaseState.CLOSED}),
    CaseState.EXCHANGED: frozenset({CaseState.CLOSED}),
    CaseState.COMPENSATED: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}


class CaseRuleError(UserError, ValueError):
    """A case change the register's rules refuse; the message says why (Chinese, for agents)."""


def parse_enum(enum: type[StrEnum], labels: dict, text: str) -> StrEnum:
    """Accept the value (``size``) or its Chinese label (``尺码``)."""
    t = text.strip()
    for member in enum:
        if t == member.value or t == labels.get(member):
            return member
    choices = ", ".join(f"{m.value}({labels[m]})" for m in enum)
    raise CaseRuleError("case.bad_choice", value=repr(text), choices=choices)


def check_amount(handling: Handling, amount: Decimal | None) -> None:
    """Money handlings need an exact positive amount; the others must not carry one."""
    if handling in MONEY_HANDLINGS:
        if amount is None or amount <= 0:
            raise CaseRuleError("case.amount_needed", handling=HANDLING_LABELS[handling])
    elif amount is not None and amount != 0:
        raise CaseRuleError("case.amount_not_allowed", handling=HANDLING_LABELS[handling])


def check_transition(current: CaseState, target: CaseState, handling: Handling) -> None:
    """Refuse a state move the register does not allow, with the reason."""
    if target == current:
        raise CaseRuleError("case.already_in_state", state=STATE_LABELS[current])
    if target not in TRANSITIONS[current]:
        raise CaseRuleError("case.bad_transition", current=STATE_LABELS[current], target=STATE_LABELS[target])
    if target in RESOLVED and RESOLUTION[handling] != target:
        raise CaseRuleError("case.resolution_mismatch", handling=HANDLING_LABELS[handling],
                            target=STATE_LABELS[RESOLUTION[handling]])
    if target == CaseState.EXCHANGED and current != CaseState.RECEIVED:
        raise CaseRuleError("case.exchange_needs_return")


def next_states(current: CaseState, handling: Handling) -> list[CaseState]:
    """The moves allowed from ``current`` for a case with ``handling`` (for menus and hints)."""
    out = []
    for target in CaseState:
        try:
            check_transition(current, target, handling)
        except CaseRuleError:
            continue
        out.append(target)
    return out


def is_open(state: CaseState) -> bool:
    return state != CaseState.CLOSED


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case of the register, as the CLI and the TUI show it."""

    id: int
    created_at: datetime
    created_by: str
    order_no: str
    buyer: str
    chat_id: int | None
    reason: Reason
    note: str
    handling: Handling
    amount: Decimal | None
    return_tracking_no: str
    state: CaseState
    updated_at: datetime
    closed_at: datetime | None
    order_flag: str = "grey"

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.created_at).total_seconds())

    @property
    def return_received_flag(self) -> bool:
        """Flag convention hook: the warehouse's green flag means the return parcel arrived."""
        return self.order_flag == "green"


@dataclass(frozen=True, slots=True)
class FollowUpView:
    id: int
    case_id: int
    at: datetime
    agent: str
    text: str
