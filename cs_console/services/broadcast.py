"""Broadcast (群发): pick buyers by a filter, preview each message filled from *that* buyer's own
data, then send them as normal outbound messages in one transaction, within the shop's rate limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cs_console.domain.broadcast import BroadcastFilter, check_rate
from cs_console.domain.chat import ChatStatus
from cs_console.domain.clock import Clock
from cs_console.domain.placeholders import fill, unknown_placeholders
from cs_console.domain.shop import ShopPolicy
from cs_console.domain.team import TeamRuleError
from cs_console.services.context import chat_values
from cs_console.store import broadcast as repo
from cs_console.store import chats as chat_repo
from cs_console.store import outbox
from cs_console.store.engine import Store


@dataclass(frozen=True, slots=True)
class PreviewLine:
    buyer: str
    text: str
    skip: str = ""  # why this buyer will not get the message ("" = will be sent)


@dataclass(frozen=True, slots=True)
class Plan:
    filter: BroadcastFilter
    lines: list[PreviewLine]

    @property
    def sendable(self) -> list[PreviewLine]:
        return [ln for ln in self.lines if not ln.skip]


@dataclass(frozen=True, slots=True)
class Sent:
    broadcast_id: int
    agent: str
    at: datetime
    filter: str
    count: int
    skipped: int


class BroadcastService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock):
        self.store, self.policy, self.clock = store, policy, clock

    def preview(self, f: BroadcastFilter, text: str, agent: str) -> Plan:
        """One line per selected buyer, each filled only from that buyer's own data."""
        text = text.strip()
        if not text:
            raise TeamRuleError("broadcast.empty")
        if bad := unknown_placeholders(text):
            raise TeamRuleError("broadcast.unknown_placeholder", names="、".join("{" + b + "}" for b in bad))
        now = self.clock()
        cooldown = now - timedelta(hours=self.policy.team.broadcast_buyer_cooldown_hours)
        with self.store.read() as s:
            buyers = repo.buyers_for(s, f, now)
            recent = repo.reached_since(s, cooldown) if self.policy.team.broadcast_buyer_cooldown_hours else set()
        lines = []
        for buyer_id, nick in buyers:
            filled = fill(text, chat_values(self.store, nick, agent, self.policy.shop.name))
            skip = ""
            if buyer_id in recent:
                skip = f"{self.policy.team.broadcast_buyer_cooldown_hours} 小时内已群发过"
            elif filled.missing:
                skip = "缺少 " + " ".join("{" + m + "}" for m in filled.missing)
            lines.append(PreviewLine(nick, filled.text, skip))
        return Plan(f, lines)

    def send(self, plan: Plan, text: str, agent: str) -> Sent:
        """Send the previewed messages (one transaction); refused as a whole over the rate limit."""
        t = self.policy.team
        with self.store.write() as s:
            now = self.clock()
            check_rate(len(plan.sendable), sent_last_hour=repo.sent_since(s, now - timedelta(hours=1)),
                       per_hour=t.broadcast_per_hour, max_recipients=t.broadcast_max_recipients)
            who = chat_repo.ensure_agent(s, agent, now)
            b = repo.add_broadcast(s, agent=who.name, at=now, filter_=plan.filter.describe(), text=text.strip(),
                                   skipped=len(plan.lines) - len(plan.sendable))
            for line in plan.sendable:
                buyer = chat_repo.find_buyer(s, line.buyer)
                chat = chat_repo.open_chat_of(s, buyer)
                opened = chat is None
                if opened:  # a fresh conversation that only holds the broadcast; the reply reopens
                    chat = repo.outbound_chat(s, buyer.id, now)
                msg = repo.post(s, b, buyer.id, chat, who, line.text, now)
                outbox.enqueue(s, msg, now, broadcast=True)  # channel buyers: rate-limited per channel
                if opened:
                    chat.status, chat.closed_at, chat.closed_by = ChatStatus.CLOSED, now, who.id
            return Sent(b.id, who.name, now, b.filter, b.count, b.skipped)

    def history(self, limit: int = 50) -> list[Sent]:
        with self.store.read() as s:
            return [Sent(b.id, b.agent, b.at, b.filter, b.count, b.skipped) for b in repo.broadcasts(s, limit)]
