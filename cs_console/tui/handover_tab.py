"""交接 tab: the handover book beside the chat — open notes first (unacknowledged highlighted),
acknowledge / finish with a resolution, filter by shift/day; the start-of-shift inbox, the
sales-report reminder and the optional periodic sync with a peer store live here too."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from cs_console.domain.handover import Note, NoteState
from cs_console.tui.handover_dialogs import (
    HandoverDialog,
    HandoverInbox,
    ResolutionDialog,
    note_row,
)
from cs_console.tui.store_reads import (
    FollowStore,
    ReadFailed,
    WriteFailed,
    ask_until_saved,
    deliver,
    read_now,
    write_now,
)

REMINDER_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class _Book:
    """One read of the handover book, as the tab shows it."""

    count: int  # events in the log when read
    notes: list[Note]
    rows: list[Text]
    head: str


class HandoverTab(Vertical):
    """The handover book of the store, filtered; keys work when the list has focus."""

    DEFAULT_CSS = """
    HandoverTab { height: 1fr; }
    HandoverTab #handover-status { height: auto; color: $text-muted; padding: 0 1; }
    HandoverTab #handover-report { height: auto; color: $warning; text-style: bold; padding: 0 1; display: none; }
    HandoverTab #handover-report.-due { display: block; }
    HandoverTab #handover-list { height: 1fr; }
    """
    BINDINGS = [
        Binding("a", "ack", "确认", id="handover.ack"),
        Binding("d", "done", "完成", id="handover.done"),
        Binding("n", "new", "写交接", id="handover.new"),
        Binding("f", "cycle_filter", "筛选", id="handover.filter"),
    ]

    def __init__(self) -> None:
        super().__init__(id="handover-tab")
        self.buyer: str | None = None
        self.notes: list[Note] = []
        self.filter_index = 0
        self.last_sync: str = ""
        self._synced_count: int | None = None
        self._reminded: set[tuple[str, str]] = set()
        self._seen_count = -1
        self._head = ""

    # ---- composition ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Label("", id="handover-status")
        yield Label("", id="handover-report")
        yield OptionList(id="handover-list")

    @property
    def desk(self):
        return self.app.desk

    @property
    def agent(self) -> str:
        return self.app.agent

    def filters(self) -> list[tuple[str, dict]]:
        """(label, notes() arguments): not done, everything, one per shift, today."""
        cal = self.desk.handover.shifts
        today = cal.day_of(self.desk.clock()).isoformat()
        return ([("未完成", {"open_only": True}), ("全部", {})]
                + [(s.name, {"shift": s.id}) for s in cal.settings.shifts] + [("今天", {"day": today})])

    def on_mount(self) -> None:
        self._follow = FollowStore(self, lambda: self.reload(only_if_grown=True))
        self.reload()
        self.call_after_refresh(self.show_inbox)
        self.check_reminder()
        self.set_interval(REMINDER_SECONDS, self.check_reminder, name="sales-report-reminder")
        sync = self.desk.policy.sync
        if sync.peer and sync.every_seconds > 0:
            self.set_interval(sync.every_seconds, self.start_sync, name="handover-sync")

    def on_show(self) -> None:
        self._follow.shown()

    # ---- store → screen ---------------------------------------------------------------
    def reload(self, only_if_grown: bool = False) -> Worker:
        """Read the book in a thread (after a store change: only when the event log grew, most
        commits are chat messages); the list follows, the highlighted note stays highlighted."""
        return self._read(self.filter_index, only_if_grown)

    @work(thread=True, exclusive=True, group="handover-read")
    def _read(self, filter_index: int, only_if_grown: bool) -> None:
        book = self.desk.handover

        def read() -> _Book | None:
            count = book.event_count()
            if only_if_grown and count == self._seen_count:
                return None
            filters = self.filters()
            label, args = filters[filter_index % len(filters)]
            notes = book.notes(**args)
            tz = self.desk.policy.shop.timezone
            rows = [note_row(n, tz, book.shifts.label) for n in notes]
            unacked = sum(1 for n in notes if n.state == NoteState.OPEN)
            on = "、".join(sh.name for sh in book.shifts.on_duty(self.desk.clock())) or "无"
            bad = len(book.last_quarantine)  # invalid stored events: skipped, said here
            head = (f"交接 [{label}] {len(notes)} 条 · 未确认 {unacked}"
                    + (f" · 已隔离 {bad} 条无效事件" if bad else "") + "\n"
                    f"在班：{on} · 我：{book.agent_shift(self.agent).name}")
            return _Book(count, notes, rows, head)

        deliver(self, read, self._show_book, "交接本")

    def _show_book(self, book: _Book | None) -> None:
        if book is None:
            return
        self._seen_count, self.notes = book.count, book.notes
        ol = self.query_one(OptionList)
        keep = self._selected()
        ol.set_options([Option(row, id=n.id) for n, row in zip(book.notes, book.rows, strict=True)])
        if self.notes:
            ol.highlighted = next((i for i, n in enumerate(self.notes) if keep is not None and n.id == keep.id), 0)
        self._head = book.head
        self._status()

    def _status(self) -> None:
        sync = ""
        if self.desk.policy.sync.peer:
            pending = ""
            if self._synced_count is not None:
                pending = f" · 待同步 {max(0, self._seen_count - self._synced_count)}"
            sync = f"\n同步 {self.last_sync or '尚未同步'}{pending}"
        self.query_one("#handover-status", Label).update(Text(self._head + sync))

    def reveal(self) -> None:
        """Re-read and bring the 交接 tab to the front of the side panel."""
        self.reload()
        for tabs in self.app.query("#side-tabs"):
            tabs.active = "tab-handover"

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        self.buyer = buyer

    # ---- start of shift / reminders ---------------------------------------------------
    @work(thread=True, exclusive=True, group="handover-inbox-read")
    def show_inbox(self) -> None:
        """Unacknowledged notes addressed to my shift come before anything else."""
        book = self.desk.handover
        deliver(self, lambda: (book.inbox(self.agent), book.agent_shift(self.agent).name), self._open_inbox, "交接本")

    def _open_inbox(self, found: tuple[list[Note], str]) -> None:
        notes, shift_name = found
        if notes:
            self.app.push_screen(HandoverInbox(self.desk, self.agent, notes, shift_name),
                                 callback=lambda _n: self.reveal())

    @work(thread=True, exclusive=True, group="handover-reminder-read")
    def check_reminder(self) -> None:
        """The sales-report reminder at the shift's last half hour (the rota is read here)."""
        def read():
            cal, now = self.desk.handover.shifts, self.desk.clock()
            shift = self.desk.handover.agent_shift(self.agent)
            return shift, cal.report_due(shift.id, now), cal.day_of(now).isoformat()

        deliver(self, read, self._remind, "班次")

    def _remind(self, found) -> None:
        shift, due, day = found
        report = self.query_one("#handover-report", Label)
        report.set_class(due, "-due")
        if due:
            report.update(Text(f"⏰ {shift.name}最后半小时：请汇报今日销售额"))
            key = (day, shift.id)
            if key not in self._reminded:
                self._reminded.add(key)
                self.app.notify(f"{shift.name}最后半小时：请向主管汇报今日销售额", title="销售日报", timeout=10)

    # ---- actions ----------------------------------------------------------------------
    def _selected(self) -> Note | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.notes:
            return None
        return self.notes[ol.highlighted]

    # Writes run in a thread (``write_now``): a locked store makes them wait, never the desk; a
    # refusal (acknowledged meanwhile by a colleague) or a store failure is one notice, and the
    # dialogs the agent typed into open again with what they wrote (``ask_until_saved``).
    @work(group="handover-write")
    async def action_ack(self) -> None:
        note = self._selected()
        if note is None:
            return
        try:
            await write_now(self, lambda: self.desk.handover.ack(note.id, self.agent), "交接确认")
        except WriteFailed:
            pass
        self.reload()

    @work(exclusive=True, group="handover-dialog")
    async def action_done(self) -> None:
        note = self._selected()
        if note is None or note.state == NoteState.DONE:
            return
        done = await ask_until_saved(
            self, lambda last: self.app.push_screen_wait(ResolutionDialog(note, last or "")),
            lambda resolution: self.desk.handover.done(note.id, self.agent, resolution), "交接完成")
        if done is not None:
            self.reload()

    def action_new(self) -> None:
        self.write_note()

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(self.filters())
        self.reload()

    @work(exclusive=True, group="handover-dialog")
    async def write_note(self) -> None:
        """The note dialog, linked to the current chat's buyer and their latest order."""
        current = self.buyer
        try:
            buyer, order_no = await read_now(self, lambda: self.desk.handover.buyer_link(current), "订单")
        except ReadFailed:
            return
        n = await ask_until_saved(
            self, lambda last: self.app.push_screen_wait(HandoverDialog(buyer, order_no, draft=last)),
            lambda draft: self.desk.handover.add(draft.text, self.agent, buyer=draft.buyer, order_no=draft.order_no,
                                                 priority=draft.priority), "交接")
        if n is not None:
            self.app.notify(f"已写交接（给{self.desk.handover.shifts.label(n.for_shift)}）", timeout=3)
            self.reveal()

    # ---- periodic sync (background worker) --------------------------------------------
    def start_sync(self) -> None:
        self.run_worker(self._sync_job, thread=True, exclusive=True, group="handover-sync", name="handover-sync")

    def _sync_job(self) -> None:
        peer = self.desk.policy.sync.peer
        cal = self.desk.handover.shifts
        try:
            res = self.desk.handover.sync(peer)
            count = self.desk.handover.event_count()
            text = f"{cal.local(self.desk.clock()):%H:%M:%S} ↑{res.sent} ↓{res.received}" + (
                f" 拒收 {len(res.refused)}" if res.refused else "")
        except Exception as exc:  # the peer is away, its file is bad …: said here, the app stays up
            from cs_console.services.errors import report

            count, text = self._synced_count, f"失败 {cal.local(self.desk.clock()):%H:%M:%S}: {report(exc, 'tui')[:60]}"
        try:
            self.app.call_from_thread(self._synced, text, count)
        except RuntimeError:  # the app is closing
            pass

    def _synced(self, text: str, count: int | None) -> None:
        self.last_sync, self._synced_count = text, count
        self.reload()
