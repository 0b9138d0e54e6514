"""App-level keys of the rest of the agent's day: memo (备忘), after-sales tab (售后), follow-ups
(跟进), report (日报/周报), morning checklist (早上三件事). Mixed into ``CsConsoleApp``."""

from __future__ import annotations

from textual.binding import Binding

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
    """Actions for ``DAY_BINDINGS`` (needs ``self.desk``, ``self.agent``, ``self.current``, ``select_chat``)."""

    def _current_buyer(self) -> str | None:
        return self.current.buyer_nick if self.current else None

    def action_memo(self) -> None:
        from cs_console.tui.memos import MemoPrompt, MemoTab

        if isinstance(self.screen, MemoPrompt):
            return

        def saved(result) -> None:
            if not result or not result[0].strip():
                return
            text, buyer, order_no = result
            self.desk.memos.add(self.agent, text, buyer=buyer, order_no=order_no)
            self.notify("已记入备忘录", timeout=2)
            for tab in self.query(MemoTab):
                tab.refresh_memos()

        self.push_screen(MemoPrompt(self._current_buyer()), saved)

    def action_cases_tab(self) -> None:
        from cs_console.tui.aftersales import CasesTab
        from cs_console.tui.side import SidePanel

        self.query_one(SidePanel).show_tab("tab-cases")
        tab = self.query_one(CasesTab)
        tab.refresh_cases()
        tab.focus_list()

    def open_chat_with_draft(self, chat_id: int | None) -> None:
        """After a follow-up opened a chat: show it with the prepared draft, caret in the composer."""
        if chat_id is None:
            return
        from cs_console.tui.composer import Composer

        self.refresh_sessions()
        if self.current is not None and self.current.chat_id == chat_id:
            self.current = None  # force reloading the draft the follow-up just wrote
        self.select_chat(chat_id)
        self.query_one(Composer).focus()

    def action_followups(self) -> None:
        from cs_console.tui.followups import FollowupsScreen

        if isinstance(self.screen, FollowupsScreen):
            return

        self.push_screen(FollowupsScreen(), self.open_chat_with_draft)

    def action_report(self) -> None:
        from cs_console.tui.report import ReportScreen

        if isinstance(self.screen, ReportScreen):
            return

        self.push_screen(ReportScreen())

    def action_morning(self) -> None:
        from cs_console.tui.morning import MorningScreen

        if isinstance(self.screen, MorningScreen):
            return
        self._read_morning(only_if_due=False)

    def _read_morning(self, only_if_due: bool) -> None:
        """Yesterday's three lists are read in a thread; the checklist opens when they are read."""
        from cs_console.tui.store_reads import deliver

        reports = self.desk.reports

        def read():
            if only_if_due and not reports.checklist_due(self.agent):
                return None
            return reports.morning()

        def job() -> None:
            deliver(self, read, lambda m: m is not None and self._show_morning(m, only_if_due), "早上三件事")

        self.run_worker(job, thread=True, exclusive=True, group="morning-read", exit_on_error=False)

    def _show_morning(self, m, only_if_due: bool) -> None:
        from cs_console.tui.confirm import GuardedConfirm
        from cs_console.tui.morning import MorningScreen

        if isinstance(self.screen, MorningScreen | GuardedConfirm):  # never over the quit question
            return
        if only_if_due and not (m.cases or m.reviews or m.chats):
            self.desk.reports.mark_checklist(self.agent)
            self.notify("早上三件事：昨天没有售后、待回访评价和聊天记录", timeout=4)
            return
        self.push_screen(MorningScreen(m, self.desk.policy.shop.timezone), self._morning_done)

    def _morning_done(self, chat_id: int | None) -> None:
        self.desk.reports.mark_checklist(self.agent)
        if chat_id is not None:
            self.go_to_chat(chat_id)

    def show_morning_if_due(self) -> None:
        """First start of the day: the morning three things (a short note when all are empty)."""
        self._read_morning(only_if_due=True)
