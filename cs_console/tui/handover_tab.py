"""交接 tab: the handover book beside the chat — open notes first (unacknowledged highlighted),
acknowledge / finish with a resolution, filter by shift/day; the start-of-shift inbox, the
sales-report reminder and the optional periodic sync with a peer store live here too."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cs_console.domain.handover import Note, NoteState
from cs_console.services.handover import HandoverError
from cs_console.store.engine import StoreError
from cs_console.tui.handover_dialogs import (
    HandoverDialog,
    HandoverInbox,
    NoteDraft,
    ResolutionDialog,
    note_row,
)

REMINDER_SECONDS = 30.0


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
        self.reload()
        self.call_after_refresh(self.show_inbox)
        self.check_reminder()
        self.set_interval(REMINDER_SECONDS, self.check_reminder, name="sales-report-reminder")
        sync = self.desk.policy.sync
        if sync.peer and sync.every_seconds > 0:
            self.set_interval(sync.every_seconds, self.start_sync, name="handover-sync")

    # ---- store → screen ---------------------------------------------------------------
    def reload(self) -> None:
        label, args = self.filters()[self.filter_index % len(self.filters())]
        self._seen_count = self.desk.handover.event_count()
        self.notes = self.desk.handover.notes(**args)
        ol = self.query_one(OptionList)
        keep = ol.highlighted
        ol.clear_options()
        tz = self.desk.policy.shop.timezone
        shift_label = self.desk.handover.shifts.label
        ol.add_options([Option(note_row(n, tz, shift_label), id=n.id) for n in self.notes])
        if self.notes:
            ol.highlighted = min(keep or 0, len(self.notes) - 1)
        unacked = sum(1 for n in self.notes if n.state == NoteState.OPEN)
        cal, now = self.desk.handover.shifts, self.desk.clock()
        on = "、".join(sh.name for sh in cal.on_duty(now)) or "无"
        bad = len(self.desk.handover.last_quarantine)  # invalid stored events: skipped, said here
        self._status(f"交接 [{label}] {len(self.notes)} 条 · 未确认 {unacked}"
                     + (f" · 已隔离 {bad} 条无效事件" if bad else "") + "\n"
                     f"在班：{on} · 我：{self.desk.handover.agent_shift(self.agent).name}")

    def _status(self, head: str | None = None) -> None:
        if head is not None:
            self._head = head
        sync = ""
        if self.desk.policy.sync.peer:
            pending = ""
            if self._synced_count is not None:
                pending = f" · 待同步 {max(0, self.desk.handover.event_count() - self._synced_count)}"
            sync = f"\n同步 {self.last_sync or '尚未同步'}{pending}"
        self.query_one("#handover-status", Label).update(Text(self._head + sync))

    def reveal(self) -> None:
        """Re-read and bring the 交接 tab to the front of the side panel."""
        self.reload()
        for tabs in self.app.query("#side-tabs"):
            tabs.active = "tab-handover"

    def store_changed(self) -> None:
        """Re-derive only when the event log grew (most commits are chat messages)."""
        count = self.desk.handover.event_count()
        if count != self._seen_count:
            self.reload()

    def show_chat(self, chat_id: int | None, buyer: str | None) -> None:
        self.buyer = buyer

    # ---- start of shift / reminders ---------------------------------------------------
    def show_inbox(self) -> None:
        """Unacknowledged notes addressed to my shift come before anything else."""
        notes = self.desk.handover.inbox(self.agent)
        if notes:
            shift = self.desk.handover.agent_shift(self.agent)
            self.app.push_screen(HandoverInbox(self.desk, self.agent, notes, shift.name),
                                 callback=lambda _n: self.reveal())

    def check_reminder(self) -> None:
        cal, now = self.desk.handover.shifts, self.desk.clock()
        shift = self.desk.handover.agent_shift(self.agent)
        due = cal.report_due(shift.id, now)
        report = self.query_one("#handover-report", Label)
        report.set_class(due, "-due")
        if due:
            report.update(Text(f"⏰ {shift.name}最后半小时：请汇报今日销售额"))
            key = (cal.day_of(now).isoformat(), shift.id)
            if key not in self._reminded:
                self._reminded.add(key)
                self.app.notify(f"{shift.name}最后半小时：请向主管汇报今日销售额", title="销售日报", timeout=10)

    # ---- actions ----------------------------------------------------------------------
    def _selected(self) -> Note | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.notes:
            return None
        return self.notes[ol.highlighted]

    def action_ack(self) -> None:
        note = self._selected()
        if note is None:
            return
        try:
            self.desk.handover.ack(note.id, self.agent)
        except HandoverError as exc:
            self.app.notify(str(exc), severity="warning")
        self.reload()

    def action_done(self) -> None:
        note = self._selected()
        if note is None or note.state == NoteState.DONE:
            return

        def finish(resolution: str | None) -> None:
            if resolution:
                try:
                    self.desk.handover.done(note.id, self.agent, resolution)
                except HandoverError as exc:
                    self.app.notify(str(exc), severity="warning")
                self.reload()
        self.app.push_screen(ResolutionDialog(note), callback=finish)

    def action_new(self) -> None:
        self.write_note()

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(self.filters())
        self.reload()

    def write_note(self) -> None:
        """The note dialog, linked to the current chat's buyer and their latest order."""
        buyer, order_no = self.desk.handover.buyer_link(self.buyer)

        def save(draft: NoteDraft | None) -> None:
            if draft is None:
                return
            try:
                n = self.desk.handover.add(draft.text, self.agent, buyer=draft.buyer, order_no=draft.order_no,
                                           priority=draft.priority)
            except HandoverError as exc:
                self.app.notify(f"交接未保存：{exc}", severity="error")
                return
            self.app.notify(f"已写交接（给{self.desk.handover.shifts.label(n.for_shift)}）", timeout=3)
            self.reveal()
        self.app.push_screen(HandoverDialog(buyer, order_no), callback=save)

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
        except (StoreError, OSError, ValueError) as exc:
            count, text = self._synced_count, f"失败 {cal.local(self.desk.clock()):%H:%M:%S}: {str(exc)[:60]}"
        self.app.call_from_thread(self._synced, text, count)

    def _synced(self, text: str, count: int | None) -> None:
        self.last_sync, self._synced_count = text, count
        self.reload()
