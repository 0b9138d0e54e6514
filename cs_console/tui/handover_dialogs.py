"""Handover dialogs: write a note, give a resolution, the start-of-shift inbox, the end-of-shift
blockers. Each is a ModalScreen returning a value (or None when cancelled)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from cs_console.domain.clock import local
from cs_console.domain.handover import PRIORITY_LABEL, Note, NoteState, Priority
from cs_console.services.handover import HandoverError
from cs_console.tui.store_reads import WriteFailed, deliver, write_now

DIALOG_CSS = """
HandoverDialog, ResolutionDialog, HandoverInbox, ShiftEndScreen { align: center middle; }
.handover-box { width: 76; max-width: 95%; height: auto; max-height: 90%; padding: 0 1;
                border: thick $accent; background: $surface; }
.handover-box OptionList { height: auto; max-height: 20; }
.handover-box .hint { color: $text-muted; }
.handover-box .title { text-style: bold; }
"""


def note_row(n: Note, tz: str, label=str) -> Text:
    """One note as a list row; unacknowledged ones stand out."""
    mark, style = {NoteState.OPEN: ("●", "bold yellow"), NoteState.ACKNOWLEDGED: ("○", ""),
                   NoteState.DONE: ("✓", "dim")}[n.state]
    row = Text(f"{mark} ", style=style)
    if n.priority in (Priority.HIGH, Priority.URGENT):
        row.append(f"{PRIORITY_LABEL[n.priority]} ", style="bold red")
    row.append(n.text, style=style)
    links = " ".join(x for x in (n.buyer, n.order_no, n.case_id and f"售后{n.case_id}") if x)
    if links:
        row.append(f"  [{links}]", style="cyan")
    row.append(f"\n  {local(n.created_at, tz):%m-%d %H:%M} {n.author} {label(n.shift)}→{label(n.for_shift)}", style="dim")
    if n.acked_by:
        row.append(f" 确认:{n.acked_by}", style="dim")
    if n.done_by:
        row.append(f" 完成:{n.done_by}「{n.resolution}」", style="dim")
    return row


@dataclass(frozen=True, slots=True)
class NoteDraft:
    text: str
    buyer: str | None
    order_no: str | None
    priority: str


class HandoverDialog(ModalScreen[NoteDraft | None]):
    """写交接: text, linked buyer/order (prefilled from the current chat), priority. Enter saves."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "dismiss(None)", "取消", id="handover.cancel")]

    def __init__(self, buyer: str | None, order_no: str | None, *, draft: NoteDraft | None = None):
        """``draft``: what the agent wrote before, when the dialog opens again after it was not saved."""
        super().__init__()
        self.buyer, self.order_no, self.draft = buyer, order_no, draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="handover-box"):
            yield Label("写交接（Enter 保存，Esc 取消）", classes="title")
            d = self.draft or NoteDraft("", self.buyer, self.order_no, Priority.NORMAL.value)
            yield Input(d.text, placeholder="交接内容：下一班要知道或要做的事", id="note-text")
            yield Input(d.buyer or "", placeholder="买家（可空）", id="note-buyer")
            yield Input(d.order_no or "", placeholder="订单号（可空）", id="note-order")
            yield Select([(f"优先级：{label}", p.value) for p, label in PRIORITY_LABEL.items()],
                         value=d.priority, allow_blank=False, id="note-priority")

    @on(Input.Submitted)
    def _save(self) -> None:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            self.notify("交接内容不能为空", severity="warning")
            self.query_one("#note-text", Input).focus()
            return
        self.dismiss(NoteDraft(text, self.query_one("#note-buyer", Input).value.strip() or None,
                               self.query_one("#note-order", Input).value.strip() or None,
                               str(self.query_one("#note-priority", Select).value)))


class ResolutionDialog(ModalScreen[str | None]):
    """完成交接: the resolution text (required)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "dismiss(None)", "取消", id="handover.resolution.cancel")]

    def __init__(self, note: Note, resolution: str = ""):
        """``resolution``: what the agent wrote before, when the dialog opens again after it was not saved."""
        super().__init__()
        self.note, self.resolution = note, resolution

    def compose(self) -> ComposeResult:
        with Vertical(classes="handover-box"):
            yield Label(Text(f"完成：{self.note.text}"), classes="title")
            yield Input(self.resolution, placeholder="处理结果（必填，Enter 确认）", id="resolution")

    @on(Input.Submitted)
    def _done(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class HandoverInbox(ModalScreen[int]):
    """On start: the unacknowledged notes addressed to the agent's shift, before anything else.
    ``a``/Enter acknowledges the highlighted note, ``A`` all of them; Esc closes. Returns how
    many were acknowledged."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("a,enter", "ack", "确认", id="inbox.ack"),
        Binding("A,ctrl+a", "ack_all", "全部确认", id="inbox.ack_all"),
        Binding("escape", "close", "关闭", id="inbox.close"),
    ]

    def __init__(self, desk, agent: str, notes: list[Note], shift_label: str):
        super().__init__()
        self.desk, self.agent, self.notes, self.shift_label = desk, agent, list(notes), shift_label
        self.acked = 0
        self._acking: set[str] = set()  # notes whose acknowledgement is being written

    def compose(self) -> ComposeResult:
        with Vertical(classes="handover-box"):
            yield Label(Text(f"交接本：给{self.shift_label}的 {len(self.notes)} 条未确认交接"), classes="title",
                        id="inbox-title")
            yield OptionList(*self._options(), id="inbox-list")
            yield Label("a/Enter 确认  A 全部确认  Esc 关闭", classes="hint")

    def _options(self) -> list[Option]:
        tz, label = self.desk.policy.shop.timezone, self.desk.handover.shifts.label
        return [Option(note_row(n, tz, label), id=n.id) for n in self.notes]

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _refresh(self) -> None:
        ol = self.query_one(OptionList)
        keep = ol.highlighted or 0
        ol.clear_options()
        ol.add_options(self._options())
        if self.notes:
            ol.highlighted = min(keep, len(self.notes) - 1)
        self.query_one("#inbox-title", Label).update(Text(f"交接本：给{self.shift_label}的 {len(self.notes)} 条未确认交接"))
        if not self.notes:
            self.dismiss(self.acked)

    async def _ack(self, note: Note) -> None:
        """Acknowledge in a thread (a locked store makes it wait, not the desk). A note a colleague
        acknowledged meanwhile leaves the list too; a store failure keeps it here, said once."""
        if note.id in self._acking:
            return
        self._acking.add(note.id)
        try:
            await write_now(self, lambda: self.desk.handover.ack(note.id, self.agent), "交接确认")
            self.acked += 1
        except WriteFailed as failed:
            if not isinstance(failed.__cause__, HandoverError):
                return
        finally:
            self._acking.discard(note.id)
        self.notes = [n for n in self.notes if n.id != note.id]

    @work(group="inbox-write")
    async def action_ack(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.notes:
            return
        await self._ack(self.notes[ol.highlighted])
        self._refresh()

    @on(OptionList.OptionSelected, "#inbox-list")
    def _selected(self) -> None:
        self.action_ack()

    @work(group="inbox-write")
    async def action_ack_all(self) -> None:
        for n in list(self.notes):
            await self._ack(n)
        self._refresh()

    def action_close(self) -> None:
        self.dismiss(self.acked)


class ShiftEndScreen(ModalScreen[int]):
    """下班检查: what blocks a clean handover; Enter turns the highlighted blocker into a note,
    ``N`` all of them. Returns how many notes were written."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("enter,n", "note", "写成交接", id="shiftend.note"),
        Binding("N", "note_all", "全部写成交接", id="shiftend.note_all"),
        Binding("escape", "close", "关闭", id="shiftend.close"),
    ]

    def __init__(self, desk, agent: str):
        super().__init__()
        self.desk, self.agent = desk, agent
        self.blockers: list = []  # read in a thread once the dialog is up
        self.written = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="handover-box"):
            yield Label("", classes="title", id="shiftend-title")
            yield OptionList(id="shiftend-list")
            yield Label("Enter/n 写成交接  N 全部写成交接  Esc 关闭", classes="hint")

    def on_mount(self) -> None:
        self._refresh()
        self.query_one(OptionList).focus()

    def _refresh(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="shiftend-read")
    def _read(self) -> None:
        deliver(self, lambda: self.desk.shift.blockers(self.agent), self._show, "下班检查")

    def _show(self, blockers: list) -> None:
        self.blockers = blockers
        ol = self.query_one(OptionList)
        keep = ol.highlighted
        ol.clear_options()
        ol.add_options([Option(Text(f"{'✓ 已写交接 ' if b.noted else '• '}{b.title}",
                                    style="dim" if b.noted else "bold"), id=b.source) for b in self.blockers])
        if self.blockers:
            ol.highlighted = min(keep or 0, len(self.blockers) - 1)
        left = sum(1 for b in self.blockers if not b.noted)
        self.query_one("#shiftend-title", Label).update(
            Text(f"下班检查：{left} 项待处理" if self.blockers else "下班检查：没有未处理的事项，可以交接"))

    @work(exclusive=True, group="shiftend-write")
    async def action_note(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.blockers:
            return
        b = self.blockers[ol.highlighted]
        if b.noted:
            return
        try:
            await write_now(self, lambda: self.desk.shift.to_note(b, self.agent), "交接")
        except WriteFailed:
            return
        self.written += 1
        self._refresh()

    @work(exclusive=True, group="shiftend-write")
    async def action_note_all(self) -> None:
        try:
            self.written += len(await write_now(self, lambda: self.desk.shift.all_to_notes(self.agent), "交接"))
        except WriteFailed:
            return
        self._refresh()

    @on(OptionList.OptionSelected, "#shiftend-list")
    def _selected(self) -> None:
        self.action_note()

    def action_close(self) -> None:
        self.dismiss(self.written)
