"""Side tab 售后: the current buyer's cases (or every open case by age); new case from the current
order, follow-up, state change — each a few keys."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from cs_console.domain.aftersales import (
    HANDLING_LABELS,
    MONEY_HANDLINGS,
    REASON_LABELS,
    STATE_LABELS,
    CaseState,
    CaseView,
    Handling,
    Reason,
    next_states,
)
from cs_console.domain.kpi import format_wait
from cs_console.domain.money import MoneyError, format_money, parse_money
from cs_console.tui.dialogs import PickOne, TextPrompt
from cs_console.tui.store_reads import (
    FollowStore,
    ReadFailed,
    WriteFailed,
    ask_until_saved,
    deliver,
    read_now,
    write_now,
)

AGE_SECONDS = 30.0


def case_text(c: CaseView, now=None) -> Text:
    """One case as a list line (buyer text rendered as plain Text, never markup)."""
    t = Text()
    t.append(f"#{c.id} ", style="bold")
    t.append(f"{c.order_no} ")
    if now is not None:
        t.append(f"{c.buyer} ")
    t.append(f"{REASON_LABELS[c.reason]}·{HANDLING_LABELS[c.handling]}")
    if c.amount is not None:
        t.append(f" {format_money(c.amount)}")
    t.append(f" [{STATE_LABELS[c.state]}]", style="yellow" if c.state != CaseState.CLOSED else "dim")
    if c.state == CaseState.WAITING_RETURN and c.return_received_flag:
        t.append(" 绿旗:仓库已收到退货", style="bold green")
    if now is not None:
        t.append(f" {format_wait(c.age_seconds(now))}", style="dim")
    return t


class CasesTab(Vertical):
    """售后 tab. Keys while focused: n 新建 · f 跟进 · s 改状态 · a 本买家/全部未结."""

    DEFAULT_CSS = """
    CasesTab { height: 1fr; }
    CasesTab #cases-title { height: auto; color: $text-muted; }
    CasesTab OptionList { height: 1fr; }
    CasesTab #case-detail { height: auto; max-height: 12; border-top: solid $primary-darken-2; }
    """
    BINDINGS = [
        Binding("n", "new_case", "新建售后", id="cases.new"),
        Binding("f", "follow", "跟进", id="cases.follow"),
        Binding("s", "move", "改状态", id="cases.state"),
        Binding("a", "toggle_all", "全部未结", id="cases.all"),
        Binding("h", "handover", "写交接", id="cases.handover"),
    ]

    def __init__(self) -> None:
        super().__init__(id="cases-tab")
        self.buyer: str | None = None
        self.chat_id: int | None = None
        self.all_open = False
        self.cases: list[CaseView] = []
        self._seen: tuple = ()

    def compose(self) -> ComposeResult:
        yield Label("", id="cases-title")
        yield OptionList(id="cases-list")
        yield Static("", id="case-detail")

    def on_mount(self) -> None:
        self._follow = FollowStore(self, self.refresh_cases)
        self.refresh_cases()
        # the ages in 全部未结 move with the clock: re-drawn from what was read, no store read
        self.set_interval(AGE_SECONDS, self._redraw_ages, name="cases-ages")

    def on_show(self) -> None:
        self._follow.shown()

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        """Another buyer: read their cases (the same buyer again: the list is theirs already)."""
        same = buyer == self.buyer
        self.chat_id, self.buyer = chat_id, buyer
        if not same:
            self.refresh_cases()

    @property
    def desk(self):
        return self.app.desk

    def refresh_cases(self) -> Worker | None:
        """Read the cases in a thread; the list follows (the highlighted case stays highlighted)."""
        if not self.is_mounted:
            return None
        return self._read(self.all_open, self.buyer)

    @work(thread=True, exclusive=True, group="cases-read")
    def _read(self, all_open: bool, buyer: str | None) -> None:
        cases = self.desk.cases

        def read() -> list[CaseView]:
            if all_open:
                return cases.open_cases()
            return cases.of_buyer(buyer) if buyer else []

        deliver(self, read, lambda found: self._show_cases(all_open, buyer, found), "售后")

    def _show_cases(self, all_open: bool, buyer: str | None, cases: list[CaseView]) -> None:
        if (all_open, buyer) != (self.all_open, self.buyer):
            return  # the agent switched chat or view meanwhile
        seen = (all_open, buyer, tuple((c.id, c.state, c.updated_at, c.order_flag) for c in cases))
        if seen == self._seen:
            return  # nothing of these cases changed (most commits are chat messages)
        if all_open:
            title = f"全部未结售后 {len(cases)}（按时长）· a 本买家"
        else:
            title = f"{buyer or '（未选买家）'} 的售后 {len(cases)} · n新建 f跟进 s状态 a全部"
        keep = self.selected.id if self.selected else None
        self._seen, self.cases = seen, cases
        self.query_one("#cases-title", Label).update(Text(title))
        self._fill(keep)

    def _fill(self, keep: int | None) -> None:
        now = self.desk.clock() if self.all_open else None
        ol = self.query_one(OptionList)
        ol.set_options([Option(case_text(c, now), id=str(c.id)) for c in self.cases])
        if self.cases:
            ol.highlighted = next((i for i, c in enumerate(self.cases) if c.id == keep), 0)
        self._show_detail()

    def _redraw_ages(self) -> None:
        if self.all_open and self.cases and self.is_on_screen:
            self._fill(self.selected.id if self.selected else None)

    @on(OptionList.OptionHighlighted, "#cases-list")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted case: note, return tracking number, latest follow-ups (read in a thread)."""
        case = self.selected
        if case is None:
            self.query_one("#case-detail", Static).update("")
            return
        self._read_detail(case)

    @work(thread=True, exclusive=True, group="cases-detail-read")
    def _read_detail(self, case: CaseView) -> None:
        deliver(self, lambda: self.desk.cases.show(case.id)[1], lambda notes: self._detail(case, notes), "售后跟进")

    def _detail(self, case: CaseView, notes) -> None:
        if self.selected is None or self.selected.id != case.id:
            return
        t = Text()
        if case.note:
            t.append(f"说明: {case.note}\n")
        if case.return_tracking_no:
            t.append(f"退货运单号: {case.return_tracking_no}\n")
        for n in notes[-5:]:
            t.append(f"{n.at.astimezone(ZoneInfo(self.desk.policy.shop.timezone)):%m-%d %H:%M} {n.agent}: ", style="dim")
            t.append(f"{n.text}\n")
        self.query_one("#case-detail", Static).update(t if t.plain else Text("（无跟进）", style="dim"))

    def focus_list(self) -> None:
        self.query_one(OptionList).focus()

    @property
    def selected(self) -> CaseView | None:
        i = self.query_one(OptionList).highlighted
        return self.cases[i] if i is not None and 0 <= i < len(self.cases) else None

    def action_toggle_all(self) -> None:
        self.all_open = not self.all_open
        self.refresh_cases()

    @on(OptionList.OptionSelected, "#cases-list")
    def _enter(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_move()

    @work(exclusive=True, group="cases-dialog")
    async def action_new_case(self) -> None:
        """From the current buyer's latest order: reason → handling → amount → note."""
        if not self.buyer:
            self.app.notify("先选择一个会话", severity="warning")
            return
        buyer = self.buyer
        try:
            order_no = await read_now(self, lambda: self.desk.cases.latest_order_no(buyer), "订单")
        except ReadFailed:
            return
        if order_no is None:
            self.app.notify(f"{self.buyer} 没有订单", severity="warning")
            return
        reason = await self.app.push_screen_wait(
            PickOne(f"售后原因 · 订单 {order_no}", [(REASON_LABELS[r], r) for r in Reason]))
        if reason is None:
            return
        handling = await self.app.push_screen_wait(
            PickOne("处理方式", [(HANDLING_LABELS[h], h) for h in Handling]))
        if handling is None:
            return
        amount = None
        if handling in MONEY_HANDLINGS:
            text = await self.app.push_screen_wait(TextPrompt(f"{HANDLING_LABELS[handling]}金额（元）", "例如 59.90"))
            if text is None:
                return
            try:
                amount = parse_money(text)
            except MoneyError as exc:
                self.app.notify(str(exc), severity="error")
                return
        chat_id = self.chat_id
        case = await ask_until_saved(
            self, lambda last: self.app.push_screen_wait(TextPrompt("说明（可空）", "例如 买家说颜色偏暗", value=last or "")),
            lambda note: self.desk.cases.add(order_no, self.app.agent, reason, handling, amount=amount, note=note,
                                             chat_id=chat_id), "售后登记")
        if case is None:
            return
        self.app.notify(f"已登记售后 #{case.id}", timeout=2)
        self.all_open = False
        self.refresh_cases()

    @work(exclusive=True, group="cases-dialog")
    async def action_follow(self) -> None:
        case = self.selected
        if case is None:
            return
        followed = await ask_until_saved(
            self, lambda last: self._ask_follow(case, last),
            lambda text: self.desk.cases.follow(case.id, self.app.agent, text), "售后跟进")
        if followed is None:
            return
        self.app.notify(f"#{case.id} 已记录跟进", timeout=2)
        self.refresh_cases()

    async def _ask_follow(self, case: CaseView, last: str | None) -> str | None:
        text = await self.app.push_screen_wait(TextPrompt(f"跟进 #{case.id} {case.order_no}", "跟进内容",
                                                          value=last or ""))
        return text or None  # Enter on an empty line: nothing to write

    @work(exclusive=True, group="cases-dialog")
    async def action_move(self) -> None:
        case = self.selected
        if case is None:
            return
        targets = next_states(case.state, case.handling)
        if not targets:
            self.app.notify("该售后已关闭", timeout=2)
            return
        target = await self.app.push_screen_wait(
            PickOne(f"#{case.id} {STATE_LABELS[case.state]} → ?", [(STATE_LABELS[t], t) for t in targets]))
        if target is None:
            return
        def move(tracking: str | None) -> object:
            return self.desk.cases.move(case.id, target, self.app.agent, return_tracking_no=tracking)

        if target == CaseState.WAITING_RETURN:  # the tracking number typed survives a failed write
            moved = await ask_until_saved(
                self, lambda last: self.app.push_screen_wait(
                    TextPrompt("退货运单号（可空）", value=case.return_tracking_no if last is None else last)),
                move, "售后状态")
        else:
            try:
                moved = await write_now(self, lambda: move(None), "售后状态")
            except WriteFailed:
                return
        if moved is None:
            return
        self.app.notify(f"#{case.id} → {STATE_LABELS[target]}", timeout=2)
        self.refresh_cases()

    @work(exclusive=True, group="cases-dialog")
    async def action_handover(self) -> None:
        """Leave the highlighted case to the next shift: a handover note linked to case and order."""
        case = self.selected
        handover = getattr(self.desk, "handover", None)
        if case is None or handover is None:
            return
        default = (f"售后#{case.id} {case.order_no} {case.buyer} {REASON_LABELS[case.reason]}·"
                   f"{HANDLING_LABELS[case.handling]} [{STATE_LABELS[case.state]}] ")
        async def ask(last: str | None) -> str | None:
            text = await self.app.push_screen_wait(TextPrompt(f"交接售后 #{case.id}", "要下一班做什么",
                                                              value=default if last is None else last))
            return text if text and text.strip() else None

        note = await ask_until_saved(
            self, ask, lambda text: handover.add(text, self.app.agent, buyer=case.buyer, order_no=case.order_no,
                                                 case_id=str(case.id), source="case"), "交接")
        if note is None:
            return
        self.app.notify(f"售后 #{case.id} 已写入交接本", timeout=2)
