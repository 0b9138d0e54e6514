"""The desk: one object holding the store, the shop's policy, the clock and every service.

Built once by :func:`make_desk` for the CLI, the TUI and the tests (never at import time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from cs_console.domain.clock import Clock, system_clock

if TYPE_CHECKING:
    from cs_console.domain.shop import ShopPolicy
    from cs_console.services.aftersales import CaseService
    from cs_console.services.broadcast import BroadcastService
    from cs_console.services.chats import ChatService
    from cs_console.services.followups import FollowupService
    from cs_console.services.gateway import GatewayService
    from cs_console.services.goods import GoodsService
    from cs_console.services.handover import HandoverService
    from cs_console.services.identity import IdentityService
    from cs_console.services.memos import MemoService
    from cs_console.services.orders import OrderService
    from cs_console.services.postage import PostageService
    from cs_console.services.replies import ReplyService
    from cs_console.services.reports import ReportService
    from cs_console.services.shift_end import ShiftService
    from cs_console.services.team import TeamService
    from cs_console.store.engine import Store


@dataclass
class Desk:
    """Services over one store, each built (and its module imported) when first used: a CLI
    command loads only what it calls. Add a service as a cached property below."""

    store: Store
    policy: ShopPolicy
    clock: Clock = field(default_factory=system_clock)

    @cached_property
    def chats(self) -> ChatService:
        from cs_console.services.chats import ChatService

        return ChatService(self.store, self.policy, self.clock)

    @cached_property
    def orders(self) -> OrderService:
        from cs_console.services.orders import OrderService

        return OrderService(self.store, self.policy, self.clock)

    @cached_property
    def replies(self) -> ReplyService:
        from cs_console.services.replies import ReplyService

        return ReplyService(self.store, self.policy, self.clock)

    @cached_property
    def goods(self) -> GoodsService:
        from cs_console.services.goods import GoodsService

        return GoodsService(self.store, self.clock)

    @cached_property
    def postage(self) -> PostageService:
        from cs_console.services.postage import PostageService

        return PostageService(self.store, self.policy, goods=self.goods)

    @cached_property
    def handover(self) -> HandoverService:
        from cs_console.services.handover import HandoverService

        return HandoverService(self.store, self.policy, self.clock)

    @cached_property
    def shift(self) -> ShiftService:
        from cs_console.services.shift_end import ShiftService

        return ShiftService(self.store, self.clock, self.handover)

    @cached_property
    def memos(self) -> MemoService:
        from cs_console.services.memos import MemoService

        return MemoService(self.store, self.policy, self.clock, self.handover)

    @cached_property
    def team(self) -> TeamService:
        from cs_console.services.team import TeamService

        return TeamService(self.store, self.policy, self.clock, self.chats)

    @cached_property
    def broadcasts(self) -> BroadcastService:
        from cs_console.services.broadcast import BroadcastService

        return BroadcastService(self.store, self.policy, self.clock)

    @cached_property
    def cases(self) -> CaseService:
        from cs_console.services.aftersales import CaseService

        return CaseService(self.store, self.policy, self.clock)

    @cached_property
    def followups(self) -> FollowupService:
        from cs_console.services.followups import FollowupService

        return FollowupService(self.store, self.policy, self.clock, self.orders, self.replies)

    @cached_property
    def reports(self) -> ReportService:
        from cs_console.services.reports import ReportService

        return ReportService(self.store, self.policy, self.clock, lambda: self.followups)

    @cached_property
    def gateway(self) -> GatewayService:
        from cs_console.services.gateway import GatewayService

        return GatewayService(self.store, self.policy, self.clock)

    @cached_property
    def identity(self) -> IdentityService:
        from cs_console.services.identity import IdentityService

        return IdentityService(self.store, self.policy, self.clock)

    def close(self) -> None:
        self.store.dispose()


def make_desk(db_url: str, *, policy: ShopPolicy | None = None, clock: Clock | None = None,
              init: bool = True) -> Desk:
    """Open the store at ``db_url`` and build the services (policy from ``data/shop.yaml``;
    clock: the process's system clock, see :mod:`cs_console.domain.clock`). On PostgreSQL with
    login roles and no password in the URL, the store is reached as the signed-in agent's login
    (``services.identity.signed_in_url``)."""
    from cs_console.config.policy import load_policy
    from cs_console.store.engine import normalize_url, open_store

    url = db_url
    if normalize_url(db_url).startswith("postgresql"):  # a SQLite store has no login roles
        from cs_console.services.identity import signed_in_url

        url = signed_in_url(db_url)
    return Desk(open_store(url, init=init), policy or load_policy(), clock or system_clock())
