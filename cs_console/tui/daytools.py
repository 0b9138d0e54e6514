"""The desk's keys for the rest of the agent's day: memo (备忘), after-sales tab (售后), follow-ups
(跟进), report (日报/周报), morning checklist (早上三件事)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from cs_console.tui.store_reads import WriteFailed, ask_until_saved, deliver, write_now

if TYPE_CHECKING:
    from cs_console.tui.desk_screen import DeskContext, DeskScreen

# tabs are built (and screens, textual-plotext included, imported) after the first frame:
# nothing of these features is on the start-up path

DAY_BINDINGS = [
    # Second keys: Shift+F1..F4 (Textual names them shift+f1…, some terminals send F13..F16;
    # Shift+F3 is swallowed inside tmux); the plain F-keys and ctrl+letters are taken.
    # Priority, like the other side-panel tools: a real terminal delivers alt+m *with* the
    # character "m", which a focused Input would otherwise type.
    Binding("alt+m,f1", "memo", "备忘", id="memo.add", priority=True),
    Binding("alt+a,shift+f1,f13", "cases_tab", "售后", id="cases.tab", priority=True),
    Binding("alt+u,shift+f2,f14", "followups", "跟进", id="followups.open", priority=True),
    Binding("alt+e,shift+f3,f15", "report", "报表", id="report.open", priority=True),
    Binding("alt+n,shift+f4,f16", "morning", "早上三件事", show=False, id="morning.open", priority=True),
]


def _cases_tab():
    from cs_console.tui.aftersales import CasesTab

    return CasesTab()


def _memo_tab():
    from cs_console.tui.memos import MemoTab

    return MemoTab()


#: side-panel tabs (see ``tui/side.py``)
DAY_TABS = [("售后", "tab-cases", _cases_tab), ("备忘", "tab-memo", _memo_tab)]


class DayTools:
    """The desk's keys for the rest of the day (``DAY_BINDINGS``). Reads the open chat from the
    desk screen; its writes (a memo, the checklist seen) run in a thread, a failure is a notice."""

    def __init__(self, ctx: DeskContext, desk: DeskScreen):
        self.ctx, self.desk = ctx, desk

    def _current_buyer(self) -> str | None:
        current = self.desk.current
        return current.buyer_nick if current else None

    def memo(self) -> None:
        self.desk.run_worker(self._memo(), group="memo-write")

    async def _memo(self) -> None:
        """备忘: the prompt, then the write in a thread; a memo the store does not take (locked,
        read-only, full) is said and the prompt opens again with what the agent entered."""
        from cs_console.tui.memos import MemoPrompt, MemoTab

        memos, agent, buyer, app = self.ctx.desk.memos, self.ctx.agent(), self._current_buyer(), self.desk.app

        async def ask(last: tuple[str, str, str] | None) -> tuple[str, str, str] | None:
            entry = await app.push_screen_wait(MemoPrompt(buyer, last))
            return entry if entry and entry[0].strip() else None  # Enter on an empty line: nothing to save

        saved = await ask_until_saved(self.desk, ask, lambda e: memos.add(agent, e[0], buyer=e[1], order_no=e[2]),
                                      "备忘")
        if saved is None:
            return
        app.notify("已记入备忘录", timeout=2)
        for tab in self.desk.query(MemoTab):
            tab.refresh_memos()

    def cases_tab(self) -> None:
        from cs_console.tui.aftersales import CasesTab
        from cs_console.tui.side import SidePanel

        self.desk.query_one(SidePanel).show_tab("tab-cases")
        tab = self.desk.query_one(CasesTab)
        tab.refresh_cases()
        tab.focus_list()

    def followups(self) -> None:
        from cs_console.tui.followups import FollowupsScreen

        self.desk.app.push_screen(FollowupsScreen(), self.desk.selection.open_chat_with_draft)

    def report(self) -> None:
        from cs_console.tui.report import ReportScreen

        self.desk.app.push_screen(ReportScreen())

    def morning(self) -> None:
        self._read_morning(only_if_due=False)

    def show_morning_if_due(self) -> None:
        """First start of the day: the morning three things (a short note when all are empty)."""
        self._read_morning(only_if_due=True)

    def _read_morning(self, only_if_due: bool) -> None:
        """Yesterday's three lists are read in a thread; the checklist opens when they are read."""
        reports, agent = self.ctx.desk.reports, self.ctx.agent()

        def read():
            if only_if_due and not reports.checklist_due(agent):
                return None
            return reports.morning()

        def job() -> None:
            deliver(self.desk, read, lambda m: m is not None and self._show_morning(m, only_if_due), "早上三件事")

        self.desk.run_worker(job, thread=True, exclusive=True, group="morning-read", exit_on_error=False)

    def _show_morning(self, m, only_if_due: bool) -> None:
        from cs_console.tui.confirm import GuardedConfirm
        from cs_console.tui.morning import MorningScreen

        app = self.desk.app
        if isinstance(app.screen, MorningScreen | GuardedConfirm):  # never over the quit question
            return
        if only_if_due and not (m.cases or m.reviews or m.chats):
            self.desk.run_worker(self._checklist_seen("早上三件事：昨天没有售后、待回访评价和聊天记录"),
                                 group="morning-write")
            return
        app.push_screen(MorningScreen(m, self.ctx.desk.policy.shop.timezone), self._morning_done)

    def _morning_done(self, chat_id: int | None) -> None:
        if chat_id is not None:
            self.desk.selection.go_to_chat(chat_id)
        self.desk.run_worker(self._checklist_seen(), group="morning-write")

    async def _checklist_seen(self, notice: str | None = None) -> None:
        """The day's checklist is seen (not shown again today); a failure only says so."""
        reports, agent = self.ctx.desk.reports, self.ctx.agent()
        try:
            await write_now(self.desk, lambda: reports.mark_checklist(agent), "早上三件事")
        except WriteFailed:
            return
        if notice:
            self.desk.app.notify(notice, timeout=4)
