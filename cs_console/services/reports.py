"""Day / week reports (日报 / 周报) and the morning checklist, computed from the store.

Definitions (also in ``docs``/the report screen's help):
- inquiries: distinct buyers whose chat started in the period (per agent: those the agent answered);
- served: chats of the period an agent answered (the chat's first answering agent);
- first response: ``response_records`` marked first whose reply falls in the period, by replier;
  unanswered = chats of the period nobody answered (total only: nobody to charge them to);
- converted: buyers of those chats who paid an order within ``reports.conversion_window_hours``
  of the chat's start; per agent, orders/sales are those converted orders;
- total orders/sales: every order paid in the period;
- cases opened/closed: by the agent who created / closed the case.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cs_console.domain.report import (
    COLUMNS,
    PeriodFacts,
    Report,
    compute_report,
    day_window,
    local_date,
    report_rows,
    unanswered_before,
    week_of,
)

if TYPE_CHECKING:
    from cs_console.domain.aftersales import CaseView
    from cs_console.domain.clock import Clock
    from cs_console.domain.followups import ReviewView
    from cs_console.domain.kpi import Thresholds
    from cs_console.domain.shop import ShopPolicy
    from cs_console.services.followups import FollowupService
    from cs_console.store.engine import Store

# reads a period's facts: (t0, t1, conversion window, unanswered_before) → PeriodFacts
FactsReader = Callable[[datetime, datetime, timedelta, datetime], PeriodFacts]

TOTAL = "合计"


@dataclass(frozen=True, slots=True)
class ChatLogEntry:
    chat_id: int
    buyer: str
    agent: str
    opened_at: datetime
    messages: int
    first_response_seconds: float | None


@dataclass(frozen=True, slots=True)
class MorningChecklist:
    """早上三件事: yesterday's after-sales cases, reviews to follow up, yesterday's chats to read."""

    day: date  # yesterday
    cases: list[CaseView]
    reviews: list[ReviewView]
    chats: list[ChatLogEntry]


class ReportService:
    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock,
                 followups: FollowupService | Callable[[], FollowupService] | None = None):
        """``followups``: the service, or a function giving it when the checklist first needs it
        (a report alone never loads the follow-ups)."""
        self.store, self.policy, self.clock, self._followups = store, policy, clock, followups

    @property
    def followups(self) -> FollowupService | None:
        if callable(self._followups):
            self._followups = self._followups()
        return self._followups

    @property
    def tz(self) -> str:
        return self.policy.shop.timezone

    def today(self) -> date:
        return local_date(self.clock(), self.tz)

    # reports ------------------------------------------------------------------------------------
    def day(self, day: date, agent: str | None = None) -> Report:
        return self.period("day", day, day, agent)

    def week(self, any_day: date, agent: str | None = None) -> Report:
        return self.period("week", *week_of(any_day), agent)

    def period(self, kind: str, first: date, last: date, agent: str | None = None) -> Report:
        from cs_console.store import reports as repo

        def read(*args) -> PeriodFacts:
            with self.store.read_rows() as conn:
                return repo.period_facts(conn, *args)

        return period_report(kind, first, last, agent, tz=self.tz, thresholds=self.policy.response,
                             window_hours=self.policy.reports.conversion_window_hours, now=self.clock(),
                             read_facts=read)

    # morning checklist --------------------------------------------------------------------------
    def checklist_due(self, agent: str) -> bool:
        """True on the agent's first start of the (local) day."""
        from cs_console.store import reports as repo

        with self.store.read() as s:
            return not repo.checklist_seen(s, agent, self.today())

    def mark_checklist(self, agent: str) -> None:
        from cs_console.store import reports as repo

        with self.store.write() as s:
            repo.mark_checklist(s, agent, self.today(), self.clock())

    def morning(self) -> MorningChecklist:
        yesterday = self.today() - timedelta(days=1)
        t0, t1 = day_window(yesterday, self.tz)
        from cs_console.store import aftersales as case_repo
        from cs_console.store import reports as repo

        with self.store.read() as s:
            cases = case_repo.list_cases(s, created_from=t0, created_to=t1)
            names = repo.agent_names(s)
            rows = repo.chats_opened(s, t0, t1)
            chats = [ChatLogEntry(c.id, nick, names.get(c.agent_id, "") if c.agent_id else "", c.opened_at,
                                  c.message_count, c.first_response_seconds) for c, nick in rows]
        reviews = self.followups.reviews(pending_only=True) if self.followups else []
        return MorningChecklist(yesterday, cases, reviews, chats)


def period_report(kind: str, first: date, last: date, agent: str | None, *, tz: str, thresholds: Thresholds,
                  window_hours: int, now: datetime, read_facts: FactsReader) -> Report:
    """The report of the local days ``first``..``last`` in zone ``tz``, whichever way the store
    is read (``read_facts``: through the engine, or ``sqlite3`` alone for the CLI)."""
    t0, _ = day_window(first, tz)
    _, t1 = day_window(last, tz)
    facts = read_facts(t0, t1, timedelta(hours=window_hours), unanswered_before(now, thresholds))
    return compute_report(kind, first, last, facts, thresholds=thresholds, tz=tz, agent=agent, total_label=TOTAL)


def write_csv(path: Path, report: Report) -> None:
    """Export the report's rows (per agent, then the total) as CSV; UTF-8 with BOM so Excel reads it."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([label for _, label in COLUMNS])
        for r in report_rows(report):
            w.writerow(["" if r[k] is None else r[k] for k, _ in COLUMNS])
