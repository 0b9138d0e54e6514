"""The desk: one object holding the store, the shop's policy, the clock and every service.

Built once by :func:`make_desk` for the CLI, the TUI and the tests (never at import time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cs_console.config.policy import load_policy
from cs_console.domain.clock import Clock, system_clock
from cs_console.domain.shop import ShopPolicy
from cs_console.services.aftersales import CaseService
from cs_console.services.broadcast import BroadcastService
from cs_console.services.chats import ChatService
from cs_console.services.followups import FollowupService
from cs_console.services.gateway import GatewayService
from cs_console.services.goods import GoodsService
from cs_console.services.handover import HandoverService
from cs_console.services.identity import IdentityService, signed_in_url
from cs_console.services.memos import MemoService
from cs_console.services.orders import OrderService
from cs_console.services.postage import PostageService
from cs_console.services.replies import ReplyService
from cs_console.services.reports import ReportService
from cs_console.services.shift_end import ShiftService
from cs_console.services.team import TeamService
from cs_console.store.engine import Store, open_store


@dataclass
class Desk:
    """Services over one store. Add a service as a field built in ``__post_init__``."""

    store: Store
    policy: ShopPolicy
    clock: Clock = field(default_factory=system_clock)
    chats: ChatService = field(init=False)
    orders: OrderService = field(init=False)
    replies: ReplyService = field(init=False)
    postage: PostageService = field(init=False)
    handover: HandoverService = field(init=False)
    shift: ShiftService = field(init=False)
    team: TeamService = field(init=False)
    broadcasts: BroadcastService = field(init=False)
    cases: CaseService = field(init=False)
    followups: FollowupService = field(init=False)
    memos: MemoService = field(init=False)
    reports: ReportService = field(init=False)
    gateway: GatewayService = field(init=False)
    identity: IdentityService = field(init=False)
    goods: GoodsService = field(init=False)

    def __post_init__(self) -> None:
        self.chats = ChatService(self.store, self.policy, self.clock)
        self.orders = OrderService(self.store, self.policy, self.clock)
        self.replies = ReplyService(self.store, self.policy, self.clock)
        self.goods = GoodsService(self.store, self.clock)
        self.postage = PostageService(self.store, self.policy, goods=self.goods)
        self.handover = HandoverService(self.store, self.policy, self.clock)
        self.shift = ShiftService(self.store, self.clock, self.handover)
        self.memos = MemoService(self.store, self.policy, self.clock, self.handover)
        self.team = TeamService(self.store, self.policy, self.clock, self.chats)
        self.broadcasts = BroadcastService(self.store, self.policy, self.clock)
        self.cases = CaseService(self.store, self.policy, self.clock)
        self.followups = FollowupService(self.store, self.policy, self.clock, self.orders, self.replies)
        self.reports = ReportService(self.store, self.policy, self.clock, self.followups)
        self.gateway = GatewayService(self.store, self.policy, self.clock)
        self.identity = IdentityService(self.store, self.policy, self.clock)

    def close(self) -> None:
        self.store.dispose()


def make_desk(db_url: str, *, policy: ShopPolicy | None = None, clock: Clock | None = None,
              init: bool = True) -> Desk:
    """Open the store at ``db_url`` and build the services (policy from ``data/shop.yaml``;
    clock: the process's system clock, see :mod:`cs_console.domain.clock`). On PostgreSQL with
    login roles and no password in the URL, the store is reached as the signed-in agent's login
    (``services.identity.signed_in_url``)."""
    return Desk(open_store(signed_in_url(db_url), init=init), policy or load_policy(), clock or system_clock())
