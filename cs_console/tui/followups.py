"""Follow-ups screen (跟进): unpaid orders, buyers not served, reviews to follow up.

Enter on an unpaid order or a review opens the buyer's chat with the reminder / follow-up text
in the draft (and marks it contacted); Enter on an unserved buyer asks for the follow-up record.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, OptionList, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual.worker import Worker

from cs_console.domain.clock import local
from cs_console.domain.followups import RATING_LABELS, FollowupKind
from cs_console.domain.money import format_money
from cs_console.tui.dialogs import TextPrompt
from cs_console.tui.footer import DeskFooter
from cs_console.tui.store_reads import FollowStore, WriteFailed, ask_until_saved, deliver, write_now


class FollowupsScreen(Screen[int | None]):
    """Dismisses with the chat id to open (or None)."""

    DEFAULT_CSS = """
    FollowupsScreen OptionList { height: 1fr; }
    FollowupsScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "关闭", id="followups.close"),
        Binding("a", "toggle_all", "含已跟进(未接待/评价)", id="followups.all"),
        Binding("1", "tab('fu-unpaid')", "未付款", id="followups.unpaid"),
        Binding("2", "tab('fu-unserved')", "未接待", id="followups.unserved"),
        Binding("3", "tab('fu-reviews')", "中差评", id="followups.reviews"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.unpaid, self.unserved, self.reviews = [], [], []

    def compose(self) -> ComposeResult:
        with TabbedContent(id="followup-tabs"):
            with TabPane("未付款", id="fu-unpaid"):
                yield Label("Enter 打开买家会话并放入催付话术 · ✓ 已联系", classes="hint")
                yield OptionList(id="unpaid-list")
            with TabPane("未接待", id="fu-unserved"):
                yield Label("每位未接待的买家都需要一条跟进记录 · Enter 写记录", classes="hint")
                yield OptionList(id="unserved-list")
            with TabPane("中差评", id="fu-reviews"):
                yield Label("Enter 打开买家会话并放入差评回访话术", classes="hint")
                yield OptionList(id="review-list")
        yield DeskFooter()

    def on_mount(self) -> None:
        self._follow = FollowStore(self, self.reload)
        self.reload()
        self.query_one("#unpaid-list", OptionList).focus()

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self.query_one(f"#{event.pane.id} OptionList", OptionList).focus()

    def reload(self) -> Worker:
        """Read the three lists in a thread; the tabs follow when they are read."""
        return self._read(self.show_all)

    @work(thread=True, exclusive=True, group="followups-read")
    def _read(self, show_all: bool) -> None:
        f = self.app.desk.followups

        def read():
            # unpaid: contacted ones stay listed, marked ✓, after the ones still to contact
            unpaid = sorted(f.unpaid(include_contacted=True), key=lambda u: u.contacted_at is not None)
            return unpaid, f.unserved(pending_only=not show_all), f.reviews(pending_only=not show_all)

        deliver(self, read, lambda lists: show_all == self.show_all and self._show(*lists), "跟进")

    def _show(self, unpaid: list, unserved: list, reviews: list) -> None:
        tz = self.app.desk.policy.shop.timezone
        self.unpaid, self.unserved, self.reviews = unpaid, unserved, reviews
        self._fill("#unpaid-list", [
            Text.assemble(("✓ " if u.contacted_at else "• ", "green" if u.contacted_at else "yellow"),
                          f"{local(u.placed_at, tz):%m-%d %H:%M} {u.order_no} ", (u.buyer, "cyan"),
                          f" {format_money(u.amount)} {u.items}") for u in self.unpaid])
        self._fill("#unserved-list", [
            Text.assemble(f"{local(u.opened_at, tz):%m-%d %H:%M} ", (u.buyer, "cyan"), f" {u.reason}",
                          (f"  ✓ {u.record}" if u.record else "", "green")) for u in self.unserved])
        self._fill("#review-list", [
            Text.assemble(f"{r.day} ", (RATING_LABELS[r.rating], "red"), f" {r.order_no} ", (r.buyer, "cyan"),
                          f" {r.text}", ("  ✓" if r.followed_at else "", "green")) for r in self.reviews])
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("fu-unpaid").label = f"未付款 {sum(1 for u in self.unpaid if not u.contacted_at)}"
        tabs.get_tab("fu-unserved").label = f"未接待 {sum(1 for u in self.unserved if not u.record)}"
        tabs.get_tab("fu-reviews").label = f"中差评 {sum(1 for r in self.reviews if not r.followed_at)}"

    def _fill(self, selector: str, lines: list[Text]) -> None:
        ol = self.query_one(selector, OptionList)
        ol.clear_options()
        ol.add_options([Option(t, id=str(i)) for i, t in enumerate(lines)])
        if lines:
            ol.highlighted = 0

    def action_tab(self, pane_id: str) -> None:
        self.query_one(TabbedContent).active = pane_id
        self.query_one(f"#{pane_id} OptionList", OptionList).focus()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#unpaid-list")
    def _remind(self, event: OptionList.OptionSelected) -> None:
        u = self.unpaid[int(event.option.id)]
        self._opened(lambda: self.app.desk.followups.remind_unpaid(u.order_no, self.app.agent))

    @on(OptionList.OptionSelected, "#review-list")
    def _review(self, event: OptionList.OptionSelected) -> None:
        r = self.reviews[int(event.option.id)]
        self._opened(lambda: self.app.desk.followups.follow_review(r.id, self.app.agent))

    @work(exclusive=True, group="followup-write")
    async def _opened(self, follow) -> None:
        """Write the follow-up in a thread (a locked store makes it wait, not the desk), then open
        its chat; a refusal or a store failure is said and the list stays."""
        try:
            opened = await write_now(self, follow, "跟进")
        except WriteFailed:
            return
        self.dismiss(opened.chat_id)

    @on(OptionList.OptionSelected, "#unserved-list")
    def _record(self, event: OptionList.OptionSelected) -> None:
        self._ask_record(self.unserved[int(event.option.id)])

    @work(exclusive=True, group="followup-dialog")
    async def _ask_record(self, u) -> None:
        async def ask(last: str | None) -> str | None:
            note = await self.app.push_screen_wait(TextPrompt(f"跟进记录: {u.buyer}（{u.reason}）", "做了什么",
                                                              value=last or ""))
            return note if note and note.strip() else None

        def record(note: str) -> bool:
            self.app.desk.followups.record(FollowupKind.UNSERVED, str(u.chat_id), self.app.agent, note)
            return True

        if await ask_until_saved(self, ask, record, "跟进记录"):  # a failed write asks again with the note
            self.reload()
